"""Splits and k-fold cross-validation."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from visualdl.data import Cancelled
from visualdl.data.splits import (cross_validate, fraction_sizes, kfold_indices, split_indices,
                                  train_val_test_split)


def test_split_indices_are_disjoint_sized_and_seeded():
    a = split_indices(100, (60, 30, 10), seed=1)
    assert [len(p) for p in a] == [60, 30, 10]
    assert len(np.unique(np.concatenate(a))) == 100
    b = split_indices(100, (60, 30, 10), seed=1)
    c = split_indices(100, (60, 30, 10), seed=2)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    np.testing.assert_array_equal(split_indices(10, (4, 6), seed=None)[1], np.arange(4, 10))
    with pytest.raises(ValueError, match=r"\[60, 50\]"):
        split_indices(100, (60, 50))


def test_train_val_test_split_keeps_pairs_together():
    X = np.arange(50) * 10
    y = np.arange(50)
    Xtr, ytr, Xva, yva, Xte, yte = train_val_test_split(X, y, 30, 10, 10, seed=0)
    for Xs, ys in ((Xtr, ytr), (Xva, yva), (Xte, yte)):
        np.testing.assert_array_equal(Xs, ys * 10)


def test_fraction_sizes():
    assert fraction_sizes(200, 0.25, 0.1) == (130, 50, 20)
    assert fraction_sizes(3, 0.1, 0.0) == (2, 1, 0)
    with pytest.raises(ValueError, match="val_fraction"):
        fraction_sizes(10, 1.5, 0)


@pytest.mark.parametrize("n, folds", [(10, 5), (11, 3), (7, 7)])
def test_kfold_val_parts_partition_the_data(n, folds):
    pairs = kfold_indices(n, folds)
    vals = np.concatenate([va for _, va in pairs])
    np.testing.assert_array_equal(np.sort(vals), np.arange(n))
    sizes = [len(va) for _, va in pairs]
    assert max(sizes) - min(sizes) <= 1
    for tr, va in pairs:
        assert len(np.intersect1d(tr, va)) == 0 and len(tr) + len(va) == n
    with pytest.raises(ValueError, match="folds"):
        kfold_indices(n, 1)


def test_cross_validate_returns_each_fold_score_mean_and_std():
    X = np.arange(20.0)
    y = (X >= 10).astype(int)
    seen = []

    def score(Xtr, ytr, Xva, yva):
        seen.append(set(Xva.tolist()))
        return float(Xva.mean())  # a score that differs per fold, to check the bookkeeping

    calls = []
    res = cross_validate(score, X, y, folds=4, progress=lambda d, t, m: calls.append(d))
    assert res["scores"] == [2.0, 7.0, 12.0, 17.0]
    assert res["mean"] == pytest.approx(9.5) and res["std"] == pytest.approx(np.std([2, 7, 12, 17]))
    assert calls[-1] == 4 and len(seen) == 4
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        cross_validate(score, X, y, folds=4, cancel=cancel)
