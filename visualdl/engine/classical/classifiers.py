"""Classical classifiers of the course's first part: k-nearest neighbours (here) and the linear
classifier (``classical.linear``, re-exported here so the old path ``visualdl.engine.classifiers`` keeps both).

    knn = KNearestNeighbor(k=1, metric="l2")      metric "l2" (Euclidean) or "l1" (Manhattan)
    knn.fit(X, y)                  X: (N, ...) any shape per example (images are flattened), y: (N,)
    knn.neighbors(Q, k) -> (indices (M, k) int64, distances (M, k) float64), nearest first
    knn.votes(Q, k) -> (M, C) int64 counts of each class among the k nearest
    knn.predict(Q, k=None) -> (M,) int64
    knn.distances(Q) -> (M, N) float32 (the full matrix: only for small sets; L2 values ~1e-4 relative)

    clf = LinearClassifier(num_classes, loss="softmax" | "svm", reg=L2 strength)
    clf.train(X, y, lr=..., num_iters=..., batch_size=...) -> history
    clf.scores(X) -> (N, C) = X W^T + b with W (C, D), b (C,);  clf.templates() -> (C, 32, 32, 3)

    cross_validate_k(X, y, ks, folds=5, metric="l2") -> per-fold accuracies for every k, mean, std, best_k
    count_votes(neighbor_labels (M, K), num_classes, k=None) -> (M, C): THE kNN vote count
    linear_loss_and_grads, template_images: from classical.linear (see there)

Rules worth knowing (and tested):
- Distance ties: among training points at the same distance, the smaller
  training index counts as nearer.
- Vote ties: among classes with the same (top) number of votes, the smallest
  class index wins (the same rule as ``visualdl.engine.classical.regions.decide_votes``).
- L2 uses |q|^2 + |x|^2 - 2 q.x in float32: one matrix product (GEMM) does
  almost all the work. Rounding can make a squared distance slightly
  negative; it is clipped to 0 before the square root. On CIFAR-10 the
  nearest neighbour found this way is the one exact float64 finds, but the
  float32 distance values are off by ~1e-4 relative, so ``neighbors``
  recomputes the distances of the k it returns exactly in float64 (M*k*D
  extra work; ``exact=False`` skips it, as votes/predict/CV do).
  ``distances()`` returns the float32 values.
- L1 on uint8 pixels is exact integer arithmetic using
  |a - b| = 2 max(a, b) - a - b: the sums of a and of b are computed once,
  so each pair costs one element-wise max and one sum (over tiles that stay
  in the CPU cache, on both cores). Other inputs use float32 the same way.
- Memory stays bounded: queries are processed in chunks so that a chunk's
  distance rows take at most ``chunk_bytes`` (64 MB by default), e.g.
  10000 queries x 50000 training images never hold a 2 GB matrix.
"""
from __future__ import annotations

import numpy as np

from visualdl.data.errors import Cancelled
from visualdl.engine.classical.linear import LinearClassifier, linear_loss_and_grads, template_images
from visualdl.engine.nn import _parallel

__all__ = ["METRICS", "KNearestNeighbor", "count_votes", "votes_from_labels", "cross_validate_k",
           "LinearClassifier", "linear_loss_and_grads", "template_images"]

METRICS = ("l1", "l2")


def _flatten(X) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim == 1:
        raise ValueError(f"Expected a batch of examples (N, ...), got shape {X.shape}")
    return X.reshape(len(X), -1)


def _check_k(k, limit=None) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"Invalid k: {k!r} (need an integer >= 1)")
    if limit is not None and k > limit:
        raise ValueError(f"Invalid k: {k} (only {limit} training examples)")
    return int(k)


def _check_cancel(cancel):
    if cancel is not None and cancel.is_set():
        raise Cancelled("kNN cancelled")


# ----------------------------------------------------------------------------- L1 kernels
_L1_DIMS = 128  # a tile is 128 dimensions x 2048 training points: 256 KB of uint8, stays in L2 cache
_L1_COLS = 2048


