"""Toy 2D sets: shapes, balance, determinism, parameter checks and the geometry each one promises."""
from __future__ import annotations

import numpy as np
import pytest

from visualdl.data import DATASETS, DataError, load_dataset
from visualdl.data.toy import GENERATORS, linear_rule, make_toy

TOY = list(GENERATORS)


def _knn1_accuracy(Xtr, ytr, Xte, yte):
    d = ((Xte[:, None, :] - Xtr[None, :, :]) ** 2).sum(-1)
    return float((ytr[d.argmin(1)] == yte).mean())


def _best_linear_accuracy(X, y, C):
    """Least-squares one-vs-all on one-hot targets (a fair linear fit; used as an upper bound probe)."""
    A = np.hstack([X, np.ones((len(X), 1))]).astype(np.float64)
    W = np.linalg.lstsq(A, np.eye(C)[y], rcond=None)[0]
    return float(((A @ W).argmax(1) == y).mean())


@pytest.mark.parametrize("name", TOY)
@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_shapes_balance_and_determinism(name, n_classes):
    X, y = make_toy(name, 301, n_classes, None, seed=3)
    assert X.shape == (301, 2) and X.dtype == np.float32 and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(n_classes))
    if name != "xor":  # xor labels come from the cells the points fall in
        counts = np.bincount(y)
        assert counts.max() - counts.min() <= 1
    assert np.abs(X).max() < 3
    X2, y2 = make_toy(name, 301, n_classes, None, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make_toy(name, 301, n_classes, None, seed=4)
    assert not np.array_equal(X, X3)


@pytest.mark.parametrize("name", TOY)
def test_load_dataset_splits_by_fraction_and_reports_defaults(name):
    d = load_dataset(name, n_points=200, val_fraction=0.25, test_fraction=0.1, seed=1)
    assert (len(d.X_train), len(d.X_val), len(d.X_test)) == (130, 50, 20)
    assert d.kind == "points" and d.input_shape == (2,)
    assert d.num_classes == DATASETS[name]["params"]["n_classes"]
    assert DATASETS[name]["kind"] == "points"
    # splits are disjoint: no point appears twice
    allx = np.concatenate([d.X_train, d.X_val, d.X_test])
    assert len(np.unique(allx, axis=0)) == 200


def test_learnable_sets_are_learned_by_nearest_neighbour():
    for name in ("spiral", "circles", "moons", "xor", "blobs", "linear"):
        d = load_dataset(name, n_points=600, seed=0)
        acc = _knn1_accuracy(d.X_train, d.y_train, d.X_test, d.y_test)
        assert acc > 0.85, (name, acc)


def test_linear_set_is_separable_and_overlap_is_not():
    for seed in range(3):
        X, y = make_toy("linear", 500, 4, 0.4, seed)
        assert (linear_rule(X, 4).argmax(1) == y).all()
        Xo, yo = make_toy("overlap", 500, 3, None, seed)
        # even the Bayes-like nearest-centre rule and a least-squares fit are far from perfect
        assert _best_linear_accuracy(Xo, yo, 3) < 0.85
        assert _knn1_accuracy(Xo[:400], yo[:400], Xo[400:], yo[400:]) < 0.85


def test_spiral_and_circles_defeat_a_linear_model():
    for name in ("spiral", "circles", "xor"):
        X, y = make_toy(name, 600, None, None, 0)
        assert _best_linear_accuracy(X, y, y.max() + 1) < 0.7, name


def test_noise_spreads_the_points():
    a, _ = make_toy("circles", 400, 2, 0.0, 0)
    b, _ = make_toy("circles", 400, 2, 0.3, 0)
    ra, rb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    assert set(np.round(ra, 5)) == {0.5, 1.0}  # no noise: exactly on the rings
    assert rb.std() > ra.std()


@pytest.mark.parametrize("kw, message", [
    ({"n_classes": 1}, "n_classes"),
    ({"n_classes": 11}, "n_classes"),
    ({"n_points": 1}, "n_points"),
    ({"noise": -0.1}, "noise"),
    ({"val_fraction": 0.6, "test_fraction": 0.5}, "leave no training data"),
    ({"colour": "red"}, "Unknown parameter for spiral: 'colour'"),
])
def test_bad_parameters_name_the_value(kw, message):
    with pytest.raises(DataError, match=message):
        load_dataset("spiral", **kw)


def test_unknown_dataset_is_named():
    with pytest.raises(DataError, match="'mnist'"):
        load_dataset("mnist")
