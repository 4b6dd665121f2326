"""``visualdl knn``: k-nearest neighbours (or a linear classifier) on a dataset, from the command line.

    python -m visualdl knn --data cifar10 --data-path cifar-10-python.tar.gz \\
        --num-train 5000 --num-test 500 --k 1 --metric l2
    python -m visualdl knn ... --cv-ks 1,3,5,8,10,12,15,20,50,100 --folds 5    (choose k by CV, then test)
    python -m visualdl knn ... --linear softmax --num-train 49000 --num-val 1000 (linear classifier instead)

As in CS231n the first --num-train training images (in file order) are
used, the next --num-val are the validation set (linear classifier only),
and the first --num-test test images are the test set. --json FILE writes
the results. Bad arguments and data errors print one line, exit status 2.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from visualdl.atomic import write_atomic
from visualdl.cli import CliError, check_writable


def _int_at_least(lo):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < lo:
            raise argparse.ArgumentTypeError(f"must be at least {lo}: {value}")
        return value
    return parse


def _ks(text):
    try:
        ks = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of whole numbers, got {text!r}") from None
    if not ks or min(ks) < 1:
        raise argparse.ArgumentTypeError(f"k values must be whole numbers >= 1, got {text!r}")
    return ks


def _nonneg_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not np.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0: {text!r}")
    return value


def _one_line_error(message):
    print(f"visualdl knn: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("knn", help="k-nearest neighbours / linear classifier on a dataset",
                              description=__doc__.split("\n\n")[0])
    p.error = _one_line_error
    p.add_argument("--data", default="builtin", help="cifar10, builtin or a toy 2D set (default builtin)")
    p.add_argument("--data-path", help="CIFAR-10 archive (cifar-10-python.tar.gz) or its extracted folder")
    p.add_argument("--seed", type=int, default=0, help="seed of generated datasets (default 0)")
    p.add_argument("--num-train", type=_int_at_least(1), help="training examples (default: the dataset's)")
    p.add_argument("--num-val", type=_int_at_least(0), help="validation examples (linear classifier)")
    p.add_argument("--num-test", type=_int_at_least(1), help="test examples (default: the dataset's)")
    p.add_argument("--k", type=_int_at_least(1), default=1, help="neighbours that vote (default 1)")
    p.add_argument("--metric", choices=["l1", "l2"], default="l2", help="distance (default l2)")
    p.add_argument("--cv-ks", type=_ks, metavar="K,K,...", help="cross-validate these k, test with the best")
    p.add_argument("--folds", type=_int_at_least(2), default=5, help="folds for --cv-ks (default 5)")
    p.add_argument("--linear", choices=["softmax", "svm"], help="train a linear classifier instead of kNN")
    # defaults found by a small sweep on CIFAR-10 (49000 train / 1000 val): val accuracy 38.0%
    p.add_argument("--lr", type=_nonneg_float, default=1e-6, help="linear: learning rate (default 1e-6)")
    p.add_argument("--reg", type=_nonneg_float, default=5e3,
                   help="linear: L2 strength, loss 0.5*reg*|W|^2 (default 5e3; CS231n's reg is half of ours)")
    p.add_argument("--iters", type=_int_at_least(1), default=1500, help="linear: iterations (default 1500)")
    p.add_argument("--batch-size", type=_int_at_least(1), default=200, help="linear: batch size (default 200)")
    p.add_argument("--optimizer", default="sgd", help="linear: sgd, momentum, adagrad, rmsprop, adam")
    p.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    p.set_defaults(func=run)
    return p


def _load(args):
    from visualdl.data import DATASETS, DataError, load_dataset

    if args.data not in DATASETS:
        raise CliError(f"unknown dataset {args.data!r} (choose from {', '.join(DATASETS)})")
    params = {}
    if args.data == "cifar10":
        n_train = args.num_train or (49000 if args.linear else 50000 - (args.num_val or 0))
        n_val = args.num_val if args.num_val is not None else (1000 if args.linear else 0)
        if n_train + n_val > 50000:
            raise CliError(f"--num-train {n_train} + --num-val {n_val} exceed the 50000 CIFAR-10 training images")
        params = {"num_train": n_train, "num_val": n_val, "num_test": args.num_test or 10000}
    elif args.data == "builtin":
        params = {k: v for k, v in (("n_train", args.num_train), ("n_val", args.num_val),
                                    ("n_test", args.num_test)) if v is not None}
    try:
        data = load_dataset(args.data, path=args.data_path, seed=args.seed, progress=_progress_printer(), **params)
    except DataError as exc:
        raise CliError(str(exc)) from None
    for name, n, have in (("--num-train", args.num_train, len(data.y_train)),
                          ("--num-test", args.num_test, len(data.y_test))):
        if n is not None and n > have:
            raise CliError(f"{name} {n} is more than the {have} examples available in {args.data}")
    if args.data not in ("cifar10", "builtin"):
        data.X_train, data.y_train = data.X_train[:args.num_train], data.y_train[:args.num_train]
        data.X_test, data.y_test = data.X_test[:args.num_test], data.y_test[:args.num_test]
    return data


def _progress_printer():
    last = [0.0]

    def progress(done, total, message):
        now = time.monotonic()
        if sys.stderr.isatty() and (now - last[0] > 0.2 or done >= total):
            last[0] = now
            print(f"\r{message}: {100 * done / max(total, 1):5.1f}%", end="\n" if done >= total else "",
                  file=sys.stderr, flush=True)

    return progress


def _accuracy_line(what, correct, total, seconds):
    return f"{what}: {100 * correct / total:.2f}% ({correct}/{total}) in {seconds:.1f} s"


def run(args) -> int:
    if args.json:  # fail before the work, not after it
        check_writable([args.json], f"cannot write {args.json}")
    data = _load(args)
    result = {"data": args.data, "num_train": len(data.y_train), "num_test": len(data.y_test)}
    if args.linear:
        result.update(_run_linear(args, data))
    else:
        result.update(_run_knn(args, data))
    if args.json:
        try:
            text = json.dumps(result, indent=2) + "\n"
            write_atomic(args.json, lambda fh: fh.write(text), encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {args.json}: {exc}") from None
    return 0


def _run_knn(args, data) -> dict:
    from visualdl.engine.classical.classifiers import KNearestNeighbor, cross_validate_k

    out = {"method": "knn", "metric": args.metric}
    k = args.k
    if args.cv_ks:
        smallest_fold_train = len(data.y_train) - -(-len(data.y_train) // args.folds)
        if args.folds > len(data.y_train) or max(args.cv_ks) > smallest_fold_train:
            raise CliError(f"--cv-ks up to {max(args.cv_ks)} with {args.folds} folds needs more than "
                           f"{len(data.y_train)} training examples")
        t = time.perf_counter()
        cv = cross_validate_k(data.X_train, data.y_train, args.cv_ks, folds=args.folds, metric=args.metric,
                              progress=_progress_printer())
        seconds = time.perf_counter() - t
        print(f"{args.folds}-fold cross-validation on {len(data.y_train)} training examples "
              f"({args.metric.upper()}, {seconds:.1f} s):")
        print(f"  {'k':>4}  {'mean':>7}  {'std':>6}  folds")
        for kk, m, s, accs in zip(cv["ks"], cv["mean"], cv["std"], cv["accuracies"]):
            print(f"  {kk:>4}  {100 * m:6.2f}%  {100 * s:5.2f}  " + " ".join(f"{100 * a:5.1f}" for a in accs))
        k = cv["best_k"]
        print(f"best k = {k} (mean {100 * max(cv['mean']):.2f}%)")
        out["cv"] = cv
    if k > len(data.y_train):
        raise CliError(f"--k {k} is more than the {len(data.y_train)} training examples")
    t = time.perf_counter()
    pred = KNearestNeighbor(k, args.metric).fit(data.X_train, data.y_train).predict(data.X_test)
    seconds = time.perf_counter() - t
    correct = int(np.sum(pred == data.y_test))
    print(_accuracy_line(f"kNN k={k} {args.metric.upper()}, {len(data.y_train)} train -> test accuracy",
                         correct, len(data.y_test), seconds))
    out.update(k=k, test_accuracy=correct / len(data.y_test), seconds=seconds)
    return out


def _run_linear(args, data) -> dict:
    from visualdl.data.preprocess import fit_preprocessor
    from visualdl.engine.classical.classifiers import LinearClassifier

    # mean-image subtraction fitted on the training split, kept NHWC so the templates are images
    mean = fit_preprocessor("mean_image", data.X_train).mean
    if data.kind == "image":
        mean = mean.transpose(1, 2, 0)

    def centred(X):
        return (X.astype(np.float32) - mean).astype(np.float32)

    Xtr = centred(data.X_train)
    Xval = centred(data.X_val) if len(data.y_val) else None
    clf = LinearClassifier(data.num_classes, loss=args.linear, reg=args.reg, seed=args.seed)
    t = time.perf_counter()
    try:
        clf.train(Xtr, data.y_train, lr=args.lr, num_iters=args.iters, batch_size=args.batch_size,
                  optimizer=args.optimizer, seed=args.seed, progress=_progress_printer())
    except (ValueError, FloatingPointError) as exc:
        raise CliError(str(exc)) from None
    seconds = time.perf_counter() - t
    losses = clf.history["loss"]
    print(f"linear {args.linear}, reg {args.reg:g}, lr {args.lr:g}, {args.iters} iterations of "
          f"{args.batch_size}: loss {losses[0]:.3f} -> {np.mean(losses[-20:]):.3f} in {seconds:.1f} s")
    out = {"method": f"linear-{args.linear}", "reg": args.reg, "lr": args.lr, "iters": args.iters,
           "final_loss": float(np.mean(losses[-20:])), "seconds": seconds}
    for name, X, y in (("train", Xtr, data.y_train), ("val", Xval, data.y_val),
                       ("test", centred(data.X_test), data.y_test)):
        if X is None or not len(y):
            continue
        acc = clf.accuracy(X, y)
        print(f"  {name} accuracy: {100 * acc:.2f}% ({int(round(acc * len(y)))}/{len(y)})")
        out[f"{name}_accuracy"] = acc
    return out
