"""A step-wise trainer: one ``step()`` call = one minibatch update, so a GUI can draw between steps.

    trainer = Trainer(config, data)          # data: visualdl.data.DataSplits
    while trainer.epoch < 10:
        metrics = trainer.step()             # loss, data_loss, reg_loss, batch_acc, lr, update_ratio
    trainer.evaluate("test")

Each step: take the next minibatch of the epoch's shuffled order, convert it
from uint8 to float32 with the preprocessor fitted on the training split,
optionally augment it (flips, shifts), forward, loss + regularization,
backward, optimizer update, max-norm constraint. At the end of every epoch the
trainer measures train accuracy (on a fixed random subset, for speed) and
validation accuracy.

Everything random (initialization, shuffling, augmentation, dropout) comes
from generators seeded by ``config["seed"]``: the same config and data give
the same run bit for bit, and ``reset()`` repeats the same initialization.
"""
from __future__ import annotations

import copy
import math

import numpy as np

from visualdl.engine.nn.augment import augment_batch
from visualdl.engine.nn.checkpoint import (load_checkpoint_for, load_model,  # noqa: F401 - also imported from here
                                           load_optimizer_state, model_buffers, optimizer_state, restore_buffers)
from visualdl.engine.nn.histograms import layer_histograms
from visualdl.engine.nn.history import History  # noqa: F401 - also imported from here
from visualdl.engine.nn.models import build_model, check_memory, validate_config
from visualdl.engine.nn.snapshot import Snapshot, _stats, _sum_sq  # noqa: F401 - Snapshot also imported from here

TRAIN_EVAL_SIZE = 1000  # examples used for the epoch-end train accuracy
EVAL_CHUNK = 250  # examples per forward pass when evaluating (bounds memory)


class TrainingStopped(RuntimeError):
    """step() was called after training stopped (for example the loss became NaN)."""


