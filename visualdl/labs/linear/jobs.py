"""Background jobs of the linear-classifier lab (run by ctx.runner; no Qt here).

Both jobs are long-lived command loops: the page sends commands with
job.send(...) and receives frozen snapshots through `yielded`. While idle a
job waits for commands (yielding None now and then so the runner can flush).
"""
from __future__ import annotations

import copy

import numpy as np

from visualdl.engine.classical.classifiers import LinearClassifier
from visualdl.engine.course.demos import linear_vs_hidden
from visualdl.engine.course.linear2d import Linear2D, class_lines
from visualdl.engine.classical.regions import make_grid, predict_grid

RUN_INTERVAL = 0.03  # seconds between steps while running, so a student can watch the lines move


def weight_templates(W, input_shape=(3, 32, 32)):
    """W: (C, D) weights of a linear classifier on flattened (C_in, H, W) inputs.

    Returns (C, H, W, 3) uint8: each row reshaped to an image (channels last) and
    stretched to 0..255 over its own min..max — the engine's
    LinearClassifier.template_images (one rescaling in the app), then channels last.
    """
    W = np.asarray(W, dtype=np.float64)
    holder = LinearClassifier(W.shape[0], dtype=np.float64)
    holder.W = W
    return holder.template_images(tuple(input_shape)).transpose(0, 2, 3, 1)


# --------------------------------------------------------------------------- 2D
def _snapshot_2d(model: Linear2D, X, y, grid, step: int, running: bool) -> dict:
    snap = model.snapshot(X, y)
    snap["regions"] = predict_grid(model.predict, grid)
    snap["lines"] = class_lines(model.W, model.b, grid.bounds)
    snap["bounds"] = grid.bounds
    snap["accuracy"] = model.accuracy(X, y)
    snap["step"] = step
    snap["running"] = running
    snap["X"], snap["y"] = X, y  # never modified in place: a "data" command brings new arrays
    return snap


def linear2d_job(ctl, X, y, num_classes, loss="svm", reg=0.0, lr=0.05, seed=0, resolution=150):
    """The editable 2D classifier. Commands (tuples):
        ("set", W, b)  ("lr", v)  ("reg", v)  ("loss", name)  ("randomize", seed)
        ("step",)  ("run", bool)  ("data", X, y, num_classes)
    Yields a snapshot (Linear2D.snapshot + regions, lines, bounds, accuracy,
    step count, running) after every change."""
    model = Linear2D(num_classes, loss=loss, reg=reg, seed=seed)
    X, y = np.asarray(X, np.float64), np.asarray(y, np.int64)
    grid = make_grid(X, resolution=resolution)
    steps, running = 0, False
    yield _snapshot_2d(model, X, y, grid, steps, running)
    while not ctl.cancelled:
        commands = ctl.next_commands(wait=not running)
        if not commands and not running:
            yield None  # idle: lets the runner deliver a pending snapshot
            continue
        changed = False
        for cmd in commands:
            kind = cmd[0]
            if kind == "set":
                model.set_params(cmd[1], cmd[2])
            elif kind == "lr":
                lr = float(cmd[1])
            elif kind == "reg":
                model.reg = cmd[1]
            elif kind == "loss":
                model.loss = cmd[1]
            elif kind == "randomize":
                model.randomize(cmd[1])
                steps = 0
            elif kind == "step":
                model.step(X, y, lr)
                steps += 1
            elif kind == "run":
                running = bool(cmd[1])
            elif kind == "data":
                X, y = np.asarray(cmd[1], np.float64), np.asarray(cmd[2], np.int64)
                if cmd[3] != model.num_classes:
                    model = Linear2D(cmd[3], loss=model.loss, reg=model.reg, seed=seed)
                grid = make_grid(X, resolution=resolution)
            changed = True
        if running:
            model.step(X, y, lr)
            steps += 1
            changed = True
            ctl.cancel_event.wait(RUN_INTERVAL)
        if changed:
            yield _snapshot_2d(model, X, y, grid, steps, running)


