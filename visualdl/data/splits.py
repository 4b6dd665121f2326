"""Train / validation / test splits and k-fold cross-validation.

    split_indices(n, sizes, seed) -> list of index arrays (disjoint)
    train_val_test_split(X, y, n_train, n_val, n_test, seed) -> (X_tr, y_tr, X_va, y_va, X_te, y_te)
    kfold_indices(n, folds, seed=None) -> list of (train_idx, val_idx)
    cross_validate(score_fn, X, y, folds=5, seed=None, progress=None, cancel=None) -> dict
        {"scores": [one per fold], "mean": float, "std": float}

``seed=None`` keeps the given order (the CS231n convention: folds are
consecutive blocks); an integer shuffles reproducibly first.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from visualdl.data.errors import check_cancel, report


def split_indices(n: int, sizes: Sequence[int], seed: int | None = 0) -> list[np.ndarray]:
    """Disjoint index arrays of the given sizes drawn from range(n) (shuffled when seed is not None)."""
    sizes = [int(s) for s in sizes]
    if any(s < 0 for s in sizes) or sum(sizes) > n:
        raise ValueError(f"Invalid split sizes {sizes}: need non-negative sizes summing to at most {n}")
    order = np.arange(n) if seed is None else np.random.default_rng(seed).permutation(n)
    bounds = np.cumsum([0] + sizes)
    return [order[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def train_val_test_split(X, y, n_train: int, n_val: int, n_test: int, seed: int | None = 0):
    """Random disjoint train/val/test subsets of (X, y) with the given sizes."""
    tr, va, te = split_indices(len(y), (n_train, n_val, n_test), seed)
    return X[tr], y[tr], X[va], y[va], X[te], y[te]


def fraction_sizes(n: int, val_fraction: float, test_fraction: float) -> tuple[int, int, int]:
    """(n_train, n_val, n_test) from fractions; each non-zero fraction gets at least one example."""
    for name, f in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0 <= f < 1:
            raise ValueError(f"Invalid {name}: {f!r} (need 0 <= {name} < 1)")
    if val_fraction + test_fraction >= 1:
        raise ValueError(f"Invalid fractions: val {val_fraction} + test {test_fraction} leave no training data")
    n_val = max(1, round(n * val_fraction)) if val_fraction > 0 else 0
    n_test = max(1, round(n * test_fraction)) if test_fraction > 0 else 0
    n_train = n - n_val - n_test
    if n_train < 1:
        raise ValueError(f"Too few examples ({n}) for a training split")
    return n_train, n_val, n_test


def kfold_indices(n: int, folds: int = 5, seed: int | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """``folds`` (train_idx, val_idx) pairs; the val parts are disjoint, sizes differ by at most one."""
    if not isinstance(folds, (int, np.integer)) or not 2 <= folds <= n:
        raise ValueError(f"Invalid number of folds: {folds!r} (need 2 to {n})")
    order = np.arange(n) if seed is None else np.random.default_rng(seed).permutation(n)
    parts = np.array_split(order, folds)
    return [(np.concatenate(parts[:i] + parts[i + 1:]), parts[i]) for i in range(folds)]


def cross_validate(score_fn: Callable, X, y, folds: int = 5, seed: int | None = None,
                   progress=None, cancel=None) -> dict:
    """Train and score once per fold.

    score_fn(X_train, y_train, X_val, y_val) -> float (e.g. accuracy).
    Returns {"scores": list of floats (one per fold), "mean": float, "std": float}.
    """
    scores = []
    splits = kfold_indices(len(y), folds, seed)
    for i, (tr, va) in enumerate(splits):
        check_cancel(cancel, "cross-validation")
        report(progress, i, folds, f"fold {i + 1} of {folds}")
        scores.append(float(score_fn(X[tr], y[tr], X[va], y[va])))
    report(progress, folds, folds, "done")
    return {"scores": scores, "mean": float(np.mean(scores)), "std": float(np.std(scores))}