class Trainer:
    """Trains the model described by `config` on `data` (a DataSplits), one minibatch per step()."""

    def __init__(self, config: dict, data, *, train_eval_size: int = TRAIN_EVAL_SIZE,
                 keep_layer_grads: bool = True):
        """config: see visualdl.engine.nn.models; data: a DataSplits.

        train_eval_size: examples in the fixed subset used for epoch-end train accuracy.
        keep_layer_grads: keep each layer's output gradient for snapshot() (costs memory and
        some speed; the CLI turns it off).
        """
        from visualdl.data.preprocess import fit_preprocessor

        self.config = validate_config(config)
        self.data = data
        if len(data.X_train) == 0:
            raise ValueError(f"Dataset {data.name!r} has no training examples")
        # Refuse a model that cannot fit before allocating anything (ValueError says how much it needs).
        check_memory(self.config, data.input_shape, data.num_classes)
        self.train_eval_size = int(train_eval_size)
        self.keep_layer_grads = bool(keep_layer_grads)
        self.preprocessor = fit_preprocessor(self.config["preprocess"], data.X_train)
        self.reset()

    # ------------------------------------------------------------------ set-up
    def reset(self) -> None:
        """Start over: same seed -> same initial weights, shuffles and augmentations; history cleared."""
        from visualdl.engine.nn.losses import loss_function
        from visualdl.engine.nn.optim import make_optimizer

        cfg = self.config
        init_seq, shuffle_seq, aug_seq, eval_seq = np.random.SeedSequence(cfg["seed"]).spawn(4)
        self.model = build_model(cfg, self.data.input_shape, self.data.num_classes,
                                 rng=np.random.default_rng(init_seq), dtype=np.float32)
        self._shuffle_rng = np.random.default_rng(shuffle_seq)
        self._aug_rng = np.random.default_rng(aug_seq)
        n = len(self.data.X_train)
        self._train_eval_idx = np.sort(np.random.default_rng(eval_seq).permutation(n)[: self.train_eval_size])
        self._loss_fn = loss_function(cfg["loss"])
        self.regularizer = _make_regularizer(cfg["reg"])
        hyper = {k: v for k, v in cfg["optim"].items() if k != "name"}
        self.optimizer = make_optimizer(cfg["optim"]["name"], **hyper)
        self.params = self.model.named_params()
        self._summary = self.model.summary(self.data.input_shape)
        self.iteration = 0
        self.epochs_done = 0
        self._order: np.ndarray | None = None
        self._pos = 0
        self.history = History()
        self.stopped_reason: str | None = None
        self._last_step: dict | None = None
        self._last_dys: list | None = None
        self._last_acts: list | None = None
        self._last_ratios: dict = {}

    @property
    def batch_size(self) -> int:
        return min(self.config["batch_size"], len(self.data.X_train))

    @property
    def iterations_per_epoch(self) -> int:
        # The last incomplete batch of an epoch is dropped: tiny batches make batch norm noisy.
        return max(1, len(self.data.X_train) // self.batch_size)

    @property
    def epoch(self) -> float:
        """Epochs done so far, fractional (0.5 = half-way through the first epoch)."""
        return self.epochs_done + self._pos / self.iterations_per_epoch

    @property
    def lr(self) -> float:
        return float(self.optimizer.lr)

    def set_hyperparams(self, lr: float | None = None, **kw) -> None:
        """Change hyperparameters between steps without resetting weights or optimizer state.

        Accepts lr and any optimizer hyperparameter (mu, beta1, ...), plus reg_kind,
        reg_strength, l1_strength, max_norm, batch_size, augment, lr_decay. A bad value
        raises ValueError naming it and changes nothing.
        """
        reg_keys = {"reg_kind": "kind", "reg_strength": "strength", "l1_strength": "l1_strength",
                    "max_norm": "max_norm"}
        new = copy.deepcopy(self.config)
        optim_kw = {}
        if lr is not None:
            new["optim"]["lr"] = lr
        for key, value in kw.items():
            if key in reg_keys:
                new["reg"][reg_keys[key]] = value
            elif key in ("batch_size", "augment", "lr_decay"):
                new[key] = value
            else:
                new["optim"][key] = value
                optim_kw[key] = value
        new = validate_config(new)  # raises ValueError naming the bad value; nothing changed yet
        if optim_kw:
            self.optimizer.set_hyperparams(**{k: new["optim"][k] for k in optim_kw})
        if lr is not None:
            self.optimizer.lr = new["optim"]["lr"]
        self.regularizer = _make_regularizer(new["reg"])  # stateless, so rebuilding it is safe
        if new["batch_size"] != self.config["batch_size"]:
            # The number of batches per epoch changes: start this epoch over with a fresh order.
            self._order, self._pos = None, 0
        self.config = new

    # ---------------------------------------------------------------- training
    @property
    def train_eval_indices(self) -> np.ndarray:
        """(M,) the fixed training examples that "train accuracy" is measured on (sorted)."""
        return self._train_eval_idx

    def next_batch_indices(self) -> np.ndarray:
        """(B,) indices into X_train of the minibatch the next step() trains on (does not advance)."""
        if self._order is None:  # a new epoch: a new random order of the training set
            self._order = self._shuffle_rng.permutation(len(self.data.X_train))
        b = self.batch_size
        return self._order[self._pos * b:(self._pos + 1) * b]

    def _prepare(self, X: np.ndarray, train: bool) -> np.ndarray:
        x = self.preprocessor.transform(X)
        if train and self.config["augment"] and self.data.kind == "image":
            x = augment_batch(x, self._aug_rng)
        return x

    def _stop(self, reason: str, metrics: dict) -> dict:
        self.stopped_reason = reason
        metrics["stopped"] = reason
        self.history.add_iteration(metrics)
        self._last_step = metrics
        return metrics

    def step(self) -> dict:
        """One minibatch update. Returns the step's metrics (see module docstring).

        On a non-finite loss or gradient the weights are left untouched, training
        stops (`stopped_reason`), and the dict carries "stopped": reason.
        """
        if self.stopped_reason is not None:
            raise TrainingStopped(self.stopped_reason)
        # Overflow is detected and explained below; NumPy's own warnings would only add noise.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._step()

    def _step(self) -> dict:
        idx = self.next_batch_indices()
        x = self._prepare(self.data.X_train[idx], train=True)
        y = self.data.y_train[idx]

        # BatchNorm updates its running statistics during forward: keep copies so a step
        # that blows up can leave the model exactly as it was.
        buffers_before = {name: b.copy() for name, b in model_buffers(self.model).items()}
        scores = self.model.forward(x, train=True)
        # Keep this step's activations for snapshot(): evaluate() replaces model.activations.
        self._last_acts = self.model.activations
        data_loss, dscores = self._loss_fn(scores, y)
        reg_loss, reg_grads = self.regularizer.loss_and_grads(self.params)
        data_loss, reg_loss = float(data_loss), float(reg_loss)
        loss = data_loss + reg_loss
        lr = self.lr
        metrics = {
            "iteration": self.iteration + 1,
            "epoch": self.epochs_done + (self._pos + 1) / self.iterations_per_epoch,
            "loss": loss,
            "data_loss": data_loss,
            "reg_loss": reg_loss,
            "batch_acc": float(np.mean(np.argmax(scores, axis=1) == y)),
            "lr": lr,
            "update_ratio": 0.0,
        }
        if not math.isfinite(loss):
            restore_buffers(self.model, buffers_before)
            return self._stop(self._divergence_reason("loss", loss, lr), metrics)

        self.model.backward(dscores, keep_output_grads=self.keep_layer_grads)
        self._last_dys = self.model.output_grads if self.keep_layer_grads else None
        grads = self.model.named_grads()
        total = {name: (g + reg_grads[name]) if name in reg_grads else g for name, g in grads.items()}
        if not all(np.isfinite(g).all() for g in total.values()):
            restore_buffers(self.model, buffers_before)
            return self._stop(self._divergence_reason("gradient", float("nan"), lr), metrics)

        before = {name: p.copy() for name, p in self.params.items()}
        self.optimizer.step(self.params, total)
        self.regularizer.apply_constraints(self.params)  # max-norm: clip rows after each update
        upd_by_name = {n: _sum_sq(p - before[n]) for n, p in self.params.items()}
        w_by_name = {n: _sum_sq(b) for n, b in before.items()}
        upd_sq, w_sq = sum(upd_by_name.values()), sum(w_by_name.values())
        if not math.isfinite(upd_sq):
            for name, p in self.params.items():
                p[...] = before[name]
            restore_buffers(self.model, buffers_before)
            return self._stop(self._divergence_reason("update", float("nan"), lr), metrics)
        # per parameter ||update|| / ||weight|| of this step, for snapshot()
        self._last_ratios = {n: math.sqrt(upd_by_name[n] / w_by_name[n]) if w_by_name[n] > 0 else math.inf
                             for n in upd_by_name}
        # ||update|| / ||weights|| over all parameters; around 1e-3 is the usual healthy value
        metrics["update_ratio"] = math.sqrt(upd_sq) / math.sqrt(w_sq) if w_sq > 0 else math.inf

        self.iteration += 1
        self._pos += 1
        if self._pos >= self.iterations_per_epoch:
            self._end_epoch(metrics)
        self.history.add_iteration(metrics)
        self._last_step = metrics
        return metrics

    def _divergence_reason(self, what: str, value: float, lr: float) -> str:
        return (
            f"Training stopped at iteration {self.iteration + 1}: the {what} became {value} "
            f"(not a finite number), so the network diverged. The learning rate {lr:g} is probably "
            f"too high: lower it (for example to {lr / 10:g}) and reset. The weights were left as they "
            "were before this step."
        )

    def _end_epoch(self, metrics: dict) -> None:
        self.epochs_done += 1
        self._order, self._pos = None, 0
        train_acc = self.evaluate("train", limit=self.train_eval_size)
        val_acc = self.evaluate("val") if len(self.data.X_val) else float("nan")
        metrics["epoch"] = float(self.epochs_done)
        metrics["train_acc"], metrics["val_acc"] = train_acc, val_acc
        self.history.add_epoch({"epoch": self.epochs_done, "iteration": self.iteration,
                                    "train_acc": train_acc, "val_acc": val_acc})
        decay = self.config["lr_decay"]
        if decay != 1.0:
            self.optimizer.lr = self.optimizer.lr * decay
            self.config["optim"]["lr"] = self.optimizer.lr

    # -------------------------------------------------------------- evaluation
    def _split(self, split: str):
        if split not in ("train", "val", "test"):
            raise ValueError(f"Unknown split: {split!r} (choose from train, val, test)")
        return getattr(self.data, f"X_{split}"), getattr(self.data, f"y_{split}")

    def scores(self, X: np.ndarray, progress=None, cancel=None) -> np.ndarray:
        """X: raw examples as in DataSplits ((N, 32, 32, 3) uint8 or (N, 2)) -> scores (N, C) float32."""
        n = len(X)
        out = np.empty((n, self.data.num_classes), dtype=np.float32)
        for lo in range(0, n, EVAL_CHUNK):
            if cancel is not None and cancel.is_set():
                from visualdl.data import Cancelled

                raise Cancelled("evaluation cancelled")
            x = self._prepare(X[lo:lo + EVAL_CHUNK], train=False)
            with np.errstate(over="ignore", invalid="ignore"):  # a diverged net may score inf
                out[lo:lo + EVAL_CHUNK] = self.model.forward(x, train=False)
            if progress is not None:
                progress(min(lo + EVAL_CHUNK, n), n, "evaluating")
        return out

    def predict(self, X: np.ndarray) -> np.ndarray:
        """X: raw examples -> (N,) int64 predicted class indices."""
        return np.argmax(self.scores(X), axis=1).astype(np.int64)

    def evaluate(self, split: str = "val", limit: int | None = None, progress=None, cancel=None) -> float:
        """Accuracy in [0, 1] on `split` ("train", "val", "test").

        limit: use at most this many examples; for "train" they are a fixed random
        subset (the same every epoch), for "val"/"test" the first `limit`.
        """
        X, y = self._split(split)
        if limit is not None:
            limit = int(limit)
            if limit < 1:
                raise ValueError(f"Invalid evaluation limit: {limit}")
            if split == "train" and limit <= len(self._train_eval_idx):
                idx = self._train_eval_idx[:limit]
                X, y = X[idx], y[idx]
            else:
                X, y = X[:limit], y[:limit]
        if len(X) == 0:
            raise ValueError(f"The {split} split of {self.data.name!r} is empty")
        predicted = np.argmax(self.scores(X, progress=progress, cancel=cancel), axis=1)
        return float(np.mean(predicted == y))

    # ------------------------------------------------------------- inspection
    def snapshot(self) -> Snapshot:
        """Frozen copies for the GUI: safe to read on another thread while training continues.

        Layer statistics describe the last training step: act_* of each layer's output,
        grad_* of the loss gradient with respect to that output (None before the first step,
        with keep_layer_grads=False, and below the first layer with parameters, where
        backprop stops because the data's gradient is never needed).
        "histograms": per layer {"act", "grad", "weight"}: (edges, counts) of that layer's output,
        output gradient and weight "i.W" at the last step (None where absent; big arrays sampled,
        see visualdl.engine.nn.histograms); "update_ratios": per parameter name,
        ||update|| / ||value before the update|| of the last step (inf for a zero parameter).
        """
        acts = self._last_acts or []
        layers = []
        stepped = self._last_step is not None
        for i, info in enumerate(self._summary):
            a = acts[i] if (stepped and i < len(acts)) else None
            d = self._last_dys[i] if self._last_dys is not None else None
            am, asd, an = _stats(a)
            gm, gsd, gn = _stats(d)
            # why a statistic is missing, in words a view can show as is
            act_note = None if a is not None else "no step yet"
            grad_note = None if d is not None else (
                "no step yet" if not stepped else "not kept" if not self.keep_layer_grads
                else "not computed: no parameters below")
            layers.append({**copy.deepcopy(info), "act_mean": am, "act_std": asd, "act_norm": an,
                           "grad_mean": gm, "grad_std": gsd, "grad_norm": gn,
                           "act_note": act_note, "grad_note": grad_note})
        return Snapshot(
            input_shape=tuple(int(s) for s in self.data.input_shape),
            iteration=self.iteration,
            epoch=self.epoch,
            config=copy.deepcopy(self.config),
            layers=layers,
            params={name: p.copy() for name, p in self.params.items()},
            last=copy.deepcopy(self._last_step),
            stopped_reason=self.stopped_reason,
            histograms=layer_histograms(acts if self._last_step is not None else [], self._last_dys, self.params),
            update_ratios=dict(self._last_ratios),
        )

    def state_dict(self) -> dict:
        """Everything needed to continue training: {"params", "buffers", "optimizer", "iteration", ...}."""
        return {
            "params": {name: p.copy() for name, p in self.params.items()},
            "buffers": {name: b.copy() for name, b in model_buffers(self.model).items()},
            "optimizer": optimizer_state(self.optimizer),
            "iteration": self.iteration,
            "epochs_done": self.epochs_done,
            "epoch_position": self._pos,
            "lr": self.lr,
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore weights (and, when present, BN running statistics and optimizer state)."""
        from visualdl.engine.nn.serialize import check_params

        params = state["params"]
        check_params(params, {n: p.shape for n, p in self.params.items()}, source="state")
        for name, p in self.params.items():
            p[...] = params[name]
        buffers = model_buffers(self.model)
        for name, value in (state.get("buffers") or {}).items():
            if name in buffers:
                buffers[name][...] = value
        if state.get("optimizer"):
            load_optimizer_state(self.optimizer, state["optimizer"], self.params)
        self.iteration = int(state.get("iteration", self.iteration))
        self.epochs_done = int(state.get("epochs_done", self.epochs_done))
        # Where in the epoch training stopped (older saves: derived from the counters), so the
        # fractional epoch goes on from there; the rest of that epoch gets a fresh random order.
        pos = state.get("epoch_position")
        if pos is None:
            pos = self.iteration - self.epochs_done * self.iterations_per_epoch
        self._order, self._pos = None, min(max(int(pos), 0), self.iterations_per_epoch - 1)
        if "lr" in state:
            self.optimizer.lr = float(state["lr"])
        # the config is what views show and reset() uses: keep its lr the one in use
        self.config["optim"]["lr"] = self.optimizer.lr
        self.stopped_reason = None

    # ---------------------------------------------------------------- files
    def save(self, path, extra: dict | None = None):
        """Save weights + config (+ history, preprocessing, class names) as path.npz + path.json.

        extra: more JSON-able fields to store (e.g. the app's session info). Returns the base path.
        """
        from visualdl.engine.nn.serialize import save_checkpoint

        arrays = {name: p for name, p in self.params.items()}
        arrays.update({f"buffer:{n}": b for n, b in model_buffers(self.model).items()})
        info = {
            "input_shape": list(self.data.input_shape),
            "num_classes": self.data.num_classes,
            "class_names": list(self.data.class_names),
            "dataset": self.data.name,
            "preprocessor": self.preprocessor.to_dict(),
            "iteration": self.iteration,
            "epochs_done": self.epochs_done,
            "epoch_position": self._pos,
            "lr": self.lr,
            **(extra or {}),
        }
        return save_checkpoint(path, self.config, arrays, history=self.history.to_dict(), extra=info)

    def load(self, path) -> None:
        """Load a checkpoint saved by save() for the same model; refuses a mismatch with CheckpointError."""
        from visualdl.engine.nn.serialize import CheckpointError

        config, arrays, history, extra = load_checkpoint_for(path, self.data.input_shape, self.data.num_classes)
        if config["model"] != self.config["model"]:
            raise CheckpointError(f"{path} holds a different model ({config['model']['preset']}, "
                                  f"{config['model']}) than this trainer's ({self.config['model']})")
        self.apply_checkpoint(arrays, history, extra)

    def apply_checkpoint(self, arrays: dict, history: dict | None, extra: dict | None) -> None:
        """Take weights, buffers, counters, lr and history from what load_checkpoint_for returned
        (already checked against this model)."""
        extra = extra or {}
        self.load_state_dict({
            "params": {n: a for n, a in arrays.items() if not n.startswith("buffer:")},
            "buffers": {n[len("buffer:"):]: a for n, a in arrays.items() if n.startswith("buffer:")},
            "iteration": extra.get("iteration", 0),
            "epochs_done": extra.get("epochs_done", 0),
            "epoch_position": extra.get("epoch_position"),
            **({"lr": extra["lr"]} if "lr" in extra else {}),
        })
        if history:
            self.history = History.from_dict(history)


def _make_regularizer(r: dict):
    from visualdl.engine.nn.regularization import Regularizer

    return Regularizer(kind=r["kind"], strength=r["strength"], l1_strength=r["l1_strength"], max_norm=r["max_norm"])
