"""Small numeric demonstrations the course makes in passing, each in one place (pure NumPy).

Lab 1 (nearest neighbours)
    grid_points_needed(p, d) -> int          p^d points cover a d-dim cube with p per axis (exact)
    scientific(n) -> (mantissa, exponent)    a big int as m x 10^e (4^3072 = 3.23 x 10^1849)
    relative_contrast(X, queries) -> (Q,)    (farthest - nearest) / nearest L2 distance per query
    concentration_random(dims, ...)          relative contrast of uniform random data against d
    concentration_images(images, sizes, ...) the same on images average-pooled to s x s x 3
    knn_vs_linear_timing(...)                seconds per test image: kNN against training-set size,
                                             and a linear classifier's W x + b
Lab 2 (linear classifier)
    HARD_CASES, hard_case(name)              three 2-class sets no line separates
    linear_vs_hidden(X, y)                   accuracy of a trained linear classifier and of a 2-layer net
Lab 4 (backpropagation)
    jacobian_sizes(n, b)                     shapes and float32 bytes of ReLU's Jacobians
    relu_jacobian(x) -> (n, n)               the (diagonal) Jacobian of y = max(0, x)
    relu_backward(x, grad_y)                 backprop's elementwise product (= J^T grad_y)
    vector_add_jacobians(n)                  dz/dx and dz/dy of z = x + y: identities
"""
from __future__ import annotations

import math
import time

import numpy as np

FLOAT32_BYTES = 4


# =========================================================================== lab 1
def grid_points_needed(points_per_axis: int, dims: int) -> int:
    """How many points a grid of `points_per_axis` per axis has in `dims` dimensions: p^d (exact int)."""
    p, d = int(points_per_axis), int(dims)
    if p < 1 or d < 1:
        raise ValueError(f"Invalid grid: {points_per_axis} points per axis in {dims} dimensions (need >= 1 each)")
    return p ** d


def scientific(n: int, digits: int = 3) -> tuple[float, int]:
    """A positive int as (mantissa, exponent) with n ~ mantissa * 10**exponent, 1 <= mantissa < 10.

    Exact in the exponent for any size (read from the decimal digits, no float overflow)."""
    n = int(n)
    if n < 1:
        raise ValueError(f"Invalid number: {n} (need a positive integer)")
    text = str(n)
    head = text[:digits + 1]
    return float(head[0] + "." + head[1:]) if len(head) > 1 else float(head), len(text) - 1


def relative_contrast(X, queries) -> np.ndarray:
    """X: (N, D) points, queries: (Q, D). Returns (Q,) (max - min) / min of each query's L2
    distances to the N points (in float64). Near 0: the nearest point is barely nearer than the farthest."""
    X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    Q = np.asarray(queries, dtype=np.float64).reshape(len(queries), -1)
    if X.shape[1] != Q.shape[1]:
        raise ValueError(f"Points have {X.shape[1]} dimensions but queries {Q.shape[1]}")
    sq = (Q ** 2).sum(1)[:, None] + (X ** 2).sum(1)[None, :] - 2.0 * Q @ X.T
    d = np.sqrt(np.maximum(sq, 0.0))
    nearest = d.min(1)
    if np.any(nearest <= 0):
        raise ValueError("A query coincides with a point (nearest distance 0): the ratio is undefined")
    return (d.max(1) - nearest) / nearest


def concentration_random(dims, n_points: int = 500, n_queries: int = 20, seed: int = 0) -> dict:
    """Relative contrast of points uniform in [0, 1]^d, for each d in dims.

    Returns {"dims": [...], "mean": (len(dims),), "std": (len(dims),)} over n_queries queries."""
    rng = np.random.default_rng(seed)
    means, stds = [], []
    for d in dims:
        X = rng.random((n_points, int(d)))
        q = rng.random((n_queries, int(d)))
        r = relative_contrast(X, q)
        means.append(r.mean())
        stds.append(r.std())
    return {"dims": [int(d) for d in dims], "mean": np.array(means), "std": np.array(stds)}