def _l1_rows(Q: np.ndarray, XT: np.ndarray, out: np.ndarray) -> None:
    """out[i, j] = sum_d max(Q[i, d], XT[d, j]) for Q (m, D), XT (D, N) of one dtype; out (m, N).

    For uint8 data the max of 128 values sums to at most 32640 < 2^16, so each
    tile's sum is taken in uint16 (fast) and added to the int64 total; float32
    data sums each tile in float32 and totals in float64.
    """
    D, N = XT.shape
    part_dtype = np.uint16 if XT.dtype == np.uint8 else np.float32
    buf = np.empty((_L1_DIMS, _L1_COLS), XT.dtype)
    part = np.empty(_L1_COLS, part_dtype)
    for n0 in range(0, N, _L1_COLS):
        n1 = min(N, n0 + _L1_COLS)
        w = n1 - n0
        acc = out[:, n0:n1]
        acc[...] = 0
        for d0 in range(0, D, _L1_DIMS):
            d1 = min(D, d0 + _L1_DIMS)
            tile, b, p = XT[d0:d1, n0:n1], buf[: d1 - d0, :w], part[:w]
            for i in range(len(Q)):  # the tile is reused from cache by every query
                np.maximum(tile, Q[i, d0:d1, None], out=b)
                np.add.reduce(b, axis=0, dtype=part_dtype, out=p)
                acc[i] += p


