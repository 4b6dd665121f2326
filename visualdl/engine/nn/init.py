"""Weight initializers, as the course writes them.

W: (out_features, in_features) for Linear, (F, C, k, k) for Conv2D.
fan_in = in_features, or C*k*k for a convolution (inputs seen by one unit).

- "zeros":    W = 0 (every unit computes the same thing: symmetry is never broken)
- "gaussian": W ~ N(0, std^2), std = 0.01 by default
- "xavier":   W ~ N(0, 1/fan_in)   (keeps activation variance for tanh-like units)
- "kaiming":  W ~ N(0, 2/fan_in)   (the factor 2 makes up for ReLU zeroing half its inputs)
"""
from __future__ import annotations

import numpy as np

INIT_METHODS = ("zeros", "gaussian", "xavier", "kaiming")


def fan_in(shape) -> int:
    """Number of inputs feeding one output unit of a weight of this shape."""
    if len(shape) < 2:
        raise ValueError(f"A weight needs at least 2 dimensions, got shape {tuple(shape)}")
    return int(np.prod(shape[1:]))


def init_std(shape, method: str, std: float = 0.01) -> float:
    """Standard deviation `initialize` uses for a weight of this shape."""
    if method == "zeros":
        return 0.0
    if method == "gaussian":
        if not std >= 0:
            raise ValueError(f"Invalid init std: {std}")
        return float(std)
    if method == "xavier":
        return float(np.sqrt(1.0 / fan_in(shape)))
    if method == "kaiming":
        return float(np.sqrt(2.0 / fan_in(shape)))
    raise ValueError(f"Unknown init method: {method!r} (choose from {', '.join(INIT_METHODS)})")


def initialize(W: np.ndarray, method: str = "kaiming", std: float = 0.01, rng=None) -> np.ndarray:
    """Fill W in place with the chosen initialization and return it.

    rng: a numpy Generator (or a seed); the same seed gives the same weights.
    """
    scale = init_std(W.shape, method, std)
    if scale == 0.0:
        W[...] = 0
        return W
    rng = np.random.default_rng(rng)
    W[...] = rng.standard_normal(W.shape) * scale
    return W
