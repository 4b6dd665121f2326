"""kNN: exact neighbours for L1/L2 (checked against float64 brute force), the tie rules, votes, CV of k."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from visualdl.data import Cancelled
from visualdl.data.splits import kfold_indices
from visualdl.engine.classifiers import KNearestNeighbor, cross_validate_k


def _exact(Q, X, metric):
    """(M, N) float64 distances, one query at a time (small temporaries)."""
    X = X.reshape(len(X), -1).astype(np.float64)
    out = np.empty((len(Q), len(X)))
    for i, q in enumerate(Q.reshape(len(Q), -1).astype(np.float64)):
        diff = X - q
        out[i] = np.abs(diff).sum(-1) if metric == "l1" else np.sqrt(np.einsum("nd,nd->n", diff, diff))
    return out


def _images(rng, n):
    return rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)


@pytest.mark.parametrize("metric", ["l1", "l2"])
@pytest.mark.parametrize("kind", ["images", "points", "float-features"])
@pytest.mark.parametrize("chunk_bytes", [64 << 20, 20_000])
def test_neighbors_match_float64_brute_force(metric, kind, chunk_bytes):
    rng = np.random.default_rng(0)
    if kind == "images":
        X, Q = _images(rng, 300), _images(rng, 23)
    elif kind == "points":
        X, Q = rng.normal(size=(300, 2)).astype(np.float32), rng.normal(size=(23, 2)).astype(np.float32)
    else:
        X, Q = rng.normal(size=(300, 200)).astype(np.float32), rng.normal(size=(23, 200)).astype(np.float32)
    y = rng.integers(0, 10, 300)
    knn = KNearestNeighbor(3, metric, chunk_bytes=chunk_bytes).fit(X, y)
    idx, dist = knn.neighbors(Q, 6)
    ex = _exact(Q, X, metric)
    ref = np.argsort(ex, axis=1, kind="stable")[:, :6]
    np.testing.assert_array_equal(idx, ref)
    np.testing.assert_allclose(dist, np.take_along_axis(ex, ref, 1), rtol=1e-5, atol=1e-3)
    assert np.all(np.diff(dist, axis=1) >= 0)
    np.testing.assert_allclose(knn.distances(Q), ex, rtol=1e-5, atol=1e-2)
    if kind == "images" and metric == "l1":
        # uint8 L1 is exact integer arithmetic
        np.testing.assert_array_equal(dist, np.take_along_axis(ex, ref, 1))


def test_images_are_flattened():
    rng = np.random.default_rng(1)
    X, Q, y = _images(rng, 50), _images(rng, 5), rng.integers(0, 3, 50)
    for metric in ("l1", "l2"):
        a = KNearestNeighbor(3, metric).fit(X, y).neighbors(Q)
        b = KNearestNeighbor(3, metric).fit(X.reshape(50, -1), y).neighbors(Q.reshape(5, -1))
        np.testing.assert_array_equal(a[0], b[0])


def test_distance_to_an_identical_image_is_exactly_zero():
    rng = np.random.default_rng(2)
    X = _images(rng, 40)
    for metric in ("l1", "l2"):
        idx, dist = KNearestNeighbor(1, metric).fit(X, np.zeros(40, int)).neighbors(X[7:9], 1)
        assert idx[:, 0].tolist() == [7, 8]
        assert dist[:, 0].tolist() == [0.0, 0.0]  # L2 rounding below zero is clipped, never NaN


@pytest.mark.parametrize("metric", ["l1", "l2"])
@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_distance_ties_go_to_the_smaller_training_index(metric, k):
    # five copies of the same point at indices 9, 3, 12, 0, 6 (among others further away)
    X = np.full((15, 2), 10.0, np.float32)
    X[[9, 3, 12, 0, 6]] = 1.0
    X[14] = 0.0  # the query itself, nearer than the copies
    knn = KNearestNeighbor(k, metric).fit(X, np.arange(15) % 4)
    idx, dist = knn.neighbors(np.zeros((1, 2), np.float32), k + 1)
    assert idx[0].tolist() == [14, 0, 3, 6, 9, 12][: k + 1]


def test_vote_tie_goes_to_the_smallest_class_even_if_not_nearest():
    # nearest neighbour has class 3, the second class 1: a 1-1 tie for k=2 -> class 1
    X = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0], [5.0, 0.0]], np.float32)
    y = np.array([3, 1, 2, 2])
    knn = KNearestNeighbor(2).fit(X, y)
    q = np.array([[0.1, 0.0]], np.float32)
    assert knn.votes(q).tolist() == [[0, 1, 0, 1]]
    assert knn.predict(q).tolist() == [1]
    assert knn.predict(q, k=1).tolist() == [3]
    # with k=4: class 2 has two votes and wins outright
    assert knn.predict(q, k=4).tolist() == [2]


def test_votes_count_the_k_nearest_labels():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(200, 5)), rng.integers(0, 4, 200)
    Q = rng.normal(size=(30, 5))
    knn = KNearestNeighbor(7).fit(X, y)
    v = knn.votes(Q)
    idx, _ = knn.neighbors(Q)
    assert v.shape == (30, 4) and (v.sum(1) == 7).all()
    for i in range(30):
        np.testing.assert_array_equal(v[i], np.bincount(y[idx[i]], minlength=4))
    np.testing.assert_array_equal(knn.predict(Q), v.argmax(1))


def test_k1_on_training_data_is_perfect_and_large_k_is_majority():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(60, 3))
    y = np.r_[np.zeros(40, int), np.ones(20, int)]
    assert (KNearestNeighbor(1).fit(X, y).predict(X) == y).all()
    assert (KNearestNeighbor(60).fit(X, y).predict(X) == 0).all()


def test_progress_and_cancel():
    rng = np.random.default_rng(5)
    knn = KNearestNeighbor(1, chunk_bytes=8 * 100 * 10).fit(rng.normal(size=(100, 4)), np.zeros(100, int))
    calls = []
    knn.neighbors(rng.normal(size=(35, 4)), progress=lambda d, t, m: calls.append((d, t)))
    assert calls == [(10, 35), (20, 35), (30, 35), (35, 35)]
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        knn.predict(rng.normal(size=(35, 4)), cancel=cancel)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="'l3'"):
        KNearestNeighbor(1, "l3")
    with pytest.raises(ValueError, match="Invalid k: 0"):
        KNearestNeighbor(0)
    with pytest.raises(RuntimeError, match="fit"):
        KNearestNeighbor(1).predict(np.zeros((1, 2)))
    knn = KNearestNeighbor(1).fit(np.zeros((5, 2)), np.arange(5))
    with pytest.raises(ValueError, match="Invalid k: 6"):
        knn.neighbors(np.zeros((1, 2)), 6)
    with pytest.raises(ValueError, match="dimension 3"):
        knn.predict(np.zeros((1, 3)))


# ----------------------------------------------------------------------------- cross-validation of k
def test_cross_validate_k_equals_separate_runs_per_fold_and_k():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(150, 4)).astype(np.float32)
    y = (X[:, 0] + 0.8 * rng.normal(size=150) > 0).astype(int) + (X[:, 1] > 0.5)
    ks = [1, 3, 4, 10]
    calls = []
    res = cross_validate_k(X, y, ks, folds=5, progress=lambda d, t, m: calls.append(d))
    assert res["ks"] == ks and len(res["accuracies"]) == 4 and len(res["accuracies"][0]) == 5
    for j, k in enumerate(ks):
        for f, (tr, va) in enumerate(kfold_indices(150, 5)):
            acc = np.mean(KNearestNeighbor(k).fit(X[tr], y[tr]).predict(X[va]) == y[va])
            assert res["accuracies"][j][f] == pytest.approx(acc)
        assert res["mean"][j] == pytest.approx(np.mean(res["accuracies"][j]))
        assert res["std"][j] == pytest.approx(np.std(res["accuracies"][j]))
    assert res["best_k"] == ks[int(np.argmax(res["mean"]))]
    assert calls[-1] == 5


def test_cross_validate_k_best_is_smallest_k_on_equal_means_and_cancel():
    X = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [5.2]] * 3)
    y = np.array([0, 0, 0, 1, 1, 1] * 3)
    res = cross_validate_k(X, y, [3, 1, 2], folds=3)
    assert res["mean"] == [1.0, 1.0, 1.0] and res["best_k"] == 1  # equal means: the smallest k, not the first listed
    res = cross_validate_k(X, y, [1, 2, 3], folds=3)
    assert res["best_k"] == 1
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        cross_validate_k(X, y, [1], cancel=cancel)
    with pytest.raises(ValueError, match="Invalid k: 100"):
        cross_validate_k(X, y, [100], folds=3)


@pytest.mark.cifar
def test_real_cifar_nearest_neighbour_equals_exact_float64(cifar_path):
    from visualdl.data import load_dataset

    d = load_dataset("cifar10", path=cifar_path)
    Xtr, ytr, Xte = d.X_train[:1000], d.y_train[:1000], d.X_test[:50]
    for metric in ("l1", "l2"):
        idx, dist = KNearestNeighbor(1, metric).fit(Xtr, ytr).neighbors(Xte, 1)
        ex = _exact(Xte, Xtr, metric)
        np.testing.assert_array_equal(idx[:, 0], ex.argmin(1))
        np.testing.assert_allclose(dist[:, 0], ex.min(1), rtol=1e-6)