class KNearestNeighbor:
    """k-nearest-neighbour classifier with L1 or L2 distance (see the module docstring for the rules)."""

    def __init__(self, k: int = 1, metric: str = "l2", chunk_bytes: int = 64 << 20):
        if metric not in METRICS:
            raise ValueError(f"Unknown metric: {metric!r} (choose 'l1' or 'l2')")
        self.k = _check_k(k)
        self.metric = metric
        self.chunk_bytes = int(chunk_bytes)
        self.X_train = None
        self.y_train = None
        self.num_classes = 0

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y, num_classes: int | None = None) -> "KNearestNeighbor":
        """Remember the training set. X: (N, ...) flattened to (N, D); y: (N,) int labels."""
        X = _flatten(X)
        y = np.asarray(y).astype(np.int64).reshape(-1)
        if len(X) != len(y) or len(y) == 0:
            raise ValueError(f"Need as many labels as examples (> 0): X has {len(X)}, y has {len(y)}")
        if y.min() < 0:
            raise ValueError(f"Invalid label {y.min()}: labels must be >= 0")
        self.X_train, self.y_train = X, y
        self.num_classes = int(max(num_classes or 0, y.max() + 1))
        self._integer = X.dtype == np.uint8
        if self.metric == "l2":
            # -2 x in float32 and |x|^2, computed once for every later query
            # (-2 x is exact: a power of two) so a chunk costs one GEMM and one add;
            # one pass converts and scales, and |x|^2 = |-2x|^2 / 4 exactly
            self._Xm2 = np.empty(X.shape, np.float32)
            self._sq = np.empty(len(X), np.float32)
            _parallel.split_run(self._convert_rows, len(X), X.size)
        elif X.shape[1] <= 64:
            self._Xf = np.ascontiguousarray(X, dtype=np.float32)  # small D: plain broadcasting
        else:
            dtype = np.uint8 if self._integer else np.float32
            self._XT = np.ascontiguousarray(X.T, dtype=dtype)  # (D, N): tiles of contiguous rows
            self._sum = X.sum(axis=1, dtype=np.int64 if self._integer else np.float64)
        return self

    def _convert_rows(self, a: int, b: int) -> None:
        """Fill _Xm2[a:b] = -2 X[a:b] and _sq[a:b] = |X[a:b]|^2 in cache-sized blocks (one thread's slab)."""
        for lo in range(a, b, 256):  # 256 rows x 3072 floats = 3 MB: squared while still in cache
            hi = min(b, lo + 256)
            block = self._Xm2[lo:hi]
            np.multiply(self.X_train[lo:hi], np.float32(-2.0), out=block, dtype=np.float32)
            self._sq[lo:hi] = np.einsum("ij,ij->i", block, block, dtype=np.float32) / np.float32(4.0)

    def _require_fit(self):
        if self.X_train is None:
            raise RuntimeError("KNearestNeighbor: call fit(X, y) before predicting")

    def _queries(self, Q) -> np.ndarray:
        Q = _flatten(Q)
        if Q.shape[1] != self.X_train.shape[1]:
            raise ValueError(f"Query dimension {Q.shape[1]} does not match training dimension "
                             f"{self.X_train.shape[1]}")
        return Q

    # ------------------------------------------------------------------ distances
    def _chunk_rows(self) -> int:
        return max(1, self.chunk_bytes // (8 * len(self.y_train)))

    def _ranking_block(self, Q: np.ndarray) -> np.ndarray:
        """(m, N) values that order the training points like the true distances do.

        L2: |x|^2 - 2 q.x (|q|^2 is the same for the whole row; added later).
        L1: the exact distances (int64 for uint8 data, else float64).
        """
        if self.metric == "l2":
            Qf = np.asarray(Q, dtype=np.float32)
            block = Qf @ self._Xm2.T
            block += self._sq
            return block
        if self.X_train.shape[1] <= 64:
            Qf = np.asarray(Q, dtype=np.float32)
            out = np.zeros((len(Q), len(self._Xf)), np.float64)
            for d in range(Qf.shape[1]):  # one (m, N) temporary per dimension, not an (m, N, D) one
                out += np.abs(np.subtract.outer(Qf[:, d], self._Xf[:, d]))
            return out
        integer = self._integer and Q.dtype == np.uint8
        Qc = np.ascontiguousarray(Q, dtype=np.uint8 if integer else np.float32)
        XT = self._XT if integer or not self._integer else self._XT.astype(np.float32)
        out = np.empty((len(Q), XT.shape[1]), np.int64 if integer else np.float64)
        _parallel.split_run(lambda a, b: _l1_rows(Qc[a:b], XT, out[a:b]), len(Q), len(Q) * XT.size)
        # sum |q - x| = 2 sum max(q, x) - sum q - sum x
        out *= 2
        out -= self._sum
        out -= Qc.sum(axis=1, dtype=out.dtype)[:, None]
        return out

    def _to_distance(self, Q: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Turn ranking values of the rows of Q into reported distances (float64)."""
        if self.metric == "l2":
            Qf = np.asarray(Q, dtype=np.float32)
            q2 = np.einsum("ij,ij->i", Qf, Qf, dtype=np.float32)
            sq = values.astype(np.float64) + q2[:, None]
            return np.sqrt(np.maximum(sq, 0.0))  # rounding can give -0.5 where the truth is 0
        return values.astype(np.float64)

    def distances(self, Q) -> np.ndarray:
        """Q: (M, ...) -> (M, N) float32 distances to every training example (memory M*N*4 bytes)."""
        self._require_fit()
        Q = self._queries(Q)
        out = np.empty((len(Q), len(self.y_train)), np.float32)
        step = self._chunk_rows()
        for a in range(0, len(Q), step):
            out[a:a + step] = self._to_distance(Q[a:a + step], self._ranking_block(Q[a:a + step]))
        return out

    # ------------------------------------------------------------------ neighbours and votes
    @staticmethod
    def _smallest_k(values: np.ndarray, k: int) -> np.ndarray:
        """(m, N) -> (m, k) column indices of the k smallest values per row, sorted by (value, index)."""
        m, N = values.shape
        if k == 1:
            return values.argmin(axis=1)[:, None]  # argmin returns the first (smallest index) minimum
        if k >= N:
            return np.argsort(values, axis=1, kind="stable")[:, :k]
        cand = np.argpartition(values, k - 1, axis=1)[:, :k]
        cand_vals = np.take_along_axis(values, cand, axis=1)
        kth = cand_vals.max(axis=1)
        # a tie at the k-th distance may have let argpartition pick a larger index: redo those rows
        # exactly (index order, then a stable sort by value)
        ambiguous = np.flatnonzero((values <= kth[:, None]).sum(axis=1) > k)
        for r in ambiguous:
            idx = np.flatnonzero(values[r] <= kth[r])
            cand[r] = idx[np.argsort(values[r, idx], kind="stable")[:k]]
        cand_vals = np.take_along_axis(values, cand, axis=1)
        order = np.lexsort((cand, cand_vals), axis=1)  # by value, then by index
        return np.take_along_axis(cand, order, axis=1)

    def neighbors(self, Q, k: int | None = None, progress=None, cancel=None, exact: bool = True):
        """Q: (M, ...) -> (indices (M, k) int64, distances (M, k) float64), nearest first.

        The neighbours are chosen with the fast float32 ranking; with
        ``exact`` (the default) their distances are then recomputed exactly in
        float64 (M*k*D work, small next to the search) because the float32
        trick is off by ~1e-4 relative on CIFAR-10 and students read these
        numbers. ``exact=False`` (used by votes/predict) skips that.
        progress(done, total, message) is called after each chunk; a set
        ``cancel`` event raises ``visualdl.data.Cancelled`` between chunks.
        """
        self._require_fit()
        k = _check_k(self.k if k is None else k, len(self.y_train))
        Q = self._queries(Q)
        idx = np.empty((len(Q), k), np.int64)
        dist = np.empty((len(Q), k), np.float64)
        step = self._chunk_rows()
        for a in range(0, len(Q), step):
            _check_cancel(cancel)
            q = Q[a:a + step]
            values = self._ranking_block(q)
            nearest = self._smallest_k(values, k)
            if exact and self.metric == "l2":
                d, nearest = self._exact_l2(q, nearest)
            else:
                d = self._to_distance(q, np.take_along_axis(values, nearest, axis=1))
            idx[a:a + step] = nearest
            dist[a:a + step] = d
            if progress is not None:
                progress(min(a + step, len(Q)), len(Q), "kNN distances")
        return idx, dist

    def _exact_l2(self, q: np.ndarray, nearest: np.ndarray):
        """float64 distances of the rows of q to their chosen neighbours, re-sorted by (distance, index)."""
        k, D = nearest.shape[1], q.shape[1]
        dist = np.empty(nearest.shape, np.float64)
        rows = max(1, (16 << 20) // (8 * k * D))  # bounded (rows, k, D) temporaries
        for a in range(0, len(q), rows):
            diff = self.X_train[nearest[a:a + rows]].astype(np.float64)
            diff -= q[a:a + rows, None, :]
            dist[a:a + rows] = np.sqrt(np.einsum("rkd,rkd->rk", diff, diff))
        order = np.lexsort((nearest, dist), axis=1)
        return np.take_along_axis(dist, order, axis=1), np.take_along_axis(nearest, order, axis=1)

    def votes(self, Q, k: int | None = None, progress=None, cancel=None) -> np.ndarray:
        """Q: (M, ...) -> (M, C) int64: how many of the k nearest training examples have each class."""
        idx, _ = self.neighbors(Q, k, progress, cancel, exact=False)
        return count_votes(self.y_train[idx], self.num_classes)

    def predict(self, Q, k: int | None = None, progress=None, cancel=None) -> np.ndarray:
        """Q: (M, ...) -> (M,) int64 majority class of the k nearest (ties: smallest class index)."""
        return self.votes(Q, k, progress, cancel).argmax(axis=1).astype(np.int64)


_VOTE_BLOCK = 1 << 16  # labels per bincount call


def count_votes(neighbor_labels, num_classes: int, k: int | None = None) -> np.ndarray:
    """THE kNN vote count. neighbor_labels: (M, K) labels of each query's neighbours, nearest
    first; k: count only the first k (default all K). Returns (M, num_classes) int64 counts.

    np.bincount over labels offset by row (row r's labels land in r*C .. r*C + C - 1): a single
    pass whatever the number of classes, taken in blocks of ~64K labels so the offset copy stays
    in cache (bench/bench_votes.py compares it with counting class by class).
    """
    neighbor_labels = np.asarray(neighbor_labels)
    if neighbor_labels.ndim != 2:
        raise ValueError(f"neighbor_labels must be (M, K), got shape {neighbor_labels.shape}")
    if k is not None:
        if not 1 <= k <= neighbor_labels.shape[1]:
            raise ValueError(f"Invalid k: {k} (neighbours known: 1..{neighbor_labels.shape[1]})")
        neighbor_labels = neighbor_labels[:, :k]
    M = len(neighbor_labels)
    if neighbor_labels.size and (neighbor_labels.min() < 0 or neighbor_labels.max() >= num_classes):
        bad = neighbor_labels[(neighbor_labels < 0) | (neighbor_labels >= num_classes)][0]
        raise ValueError(f"Invalid label {bad}: must be in [0, {num_classes})")
    out = np.empty((M, num_classes), np.int64)
    rows = max(1, _VOTE_BLOCK // max(1, neighbor_labels.shape[1]))  # the offset copy stays in cache
    offsets = num_classes * np.arange(rows, dtype=np.intp)[:, None]
    for a in range(0, M, rows):
        block = neighbor_labels[a:a + rows]
        flat = block + offsets[:len(block)]  # intp: labels of row r land in r*C .. r*C + C - 1
        out[a:a + rows] = np.bincount(flat.ravel(), minlength=len(block) * num_classes).reshape(-1, num_classes)
    return out


votes_from_labels = count_votes  # the older name


def cross_validate_k(X, y, ks, folds: int = 5, metric: str = "l2", progress=None, cancel=None) -> dict:
    """k-fold cross-validation of the kNN k (folds are consecutive blocks, as in CS231n).

    X: (N, ...); y: (N,); ks: list of k values. Each fold's distances are
    computed ONCE: the max(ks) nearest training examples of every validation
    example are found, and each k only recounts the votes of its first k (count_votes).
    Returns a JSON-able dict:
        {"ks": [k...], "folds": F, "metric": metric,
         "accuracies": [[acc of fold f for k] for k in ks]  (len(ks) x F),
         "mean": [...], "std": [...], "best_k": k with the highest mean (smallest such k)}
    """
    from visualdl.data.splits import kfold_indices

    X = _flatten(X)
    y = np.asarray(y).astype(np.int64)
    ks = [int(k) for k in ks]
    if not ks:
        raise ValueError("No k values to cross-validate")
    pairs = kfold_indices(len(y), folds)
    smallest_train = min(len(tr) for tr, _ in pairs)
    for k in ks:
        _check_k(k, smallest_train)
    num_classes = int(y.max()) + 1
    acc = np.zeros((len(ks), folds))
    for f, (tr, va) in enumerate(pairs):
        _check_cancel(cancel)
        if progress is not None:
            progress(f, folds, f"fold {f + 1} of {folds}")
        knn = KNearestNeighbor(max(ks), metric).fit(X[tr], y[tr], num_classes)
        idx, _ = knn.neighbors(X[va], max(ks), cancel=cancel, exact=False)
        labels = y[tr][idx]
        for j, k in enumerate(ks):
            acc[j, f] = np.mean(count_votes(labels, num_classes, k).argmax(axis=1) == y[va])
    if progress is not None:
        progress(folds, folds, "done")
    mean, std = acc.mean(axis=1), acc.std(axis=1)
    # on equal means the smallest k wins (the simplest model), whatever the order of ks
    best_k = min(k for k, m in zip(ks, mean) if m == mean.max())
    return {"ks": ks, "folds": folds, "metric": metric, "accuracies": acc.tolist(),
            "mean": mean.tolist(), "std": std.tolist(), "best_k": best_k}
