"""Decision-region grids: cell geometry, any-predictor grids, kNN votes and ties."""
from __future__ import annotations

import numpy as np
import pytest

from visualdl.engine.regions import KnnRegions, count_votes, decide_votes, make_grid, predict_grid


def _brute_neighbors(X_train):
    """Oracle for the tests: exact float64 L2 neighbours, nearest first, by full sort."""
    X_train = np.asarray(X_train, np.float64)

    def neighbors(Q, k):
        d = np.sqrt(((np.asarray(Q, np.float64)[:, None, :] - X_train[None]) ** 2).sum(-1))
        idx = np.argsort(d, axis=1, kind="stable")[:, :k]
        return idx, np.take_along_axis(d, idx, 1)
    return neighbors


def test_grid_cells_cover_the_points_with_margin():
    X = np.array([[0.0, 0.0], [2.0, 1.0]])
    g = make_grid(X, resolution=4, margin=0.5)
    assert g.shape == (4, 4)
    assert g.bounds == pytest.approx((-1.0, 3.0, -0.5, 1.5))
    np.testing.assert_allclose(g.xs, [-0.5, 0.5, 1.5, 2.5])
    # points run row by row: row 0 is the lowest y, x increases along the row
    np.testing.assert_allclose(g.points[:4], np.stack([g.xs, np.full(4, g.ys[0])], 1))
    assert g.cell_of(2.4, -0.4) == (0, 3)
    assert g.cell_of(100, 100) == (3, 3)


def test_make_grid_rejects_bad_input():
    with pytest.raises(ValueError, match="Invalid grid resolution: 1"):
        make_grid(np.zeros((3, 2)), resolution=1)
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        make_grid(np.zeros((0, 2)))


def test_predict_grid_matches_predictor_per_cell():
    g = make_grid(np.array([[-1.0, -1.0], [1.0, 1.0]]), resolution=7)
    labels = predict_grid(lambda P: (P[:, 0] > P[:, 1]).astype(int), g, chunk=5)
    for (row, col), lab in np.ndenumerate(labels):
        assert lab == int(g.xs[col] > g.ys[row])


def test_votes_and_ties_follow_the_smallest_label_rule():
    neighbor_labels = np.array([[2, 1, 1, 2, 0], [0, 1, 2, 2, 2], [1, 1, 0, 0, 0]])
    votes = count_votes(neighbor_labels, 3, 4)
    np.testing.assert_array_equal(votes, [[0, 2, 2], [1, 1, 2], [2, 2, 0]])
    labels, tie = decide_votes(votes)
    np.testing.assert_array_equal(labels, [1, 2, 0])
    np.testing.assert_array_equal(tie, [True, False, True])
    labels, tie = decide_votes(count_votes(neighbor_labels, 3, 5))
    np.testing.assert_array_equal(labels, [1, 2, 0])
    np.testing.assert_array_equal(tie, [True, False, False])  # row 0 is 1-2-2: still tied
    with pytest.raises(ValueError, match="Invalid k: 6"):
        count_votes(neighbor_labels, 3, 6)
    with pytest.raises(ValueError, match="Invalid label 3"):  # would land in the next row's counts
        count_votes(neighbor_labels + 1, 3)
    np.testing.assert_array_equal(count_votes(neighbor_labels, 4), [[1, 2, 2, 0], [1, 1, 3, 0], [3, 2, 0, 0]])


def test_knn_regions_equal_a_direct_vote_for_every_k():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = rng.integers(0, 3, 60)
    g = make_grid(X, resolution=15)
    neighbors = _brute_neighbors(X)
    table = KnnRegions.from_neighbors(neighbors, y, g, k_max=9, num_classes=3, chunk=50)
    idx, _ = neighbors(g.points, 9)
    for k in (1, 2, 5, 9):
        labels, tie = table.regions(k)
        votes = np.stack([np.bincount(y[row[:k]], minlength=3) for row in idx])
        np.testing.assert_array_equal(labels.ravel(), votes.argmax(1))
        np.testing.assert_array_equal(tie.ravel(), (votes == votes.max(1, keepdims=True)).sum(1) > 1)
    # k = 1 never ties; an even k on a 2-class problem does somewhere here
    assert not table.regions(1)[1].any()
    assert table.regions(2)[1].any()


def test_knn_regions_clip_k_max_and_can_be_cancelled():
    import threading
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]])
    g = make_grid(X, resolution=5)
    table = KnnRegions.from_neighbors(_brute_neighbors(X), np.array([0, 1, 1]), g, k_max=50, num_classes=2)
    assert table.k_max == 3
    ev = threading.Event()
    ev.set()
    assert KnnRegions.from_neighbors(_brute_neighbors(X), np.array([0, 1, 1]), g, 3, 2, cancel=ev) is None


def test_neighbor_votes_accuracy_for_points():
    X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0], [5.2, 5.0]])
    y = np.array([0, 0, 1, 1, 1])
    from visualdl.engine.regions import NeighborVotes
    votes = NeighborVotes.from_neighbors(_brute_neighbors(X), y, X, k_max=5, num_classes=2)
    assert votes.accuracy(1, y) == 1.0  # each point is its own nearest neighbour
    # k = 5: every point sees 3 votes for class 1, so the two class-0 points are wrong
    assert votes.accuracy(5, y) == pytest.approx(3 / 5)
    assert votes.decide(99)[0].tolist() == [1, 1, 1, 1, 1]  # k clipped to k_max


@pytest.mark.parametrize("metric", ["l2", "l1"])
@pytest.mark.parametrize("n, k_max", [(300, 40), (7, 20)])
def test_tile_pruned_grid_search_equals_the_full_search(metric, n, k_max):
    from visualdl.engine.classifiers import KNearestNeighbor
    from visualdl.engine.regions import grid_neighbor_labels
    rng = np.random.default_rng(1)
    X = np.concatenate([rng.normal(size=(n, 2)), rng.uniform(-3, 3, size=(n // 3, 2))]).astype(np.float32)
    X[-1] = X[0]  # a duplicate point: a distance tie settled by index
    y = rng.integers(0, 3, len(X))
    g = make_grid(X, resolution=53)  # not a multiple of the tile size
    fast = grid_neighbor_labels(X, y, g, k_max, metric, block=8)
    k = min(k_max, len(X))
    idx, _ = KNearestNeighbor(1, metric).fit(X, y).neighbors(g.points, k, exact=False)
    np.testing.assert_array_equal(fast, y[idx])
    table = KnnRegions.from_points(X, y, g, k_max, 3, metric)
    pred = KNearestNeighbor(k, metric).fit(X, y).predict(g.points)
    np.testing.assert_array_equal(table.regions(k)[0].ravel(), pred)


def test_count_votes_over_many_blocks_equals_a_class_by_class_count():
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 5, (70001, 3)).astype(np.int16)  # 3 x 70001 labels: several bincount blocks
    for k in (1, 3):
        expected = np.stack([(labels[:, :k] == c).sum(1) for c in range(5)], axis=1)
        np.testing.assert_array_equal(count_votes(labels, 5, k), expected)
