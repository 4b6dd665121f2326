"""Decision regions of 2D classifiers on a grid, with kNN vote ties kept visible.

A view colours each grid cell by the class a classifier predicts at the cell's
centre. For kNN the nearest neighbours of every cell are found once for the
largest k of interest (sorted nearest first); after that any k <= k_max is a
vote count over the first k columns, so moving a k slider costs milliseconds.
Cells whose top vote is shared by several classes are reported as ties.

Grid layout: cell (row, col) has centre (xs[col], ys[row]); `points` lists the
centres row by row, so `labels.reshape(-1)` lines up with `points`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from visualdl.engine.classical.classifiers import KNearestNeighbor, count_votes


@dataclass(frozen=True)
class Grid:
    xs: np.ndarray      # (W,) cell centres along x, increasing
    ys: np.ndarray      # (H,) cell centres along y, increasing
    points: np.ndarray  # (H*W, 2) float32 cell centres, row-major

    @property
    def shape(self) -> tuple[int, int]:
        return (self.ys.size, self.xs.size)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) of the cells' outer edges (for placing an image)."""
        dx = self.xs[1] - self.xs[0] if self.xs.size > 1 else 1.0
        dy = self.ys[1] - self.ys[0] if self.ys.size > 1 else 1.0
        return (float(self.xs[0] - dx / 2), float(self.xs[-1] + dx / 2),
                float(self.ys[0] - dy / 2), float(self.ys[-1] + dy / 2))

    def cell_of(self, x: float, y: float) -> tuple[int, int]:
        """(row, col) of the cell containing the point (x, y), clipped to the grid."""
        xmin, xmax, ymin, ymax = self.bounds
        col = int(np.floor((x - xmin) / (xmax - xmin) * self.xs.size))
        row = int(np.floor((y - ymin) / (ymax - ymin) * self.ys.size))
        return (min(max(row, 0), self.ys.size - 1), min(max(col, 0), self.xs.size - 1))


def make_grid(X, resolution=200, margin=0.15, bounds=None) -> Grid:
    """X: (N, 2) points to cover. Returns a resolution x resolution Grid spanning
    the points' bounding box widened by `margin` (a fraction of its size) on each
    side, or the given bounds (xmin, xmax, ymin, ymax)."""
    resolution = int(resolution)
    if resolution < 2:
        raise ValueError(f"Invalid grid resolution: {resolution} (need at least 2)")
    if bounds is None:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] == 0:
            raise ValueError(f"Need (N, 2) points with N >= 1 to place a grid, got shape {X.shape}")
        lo, hi = X.min(0), X.max(0)
        span = np.maximum(hi - lo, 1e-6)
        lo, hi = lo - margin * span, hi + margin * span
        bounds = (lo[0], hi[0], lo[1], hi[1])
    xmin, xmax, ymin, ymax = (float(v) for v in bounds)
    if not (xmax > xmin and ymax > ymin):
        raise ValueError(f"Invalid grid bounds: {bounds}")
    # cell centres, so that `bounds` are the outer edges
    xs = xmin + (np.arange(resolution) + 0.5) * (xmax - xmin) / resolution
    ys = ymin + (np.arange(resolution) + 0.5) * (ymax - ymin) / resolution
    gx, gy = np.meshgrid(xs, ys)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    return Grid(xs=xs, ys=ys, points=points)


def predict_grid(predict, grid: Grid, chunk=40000) -> np.ndarray:
    """predict: callable (M, 2) float32 -> (M,) int. Returns (H, W) int64 labels."""
    out = np.empty(grid.points.shape[0], dtype=np.int64)
    for start in range(0, out.size, chunk):
        out[start:start + chunk] = predict(grid.points[start:start + chunk])
    return out.reshape(grid.shape)


def decide_votes(votes):
    """votes: (M, C) counts. Returns (labels (M,) int64, tie (M,) bool).

    Tie rule (the same as KNearestNeighbor.predict): among the classes sharing
    the top count, the smallest class index wins. `tie` marks those cells so a
    view can show that the colour there was settled by the rule, not the data.
    """
    votes = np.asarray(votes)
    labels = votes.argmax(1)  # argmax returns the first (smallest) index among equals
    top = votes.max(1, keepdims=True)
    tie = (votes == top).sum(1) > 1
    return labels.astype(np.int64), tie


class NeighborVotes:
    """kNN votes of a fixed set of query points for every k up to k_max.

    neighbor_labels: (M, k_max) training labels of each query's neighbours,
    nearest first. Build it with `from_neighbors`.
    """

    def __init__(self, neighbor_labels, num_classes: int):
        self.neighbor_labels = np.asarray(neighbor_labels)
        self.num_classes = int(num_classes)

    @property
    def k_max(self) -> int:
        return self.neighbor_labels.shape[1]

    @classmethod
    def from_neighbors(cls, neighbors, y_train, Q, k_max: int, num_classes: int, chunk=10000,
                       progress=None, cancel=None):
        """neighbors: callable (M, D) -> (indices (M, k), distances (M, k)) nearest
        first, e.g. KNearestNeighbor.neighbors. y_train: (N,) labels; Q: (M, D)
        queries. k_max is clipped to N. Returns the votes, or None when cancelled."""
        y_train = np.asarray(y_train)
        k_max = int(min(k_max, y_train.size))
        if k_max < 1:
            raise ValueError("No training points: cannot take a kNN vote")
        M = len(Q)
        labels = np.empty((M, k_max), dtype=np.int16)
        for start in range(0, M, chunk):
            if cancel is not None and cancel.is_set():
                return None
            idx, _ = neighbors(Q[start:start + chunk], k_max)
            labels[start:start + chunk] = y_train[np.asarray(idx)[:, :k_max]]
            if progress is not None:
                progress(min(start + chunk, M), M, "kNN votes")
        return cls(labels, num_classes)

    def decide(self, k: int):
        """Returns (labels (M,) int64, tie (M,) bool) for k neighbours (k clipped to k_max)."""
        k = int(min(max(k, 1), self.k_max))
        return decide_votes(count_votes(self.neighbor_labels, self.num_classes, k))

    def accuracy(self, k: int, y) -> float:
        """Fraction of queries whose k-vote equals y (NaN for no queries)."""
        y = np.asarray(y)
        return float(np.mean(self.decide(k)[0] == y)) if y.size else float("nan")