def pooled(images, size: int) -> np.ndarray:
    """images: (N, H, W, C) -> (N, size*size*C) float64, each size x size block averaged (H, W divisible by size)."""
    images = np.asarray(images, dtype=np.float64)
    n, h, w, c = images.shape
    if size < 1 or h % size or w % size:
        raise ValueError(f"Invalid pooled size {size} for {h}x{w} images (must divide both)")
    return images.reshape(n, size, h // size, size, w // size, c).mean(axis=(2, 4)).reshape(n, -1)


def concentration_images(images, sizes=(1, 2, 4, 8, 16, 32), n_queries: int = 20, n_points: int = 1000) -> dict:
    """Relative contrast on images shrunk to s x s x C pixels, for each s in sizes.

    The first n_queries images are the queries, the next n_points the points (an image may
    repeat in a set, so exact duplicates of a query are left out). Returns {"dims", "mean", "std"}."""
    images = np.asarray(images)
    if len(images) < n_queries + 2:
        raise ValueError(f"Need at least {n_queries + 2} images, got {len(images)}")
    means, stds, dims = [], [], []
    for s in sizes:
        flat = pooled(images[:n_queries + n_points], int(s))
        q, X = flat[:n_queries], flat[n_queries:]
        keep = [i for i in range(len(q)) if not np.any(np.all(X == q[i], axis=1))]
        r = relative_contrast(X, q[keep])
        dims.append(flat.shape[1])
        means.append(r.mean())
        stds.append(r.std())
    return {"dims": dims, "mean": np.array(means), "std": np.array(stds)}


def knn_vs_linear_timing(X_train, y_train, X_test, sizes, k: int = 1, repeats: int = 1, clock=time.perf_counter,
                         cancel=None, progress=None) -> dict:
    """Prediction seconds per test image of kNN (engine KNearestNeighbor, L2) trained on the first
    `size` training examples, for each size, and of a linear classifier (scores = W x + b, one
    matrix product whatever the training-set size). Best of `repeats` runs.

    Returns {"sizes", "knn" (len(sizes),), "linear" (len(sizes),)} in seconds per image."""
    from visualdl.engine.classical.classifiers import KNearestNeighbor

    X_train = np.asarray(X_train)
    X_test = np.asarray(X_test)
    y_train = np.asarray(y_train)
    flat_test = X_test.reshape(len(X_test), -1).astype(np.float32)
    num_classes = int(y_train.max()) + 1
    W = np.random.default_rng(0).standard_normal((num_classes, flat_test.shape[1])).astype(np.float32)
    b = np.zeros(num_classes, np.float32)
    knn_t, lin_t = [], []
    for i, size in enumerate(sizes):
        size = int(size)
        if not 1 <= size <= len(X_train):
            raise ValueError(f"Invalid training-set size {size} (have {len(X_train)} examples)")
        model = KNearestNeighbor(k=k, metric="l2").fit(X_train[:size], y_train[:size])
        best_knn = best_lin = float("inf")
        for _ in range(repeats):
            if cancel is not None and cancel.is_set():
                return None
            t0 = clock()
            model.predict(X_test)
            best_knn = min(best_knn, clock() - t0)
            t0 = clock()
            np.argmax(flat_test @ W.T + b, axis=1)
            best_lin = min(best_lin, clock() - t0)
        knn_t.append(best_knn / len(X_test))
        lin_t.append(best_lin / len(X_test))
        if progress is not None:
            progress(i + 1, len(sizes), f"timed {size} training examples")
    return {"sizes": [int(s) for s in sizes], "knn": np.array(knn_t), "linear": np.array(lin_t)}


# =========================================================================== lab 2
HARD_CASES = {
    "xor": "XOR: opposite quadrants share a class",
    "ring": "a ring around a disc",
    "islands": "one class in two separate islands",
}


def hard_case(name: str, n_points: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """One of the course's not-linearly-separable 2-class sets. Returns X (N, 2) float64, y (N,) int64.

    xor: uniform in [-1, 1]^2 away from the axes, class = the signs differ;
    ring: class 0 in the disc r < 1, class 1 in the ring 1.6 < r < 2.4;
    islands: class 0 around (0, 0), class 1 split between (-2, 0) and (2, 0)."""
    if name not in HARD_CASES:
        raise ValueError(f"Unknown hard case {name!r} (choose from {', '.join(HARD_CASES)})")
    rng = np.random.default_rng(seed)
    n = int(n_points)
    if name == "xor":
        X = rng.uniform(0.1, 1.0, (n, 2)) * rng.choice([-1.0, 1.0], (n, 2))
        y = (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(np.int64)
    elif name == "ring":
        y = (np.arange(n) % 2).astype(np.int64)
        r = np.where(y == 0, np.sqrt(rng.uniform(0, 1, n)), rng.uniform(1.6, 2.4, n))
        a = rng.uniform(0, 2 * np.pi, n)
        X = np.stack([r * np.cos(a), r * np.sin(a)], 1)
    else:
        group = np.arange(n) % 3  # 0: middle (class 0), 1: left island, 2: right island (class 1)
        centres = np.array([[0.0, 0.0], [-2.0, 0.0], [2.0, 0.0]])
        X = centres[group] + 0.35 * rng.standard_normal((n, 2))
        y = (group > 0).astype(np.int64)
    return X.astype(np.float64), y


def linear_vs_hidden(X, y, num_classes: int = 2, hidden: int = 50, linear_steps: int = 1000,
                     epochs: int = 300, seed: int = 0) -> dict:
    """Training accuracy of the course's linear classifier (engine Linear2D, softmax, gradient descent)
    and of a 2-layer net (engine Trainer, `hidden` ReLU units, Adam) on the same points.

    Returns {"linear_acc", "hidden_acc"} in [0, 1]."""
    from visualdl.data.dataset import DataSplits
    from visualdl.engine.course.linear2d import Linear2D
    from visualdl.engine.nn.models import default_config
    from visualdl.engine.nn.trainer import Trainer

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    linear = Linear2D(num_classes, loss="softmax", reg=0.0, seed=seed, scale=0.01)
    linear.fit(X, y, steps=linear_steps, lr=0.5)
    cfg = default_config("two_layer")
    cfg["model"]["hidden"] = [int(hidden)]
    cfg["optim"] = {"name": "adam", "lr": 0.02}
    cfg["reg"]["strength"] = 0.0
    cfg["batch_size"] = len(y)
    cfg["seed"] = int(seed)
    cfg["preprocess"] = "none"
    empty = np.zeros((0, 2), np.float32)
    data = DataSplits("hard case", "points", [f"class {c}" for c in range(num_classes)], X.astype(np.float32), y,
                      empty, np.zeros(0, np.int64), empty, np.zeros(0, np.int64))
    trainer = Trainer(cfg, data)
    for _ in range(int(epochs)):
        trainer.step()
    return {"linear_acc": linear.accuracy(X, y),
            "hidden_acc": float(np.mean(trainer.predict(X.astype(np.float32)) == y))}


# =========================================================================== lab 4
def jacobian_sizes(n: int = 4096, b: int = 100) -> dict:
    """y = max(0, x) on x of size n, one example and a minibatch of b: the Jacobians' shapes
    and what each would take in float32. Python ints (exact)."""
    n, b = int(n), int(b)
    if n < 1 or b < 1:
        raise ValueError(f"Invalid sizes n={n}, b={b} (need >= 1)")
    one, batch = (n, n), (n * b, n * b)
    return {"n": n, "b": b, "shape": one, "batch_shape": batch,
            "bytes": n * n * FLOAT32_BYTES, "batch_bytes": (n * b) ** 2 * FLOAT32_BYTES,
            "nonzero": n, "batch_nonzero": n * b}


def relu_jacobian(x) -> np.ndarray:
    """x: (n,) -> (n, n) dy/dx of y = max(0, x): diagonal, 1 where x > 0, else 0."""
    x = np.asarray(x, dtype=np.float64).ravel()
    return np.diag((x > 0).astype(np.float64))


def relu_backward(x, grad_y) -> np.ndarray:
    """What backprop computes instead of J^T grad_y: grad_y * (x > 0), elementwise. (n,)."""
    return np.asarray(grad_y, dtype=np.float64) * (np.asarray(x) > 0)


def vector_add_jacobians(n: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """z = x + y with x, y of size n: (dz/dx, dz/dy), both the n x n identity."""
    return np.eye(int(n)), np.eye(int(n))


def human_bytes(n: int) -> str:
    """1024-based size in words: 67108864 -> '64 MiB'."""
    units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    i = 0 if n < 1024 else min(int(math.log(n, 1024)), len(units) - 1)
    value = n / 1024 ** i
    return f"{value:.0f} {units[i]}" if i == 0 or value == int(value) else f"{value:.3g} {units[i]}"
