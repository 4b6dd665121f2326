"""Toy 2D datasets: small point clouds whose decision boundaries can be drawn.

Every generator has the same signature and returns shuffled points:

    make_<name>(n_points, n_classes, noise, seed) -> (X, y)
        X: (n_points, 2) float32, roughly within [-1.5, 1.5]
        y: (n_points,) int64 in [0, n_classes)

Classes get equal shares of the points (the first ``n_points % n_classes``
classes one more). ``noise`` is a standard deviation in the same units as X.

    spiral   arms winding out from the centre (CS231n's classic)
    circles  concentric rings, one per class
    moons    interleaving half-moons
    xor      checkerboard of cells (two classes: the XOR quadrants)
    blobs    Gaussian blobs on a circle
    linear   blobs cut so that a linear classifier separates them perfectly
    overlap  wide blobs close together: no classifier can be perfect
"""
from __future__ import annotations

import numpy as np

from visualdl.data.errors import DataError


def _class_sizes(n_points: int, n_classes: int) -> np.ndarray:
    sizes = np.full(n_classes, n_points // n_classes)
    sizes[: n_points % n_classes] += 1
    return sizes


def _labels(n_points: int, n_classes: int) -> np.ndarray:
    return np.repeat(np.arange(n_classes), _class_sizes(n_points, n_classes)).astype(np.int64)


def _finish(X: np.ndarray, y: np.ndarray, rng: np.random.Generator):
    order = rng.permutation(len(y))
    return X[order].astype(np.float32), y[order].astype(np.int64)


def _centres_on_circle(n_classes: int, radius: float) -> np.ndarray:
    """(n_classes, 2) points evenly spaced on a circle, the first at angle pi/2."""
    angles = np.pi / 2 + 2 * np.pi * np.arange(n_classes) / n_classes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def make_spiral(n_points=300, n_classes=3, noise=0.2, seed=0):
    """Arms r in [0.05, 1], angle spread 4 radians per arm plus angle noise ``noise``."""
    rng = np.random.default_rng(seed)
    y = _labels(n_points, n_classes)
    X = np.empty((n_points, 2))
    for c in range(n_classes):
        idx = np.flatnonzero(y == c)
        r = np.linspace(0.05, 1.0, len(idx))  # not 0: the arms would share the origin point
        base = 2 * np.pi * c / n_classes
        t = np.linspace(base, base + 4.0, len(idx)) + rng.normal(0, noise, len(idx))
        X[idx] = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
    return _finish(X, y, rng)


def make_circles(n_points=300, n_classes=2, noise=0.08, seed=0):
    """Class c lies on the ring of radius (c + 1) / n_classes, radial noise ``noise``."""
    rng = np.random.default_rng(seed)
    y = _labels(n_points, n_classes)
    t = rng.uniform(0, 2 * np.pi, n_points)
    r = (y + 1) / n_classes + rng.normal(0, noise, n_points)
    X = np.stack([r * np.cos(t), r * np.sin(t)], axis=1)
    return _finish(X, y, rng)


def make_moons(n_points=300, n_classes=2, noise=0.1, seed=0):
    """Half-moons: even classes arch up, odd classes arch down into the gap (like scikit-learn's)."""
    rng = np.random.default_rng(seed)
    y = _labels(n_points, n_classes)
    t = rng.uniform(0, np.pi, n_points)
    up = y % 2 == 0
    x0 = np.where(up, np.cos(t), 1 - np.cos(t)) + 2.0 * (y // 2)
    x1 = np.where(up, np.sin(t), 0.5 - np.sin(t))
    X = np.stack([x0, x1], axis=1)
    # centre and scale into [-1.2, 1.2] whatever the number of moons
    X = (X - (X.max(axis=0) + X.min(axis=0)) / 2) / (np.ptp(X, axis=0).max() / 2.4)
    X += rng.normal(0, noise, X.shape)
    return _finish(X, y, rng)


def make_xor(n_points=300, n_classes=2, noise=0.05, seed=0):
    """Uniform points in [-1, 1]^2; cell (i, j) of a g x g grid has class (i + j) % n_classes.

    g = 2 for two classes (the XOR quadrants), else g = n_classes. Labels are
    decided before the noise moves the points, so noise blurs the borders.
    """
    rng = np.random.default_rng(seed)
    g = 2 if n_classes == 2 else n_classes
    X = rng.uniform(-1, 1, (n_points, 2))
    cells = np.minimum(((X + 1) / 2 * g).astype(int), g - 1)
    y = (cells[:, 0] + cells[:, 1]) % n_classes
    X += rng.normal(0, noise, X.shape)
    return _finish(X, y, rng)


def make_blobs(n_points=300, n_classes=3, noise=0.25, seed=0):
    """Gaussian blobs of std ``noise`` centred evenly on the unit circle."""
    rng = np.random.default_rng(seed)
    y = _labels(n_points, n_classes)
    X = _centres_on_circle(n_classes, 1.0)[y] + rng.normal(0, noise, (n_points, 2))
    return _finish(X, y, rng)


LINEAR_RADIUS = 0.7  # centres of the linear set: close enough that the classes touch


def make_linear(n_points=300, n_classes=3, noise=0.4, seed=0):
    """Wide blobs around centres mu_c, keeping only points strictly inside their class's region.

    The regions are the Voronoi cells of the centres, i.e. argmax_c of the
    linear scores mu_c.x - |mu_c|^2 / 2, with a thin empty gap along every
    border: the classes touch along straight lines, yet a linear classifier
    can reach 100% (see ``linear_rule``).
    """
    rng = np.random.default_rng(seed)
    y = _labels(n_points, n_classes)
    centres = _centres_on_circle(n_classes, LINEAR_RADIUS)
    X = np.empty((n_points, 2))
    todo = np.arange(n_points)
    for _ in range(1000):  # rejection sampling: each pass keeps most points
        if len(todo) == 0:
            break
        cand = centres[y[todo]] + rng.normal(0, noise, (len(todo), 2))
        scores = linear_rule(cand, n_classes)
        own = scores[np.arange(len(todo)), y[todo]]
        scores[np.arange(len(todo)), y[todo]] = -np.inf
        ok = own - scores.max(axis=1) > 0.05 * LINEAR_RADIUS
        X[todo[ok]] = cand[ok]
        todo = todo[~ok]
    else:
        raise DataError(f"linear toy set: noise {noise} too large to sample separable points")
    return _finish(X, y, rng)


def linear_rule(X: np.ndarray, n_classes: int) -> np.ndarray:
    """Scores (N, n_classes) of the linear classifier that separates ``make_linear`` perfectly."""
    centres = _centres_on_circle(n_classes, LINEAR_RADIUS)
    return X @ centres.T - 0.5 * (centres**2).sum(axis=1)


def make_overlap(n_points=300, n_classes=3, noise=0.6, seed=0):
    """Wide Gaussian blobs (std ``noise``) with centres only 0.5 from the origin: classes overlap."""
    rng = np.random.default_rng(seed)
    y = _labels(n_points, n_classes)
    X = _centres_on_circle(n_classes, 0.5)[y] + rng.normal(0, noise, (n_points, 2))
    return _finish(X, y, rng)


GENERATORS = {
    "spiral": make_spiral,
    "circles": make_circles,
    "moons": make_moons,
    "xor": make_xor,
    "blobs": make_blobs,
    "linear": make_linear,
    "overlap": make_overlap,
}

TITLES = {
    "spiral": "Spiral (2D)",
    "circles": "Concentric circles (2D)",
    "moons": "Moons (2D)",
    "xor": "XOR / checkerboard (2D)",
    "blobs": "Gaussian blobs (2D)",
    "linear": "Linearly separable (2D)",
    "overlap": "Overlapping, not separable (2D)",
}


def toy_defaults(name: str) -> dict:
    """Default n_points, n_classes and noise of one toy generator (read from its signature)."""
    import inspect

    sig = inspect.signature(GENERATORS[name])
    return {k: p.default for k, p in sig.parameters.items() if k != "seed"}


def make_toy(name: str, n_points: int = None, n_classes: int = None, noise: float = None, seed: int = 0):
    """Validate the parameters and call the named generator; returns (X (N, 2) float32, y (N,) int64)."""
    if name not in GENERATORS:
        raise DataError(f"Unknown toy dataset: {name!r} (choose from {', '.join(GENERATORS)})")
    d = toy_defaults(name)
    n_points = d["n_points"] if n_points is None else n_points
    n_classes = d["n_classes"] if n_classes is None else n_classes
    noise = d["noise"] if noise is None else noise
    if not isinstance(n_classes, (int, np.integer)) or not 2 <= n_classes <= 10:
        raise DataError(f"Invalid n_classes for {name}: {n_classes!r} (need an integer from 2 to 10)")
    if not isinstance(n_points, (int, np.integer)) or not n_classes <= n_points <= 1_000_000:
        raise DataError(f"Invalid n_points for {name}: {n_points!r} (need {n_classes} to 1000000)")
    if not np.isfinite(noise) or noise < 0:
        raise DataError(f"Invalid noise for {name}: {noise!r} (need a number >= 0)")
    return GENERATORS[name](int(n_points), int(n_classes), float(noise), seed)
