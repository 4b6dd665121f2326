"""``visualdl train``: train a preset model on a dataset and report train/val/test accuracy.

    python -m visualdl train --model standard_cnn --data cifar10 --data-path cifar-10-python.tar.gz \\
        --epochs 20 --time-limit 600 --json result.json --save runs/cnn

Progress is a bar on a terminal and plain lines otherwise (logs, pipes).
Bad arguments print one line and exit with status 2.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

from visualdl.atomic import write_atomic
from visualdl.cli import CliError, check_writable


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return value


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def _data_param(text: str):
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    for convert in (int, float):
        try:
            return key, convert(value)
        except ValueError:
            pass
    return key, value


def _one_line_error(prog: str):
    def error(message: str):
        print(f"{prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)

    return error


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train", help="train a model from the command line",
        description="Train a preset model and print train/validation/test accuracy.",
    )
    p.error = _one_line_error("visualdl train")  # one line, no usage dump, exit status 2
    p.add_argument("--model", default="two_layer",
                   help="linear, two_layer, three_layer, small_cnn, standard_cnn (default two_layer)")
    p.add_argument("--data", required=True, help="cifar10, builtin, or a toy set: spiral, circles, moons, xor, "
                                                 "blobs, linear, overlap")
    p.add_argument("--data-path", help="CIFAR-10 archive (cifar-10-python.tar.gz) or extracted folder")
    p.add_argument("--data-param", action="append", type=_data_param, default=[], metavar="KEY=VALUE",
                   help="dataset parameter, e.g. n_points=500 or num_train=10000 (repeatable)")
    p.add_argument("--epochs", type=_positive_int, default=10, help="default 10")
    p.add_argument("--batch-size", type=_positive_int, default=None, help="default 128")
    p.add_argument("--optimizer", default=None, help="sgd, momentum, adagrad, rmsprop, adam (default adam)")
    p.add_argument("--lr", type=_float, default=None, help="learning rate (default: the optimizer's, 1e-3 for adam)")
    p.add_argument("--lr-decay", type=_float, default=None,
                   help="multiply the learning rate by this after every epoch (default 1 = constant)")
    p.add_argument("--lr-schedule", default="step", metavar="{step,cosine}",
                   help="step: multiply by --lr-decay after each epoch (default); cosine: anneal from --lr "
                        "to lr/50 over the run, ending with --epochs or --time-limit, whichever comes first")
    p.add_argument("--seed", type=int, default=0, help="seeds data, weights, shuffling (default 0)")
    p.add_argument("--hidden", type=_positive_int, nargs="+", default=None, metavar="SIZE",
                   help="hidden layer sizes, e.g. --hidden 100 or --hidden 200 100")
    p.add_argument("--activation", default=None, help="relu, leaky_relu, elu, sigmoid, tanh")
    p.add_argument("--init", default=None, help="kaiming, xavier, gaussian, zeros")
    p.add_argument("--loss", default=None, help="softmax or svm")
    p.add_argument("--reg", default=None, help="none, l2, l1, elastic (default l2)")
    p.add_argument("--reg-strength", type=_float, default=None)
    p.add_argument("--l1-strength", type=_float, default=None, help="L1 strength for --reg elastic")
    p.add_argument("--max-norm", type=_float, default=None, help="clip each weight row to this norm")
    p.add_argument("--preprocess", default=None, help="none, mean_image, channel (default channel)")
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                   help="random flips and small shifts of training images (default on for standard_cnn)")
    p.add_argument("--batchnorm", action=argparse.BooleanOptionalAction, default=None,
                   help="batch norm after each conv/hidden layer (default on for standard_cnn)")
    p.add_argument("--dropout", type=_float, default=None, help="probability of dropping a unit")
    p.add_argument("--time-limit", type=_float, default=None, metavar="SECONDS",
                   help="stop training after this many seconds (then evaluate)")
    p.add_argument("--json", metavar="FILE",
                   help="write the final metrics as JSON to FILE ('-' = stdout, progress then goes to stderr)")
    p.add_argument("--save", metavar="PATH", help="save the trained model as PATH.npz + PATH.json")
    p.add_argument("--quiet", action="store_true", help="print only the final accuracies")
    p.set_defaults(func=run)
    return p


def build_config(args) -> dict:
    """Turn parsed arguments into a validated config; CliError on a bad value."""
    from visualdl.engine.nn.models import PRESETS, default_config, validate_config

    if args.model not in PRESETS:
        raise CliError(f"unknown model preset {args.model!r} (choose from {', '.join(PRESETS)})")
    cfg = default_config(args.model)
    if args.lr is not None and args.lr <= 0:
        raise CliError(f"invalid learning rate: {args.lr:g} (must be > 0)")
    if args.lr_schedule not in ("step", "cosine"):
        raise CliError(f"unknown learning-rate schedule {args.lr_schedule!r} (choose step or cosine)")
    if args.lr_schedule == "cosine" and args.lr_decay is not None:
        raise CliError("--lr-decay applies to --lr-schedule step only")
    if args.time_limit is not None and args.time_limit <= 0:
        raise CliError(f"invalid time limit: {args.time_limit:g} seconds (must be > 0)")
    m = cfg["model"]
    for key, value in (("hidden", args.hidden), ("activation", args.activation), ("init", args.init),
                       ("batchnorm", args.batchnorm), ("dropout", args.dropout)):
        if value is not None:
            m[key] = value
    if args.optimizer is not None:
        cfg["optim"] = {"name": args.optimizer}  # validate_config fills in that optimizer's default lr
    if args.lr is not None:
        cfg["optim"]["lr"] = args.lr
    for key, value in (("kind", args.reg), ("strength", args.reg_strength), ("l1_strength", args.l1_strength),
                       ("max_norm", args.max_norm)):
        if value is not None:
            cfg["reg"][key] = value
    for key, value in (("loss", args.loss), ("batch_size", args.batch_size), ("seed", args.seed),
                       ("augment", args.augment), ("preprocess", args.preprocess), ("lr_decay", args.lr_decay)):
        if value is not None:
            cfg[key] = value
    try:
        return validate_config(cfg)
    except ValueError as exc:
        raise CliError(str(exc)) from None


class _Progress:
    """A redrawn bar on a terminal; otherwise a plain line every ~10% of an epoch and at epoch ends."""

    def __init__(self, stream, quiet: bool):
        self.stream = stream
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.quiet = quiet

    def step(self, m: dict, per_epoch: int, elapsed: float) -> None:
        if self.quiet:
            return
        done = (m["iteration"] - 1) % per_epoch + 1
        epoch_no = math.ceil(m["epoch"] - 1e-9)
        if self.tty:
            width = 30
            fill = int(width * done / per_epoch)
            bar = "#" * fill + "-" * (width - fill)
            self.stream.write(f"\repoch {epoch_no} [{bar}] {done}/{per_epoch} loss {m['loss']:.4f} "
                              f"acc {m['batch_acc']:.3f} {elapsed:6.0f}s")
            self.stream.flush()
        elif done % max(1, per_epoch // 10) == 0 and "val_acc" not in m:
            print(f"epoch {m['epoch']:.2f} iter {m['iteration']} loss {m['loss']:.4f} "
                  f"(data {m['data_loss']:.4f} reg {m['reg_loss']:.4f}) batch acc {m['batch_acc']:.3f} "
                  f"lr {m['lr']:.3g} update/weight {m['update_ratio']:.2e} {elapsed:.0f}s",
                  file=self.stream, flush=True)
        if "val_acc" in m:
            if self.tty:
                self.stream.write("\n")
            print(f"epoch {int(m['epoch'])} done: loss {m['loss']:.4f} train acc {m['train_acc']:.4f} "
                  f"val acc {m['val_acc']:.4f} ({elapsed:.0f}s)", file=self.stream, flush=True)

    def close(self) -> None:
        if self.tty and not self.quiet:
            self.stream.write("\n")
            self.stream.flush()


def run(args) -> int:
    from visualdl.data import DataError, load_dataset
    from visualdl.engine.nn.serialize import checkpoint_paths, jsonable
    from visualdl.engine.nn.trainer import Trainer

    cfg = build_config(args)
    if args.save and args.json and args.json != "-":
        if Path(args.json).resolve() in [p.resolve() for p in checkpoint_paths(args.save)]:
            raise CliError(f"--json {args.json} would overwrite the checkpoint that --save {args.save} writes")
    # fail before the run, not after it: an unwritable --save or --json would lose the trained model
    if args.save:
        check_writable(checkpoint_paths(args.save), f"cannot save the model to {args.save}")
    if args.json and args.json != "-":
        check_writable([Path(args.json)], f"cannot write {args.json}")
    # --json -: stdout carries only the JSON (so it can be piped); the progress lines go to stderr
    out = sys.stderr if args.json == "-" else sys.stdout
    params = dict(args.data_param)
    t0 = time.perf_counter()
    try:
        data = load_dataset(args.data, path=args.data_path, seed=args.seed, **params)
    except DataError as exc:
        raise CliError(str(exc)) from None
    load_seconds = time.perf_counter() - t0
    try:
        trainer = Trainer(cfg, data, keep_layer_grads=False)  # nobody looks at per-layer gradients here
    except ValueError as exc:  # e.g. a CNN preset asked to train on 2D points
        raise CliError(str(exc)) from None
    if not args.quiet:
        n_params = sum(p.size for p in trainer.params.values())
        print(f"data {data.name}: {len(data.X_train)} train / {len(data.X_val)} val / {len(data.X_test)} test, "
              f"input {data.input_shape}, {data.num_classes} classes (loaded in {load_seconds:.1f}s)", file=out)
        print(f"model {cfg['model']['preset']}: {n_params} parameters; optimizer {cfg['optim']['name']} "
              f"lr {cfg['optim']['lr']:g}, batch {trainer.batch_size}, {trainer.iterations_per_epoch} "
              f"iterations/epoch", file=out, flush=True)

    progress = _Progress(out, args.quiet)
    start = time.perf_counter()
    time_limited = False
    last = None
    try:
        while trainer.epochs_done < args.epochs:
            if args.time_limit is not None and time.perf_counter() - start >= args.time_limit:
                time_limited = True
                break
            if args.lr_schedule == "cosine":
                trainer.set_hyperparams(lr=_cosine_lr(cfg["optim"]["lr"], _run_fraction(
                    trainer, args, time.perf_counter() - start)))
            last = trainer.step()
            progress.step(last, trainer.iterations_per_epoch, time.perf_counter() - start)
            if "stopped" in last:
                break
    finally:
        progress.close()
    train_seconds = time.perf_counter() - start

    if trainer.stopped_reason:
        print(trainer.stopped_reason, file=sys.stderr)
    elif time_limited and not args.quiet:
        print(f"time limit of {args.time_limit:g}s reached after {trainer.epoch:.2f} epochs", file=out)
    results = {
        "train_acc": trainer.evaluate("train", limit=trainer.train_eval_size),
        "val_acc": trainer.evaluate("val") if len(data.X_val) else None,
        "test_acc": trainer.evaluate("test") if len(data.X_test) else None,
    }
    print(f"final: train acc {results['train_acc']:.4f} ({min(trainer.train_eval_size, len(data.X_train))} "
          f"train examples), val acc {_fmt(results['val_acc'])}, test acc {_fmt(results['test_acc'])} "
          f"after {trainer.epoch:.2f} epochs, {trainer.iteration} iterations, {train_seconds:.1f}s of training",
          file=out, flush=True)

    if args.save:
        try:
            trainer.save(args.save)
        except OSError as exc:
            raise CliError(f"cannot save the model to {args.save}: {exc.strerror or exc}") from None
        if not args.quiet:
            npz_path, json_path = checkpoint_paths(args.save)
            print(f"saved model to {npz_path} and {json_path}", file=out)
    if args.json:
        report = {
            "model": cfg["model"]["preset"],
            "data": data.name,
            "config": cfg,
            **results,
            "epochs": trainer.epoch,
            "iterations": trainer.iteration,
            "train_seconds": train_seconds,
            "time_limited": time_limited,
            "lr_schedule": args.lr_schedule,
            "final_lr": trainer.lr,
            "stopped_reason": trainer.stopped_reason,
            "diverged": trainer.stopped_reason is not None,  # the trainer stops only on a non-finite loss/step
            "diverged_at_iteration": trainer.iteration + 1 if trainer.stopped_reason else None,
            "final_loss": None if last is None or not math.isfinite(last["loss"]) else last["loss"],
            "history_epochs": trainer.history.epochs,
        }
        text = json.dumps(jsonable(report), indent=2, allow_nan=False)
        if args.json == "-":
            print(text, file=sys.stdout)
        else:
            try:
                write_atomic(args.json, lambda fh: fh.write(text + "\n"), encoding="utf-8")
            except OSError as exc:
                raise CliError(f"cannot write {args.json}: {exc.strerror or exc}") from None
    return 1 if trainer.stopped_reason else 0


def _run_fraction(trainer, args, elapsed: float) -> float:
    """How far the run is, 0..1: by epochs, or by time when a time limit would end it sooner."""
    frac = trainer.epoch / args.epochs
    if args.time_limit is not None:
        frac = max(frac, elapsed / args.time_limit)
    return min(frac, 1.0)


def _cosine_lr(base: float, frac: float, floor: float = 0.02) -> float:
    """Cosine annealing: base at frac 0, base * floor at frac 1."""
    return base * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * frac)))


def _fmt(acc) -> str:
    return "n/a" if acc is None else f"{acc:.4f}"