class KnnRegions(NeighborVotes):
    """kNN decision regions of one grid for every k up to k_max (queries = the grid's cells)."""

    def __init__(self, grid: Grid, neighbor_labels, num_classes: int):
        super().__init__(neighbor_labels, num_classes)
        self.grid = grid
        if self.neighbor_labels.shape[0] != grid.points.shape[0]:
            raise ValueError(f"neighbor_labels has {self.neighbor_labels.shape[0]} rows, grid has {grid.points.shape[0]} cells")

    @classmethod
    def from_neighbors(cls, neighbors, y_train, grid: Grid, k_max: int, num_classes: int, chunk=10000,
                       progress=None, cancel=None):
        """As NeighborVotes.from_neighbors with the grid's cell centres as queries."""
        votes = NeighborVotes.from_neighbors(neighbors, y_train, grid.points, k_max, num_classes, chunk,
                                             progress, cancel)
        return None if votes is None else cls(grid, votes.neighbor_labels, num_classes)

    @classmethod
    def from_points(cls, X_train, y_train, grid: Grid, k_max: int, num_classes: int, metric="l2", cancel=None):
        """kNN regions of 2D training points (grid_neighbor_labels: exact, tile-pruned search).
        Returns KnnRegions, or None when cancelled."""
        labels = grid_neighbor_labels(X_train, y_train, grid, k_max, metric, cancel=cancel)
        return None if labels is None else cls(grid, labels, num_classes)

    def regions(self, k: int):
        """Returns (labels (H, W) int64, tie (H, W) bool) for k neighbours."""
        labels, tie = self.decide(k)
        return labels.reshape(self.grid.shape), tie.reshape(self.grid.shape)


def grid_neighbor_labels(X_train, y_train, grid: Grid, k_max: int, metric="l2", block=16, cancel=None):
    """Labels of the k_max nearest training points of every grid cell, nearest first,
    in the order KNearestNeighbor.predict uses (neighbors(..., exact=False)), found faster.

    Why it is exact: cells are taken in block x block tiles. For a tile with
    centre c and cell centres within distance h of c, a cell q's k-th nearest
    distance is at most r_k(c) + h (triangle inequality), so each of its k
    nearest lies within r_k(c) + 2h of c. Only those candidates (typically a
    few per cent of the points) are searched, with the same KNearestNeighbor
    code on the candidate subset kept in index order, so distance values and
    tie order are those of the full search.
    Returns (H*W, k) int16 labels with k = min(k_max, N), or None when cancelled.
    """
    X_train = np.asarray(X_train, dtype=np.float32)
    y_train = np.asarray(y_train)
    k = int(min(k_max, len(y_train)))
    if k < 1:
        raise ValueError("No training points: cannot take a kNN vote")
    H, W = grid.shape
    cell_w = (grid.xs[-1] - grid.xs[0]) / max(W - 1, 1)
    cell_h = (grid.ys[-1] - grid.ys[0]) / max(H - 1, 1)
    rows = [np.arange(r, min(r + block, H)) for r in range(0, H, block)]
    cols = [np.arange(c, min(c + block, W)) for c in range(0, W, block)]
    centres = np.array([[(grid.xs[c[0]] + grid.xs[c[-1]]) / 2, (grid.ys[r[0]] + grid.ys[r[-1]]) / 2]
                        for r in rows for c in cols], dtype=np.float32)
    # farthest cell centre of a tile from the tile's centre, in the metric used
    half = np.array([(block - 1) * cell_w / 2, (block - 1) * cell_h / 2])
    reach = float(np.hypot(*half) if metric == "l2" else half.sum())
    full = KNearestNeighbor(1, metric).fit(X_train, y_train)
    centre_dist = full.distances(centres).astype(np.float64)  # (tiles, N)
    r_k = np.partition(centre_dist, k - 1, axis=1)[:, k - 1]
    slack = 1e-4 * (1.0 + np.abs(centre_dist).max())  # float32 rounding of the distances
    labels = np.empty((H * W, k), dtype=np.int16)
    t = 0
    for r in rows:
        if cancel is not None and cancel.is_set():
            return None
        for c in cols:
            cand = np.flatnonzero(centre_dist[t] <= r_k[t] + 2 * reach + slack)  # sorted: index order kept
            cells = (r[:, None] * W + c[None, :]).ravel()
            sub = KNearestNeighbor(1, metric).fit(X_train[cand], y_train[cand])
            idx, _ = sub.neighbors(grid.points[cells], k, exact=False)
            labels[cells] = y_train[cand][idx]
            t += 1
    return labels
