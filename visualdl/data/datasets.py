"""One entry point for every dataset: ``load_dataset(name, ...) -> DataSplits``.

    load_dataset(name, *, path=None, seed=0, progress=None, cancel=None, **params) -> DataSplits

names and their params (defaults in ``DATASETS``):
    "builtin"   generated 32x32x3 images, 10 classes: n_train, n_val, n_test
    "cifar10"   path = archive or folder (default: $VISUALDL_CIFAR10):
                num_train, num_val, num_test. As in CS231n the training images
                are taken in file order: train = the first num_train,
                val = the next num_val, test = the first num_test test images.
                The arrays are read-only views of a cached copy.
    toy 2D      "spiral", "circles", "moons", "xor", "blobs", "linear", "overlap":
                n_points, n_classes, noise, val_fraction, test_fraction

``progress(done, total, message)`` is called while loading; setting the
``cancel`` event raises ``Cancelled``. Bad names, params or files raise
``DataError`` with a message naming the value and the problem.
"""
from __future__ import annotations

import numpy as np

from visualdl.data import builtin, cifar10, toy
from visualdl.data.dataset import DataSplits
from visualdl.data.errors import DataError, check_cancel, report
from visualdl.data.splits import fraction_sizes, split_indices


def _toy_entry(name: str) -> dict:
    return {
        "title": toy.TITLES[name],
        "kind": "points",
        "params": {**toy.toy_defaults(name), "val_fraction": 0.2, "test_fraction": 0.2},
        "needs_path": False,
    }


DATASETS: dict[str, dict] = {
    "builtin": {
        "title": "Built-in shapes and textures (32x32, 10 classes)",
        "kind": "image",
        "params": {"n_train": 5000, "n_val": 1000, "n_test": 1000},
        "needs_path": False,
    },
    "cifar10": {
        "title": "CIFAR-10 (32x32, 10 classes; needs the archive)",
        "kind": "image",
        "params": {"num_train": 49000, "num_val": 1000, "num_test": 10000},
        "needs_path": True,
    },
    **{name: _toy_entry(name) for name in toy.GENERATORS},
}


def _params(name: str, given: dict) -> dict:
    defaults = DATASETS[name]["params"]
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise DataError(f"Unknown parameter for {name}: {unknown[0]!r} (known: {', '.join(defaults)})")
    out = dict(defaults)
    out.update({k: v for k, v in given.items() if v is not None})
    return out


def _count(name: str, key: str, value, lo: int, hi: int) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or not lo <= value <= hi:
        raise DataError(f"Invalid {key} for {name}: {value!r} (need an integer from {lo} to {hi})")
    return int(value)


def load_dataset(name: str, *, path=None, seed: int = 0, progress=None, cancel=None, **params) -> DataSplits:
    """Make or load the named dataset and split it (see the module docstring)."""
    if name not in DATASETS:
        raise DataError(f"Unknown dataset: {name!r} (choose from {', '.join(DATASETS)})")
    p = _params(name, params)
    check_cancel(cancel, f"loading {name}")
    if name == "builtin":
        return _load_builtin(p, seed, progress, cancel)
    if name == "cifar10":
        return _load_cifar10(p, path, seed, progress, cancel)
    return _load_toy(name, p, seed, progress)


def _load_builtin(p, seed, progress, cancel) -> DataSplits:
    sizes = [_count("builtin", k, p[k], 0 if k != "n_train" else 1, 200_000) for k in ("n_train", "n_val", "n_test")]
    # one independent random stream per split: the test images do not change with n_train
    streams = np.random.SeedSequence(seed).spawn(3)
    parts = []
    for i, (n, stream) in enumerate(zip(sizes, streams)):
        check_cancel(cancel, "generating the built-in images")
        report(progress, i, 3, "generating images")
        parts.append(builtin.make_builtin_images(n, stream))
    report(progress, 3, 3, "done")
    (Xtr, ytr), (Xva, yva), (Xte, yte) = parts
    return DataSplits("builtin", "image", list(builtin.CLASS_NAMES), Xtr, ytr, Xva, yva, Xte, yte,
                      meta={"params": p, "seed": seed, "source": "generated"})


def _load_cifar10(p, path, seed, progress, cancel) -> DataSplits:
    if path is None:
        path = cifar10.default_path()
        if path is None:
            raise DataError("CIFAR-10 path not given: choose cifar-10-python.tar.gz (or its folder), "
                            "download it, or set VISUALDL_CIFAR10")
    n_train = _count("cifar10", "num_train", p["num_train"], 1, 50000)
    n_val = _count("cifar10", "num_val", p["num_val"], 0, 50000 - n_train)
    n_test = _count("cifar10", "num_test", p["num_test"], 0, 10000)
    data = cifar10.load_cifar10_cached(path, progress, cancel)
    va = slice(n_train, n_train + n_val)
    return DataSplits("cifar10", "image", list(data.class_names),
                      data.X_train[:n_train], data.y_train[:n_train],
                      data.X_train[va], data.y_train[va],
                      data.X_test[:n_test], data.y_test[:n_test],
                      meta={"params": p, "seed": seed, "source": data.source})


def _load_toy(name, p, seed, progress) -> DataSplits:
    X, y = toy.make_toy(name, p["n_points"], p["n_classes"], p["noise"], seed)
    try:
        sizes = fraction_sizes(len(y), p["val_fraction"], p["test_fraction"])
    except ValueError as exc:
        raise DataError(f"{name}: {exc}") from None
    # the generators already shuffle, so consecutive blocks are random splits
    tr, va, te = split_indices(len(y), sizes, seed=None)
    report(progress, 1, 1, "done")
    return DataSplits(name, "points", [f"class {c}" for c in range(p["n_classes"])],
                      X[tr], y[tr], X[va], y[va], X[te], y[te],
                      meta={"params": p, "seed": seed, "source": "generated"})