def hard_case_verdict_job(ctl, X, y):
    """How a trained linear classifier and a 2-layer net do on a hard case: {"linear_acc", "hidden_acc"}."""
    return linear_vs_hidden(X, y, num_classes=int(np.max(y)) + 1)


# --------------------------------------------------------------------------- images
def linear_image_config(loss="softmax", lr=1e-3, reg=1e-4, batch_size=200, optimizer="sgd", seed=0) -> dict:
    """A trainer config for the course's linear classifier on images (mean-image preprocessing)."""
    from visualdl.engine.nn.models import default_config

    cfg = default_config("linear")
    cfg["loss"] = loss
    cfg["reg"] = {"kind": "l2", "strength": float(reg), "l1_strength": 0.0, "max_norm": None}
    cfg["optim"] = {"name": optimizer, "lr": float(lr)}
    cfg["batch_size"] = int(batch_size)
    cfg["seed"] = int(seed)
    cfg["preprocess"] = "mean_image"
    cfg["model"]["init"] = "gaussian"
    cfg["model"]["init_std"] = 1e-4
    return cfg


def merge_image_snapshots(pending: dict, new: dict) -> dict:
    """Keep every iteration's loss when the GUI falls behind (the runner merges pending values)."""
    out = dict(new)
    out["rows"] = pending.get("rows", []) + new.get("rows", [])
    return out


ROW_KEYS = ("iteration", "epoch", "loss", "data_loss", "reg_loss", "batch_acc", "train_acc", "val_acc")


def _image_snapshot(trainer, image_index: int, rows, training: bool) -> dict:
    params = trainer.snapshot()["params"]
    W = params["1.W"]
    x = trainer.data.X_val[image_index:image_index + 1]
    return {"iteration": trainer.iteration, "epoch": trainer.epoch, "rows": rows,
            "W": W, "b": params["1.b"], "templates": weight_templates(W, trainer.data.input_shape),
            "image_index": image_index, "image_scores": trainer.scores(x)[0].astype(np.float64),
            "training": training, "stopped": trainer.stopped_reason}


def linear_images_job(ctl, data, config: dict, image_index: int = 0, epochs: float = 5.0,
                      steps_per_yield: int = 5):
    """Train a linear classifier on images with the engine's Trainer for `epochs`,
    then stay on to answer questions about the trained weights, until cancelled.

    data: DataSplits with at least one validation image. Commands: ("image", i)
    the validation image whose scores to report; ("lr", v); ("pause", bool).
    Yields {"iteration", "epoch", "rows" (new per-iteration Trainer.step() dicts; those that end an
    epoch carry train_acc and val_acc, as a RunLog reads them), "W" (C, D), "b" (C,), "templates" (C, 32, 32, 3) uint8,
    "image_index", "image_scores" (C,), "training" (bool), "stopped" (reason or None)}.
    """
    from visualdl.engine.nn.trainer import Trainer

    if len(data.X_val) == 0:
        raise ValueError(f"{data.name} has no validation images to score")
    trainer = Trainer(copy.deepcopy(config), data)
    paused = False

    def training():
        return not paused and trainer.epoch < epochs and trainer.stopped_reason is None

    yield _image_snapshot(trainer, image_index, [], training())
    while not ctl.cancelled:
        commands = ctl.next_commands(wait=not training())
        if not commands and not training():
            yield None  # idle: lets the runner deliver a pending snapshot
            continue
        for cmd in commands:
            if cmd[0] == "image":
                image_index = int(cmd[1])
            elif cmd[0] == "lr":
                trainer.set_hyperparams(lr=float(cmd[1]))
            elif cmd[0] == "pause":
                paused = bool(cmd[1])
        rows = []
        for _ in range(steps_per_yield if training() else 0):
            out = trainer.step()
            rows.append({k: out[k] for k in ROW_KEYS if k in out})
            if not training():
                break
        yield _image_snapshot(trainer, image_index, rows, training())
