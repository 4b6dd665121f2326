"""Curve smoothing for loss plots (pure NumPy, no Qt).

The debiased exponential moving average TensorBoard uses for its "smoothing" slider:

    avg_t      = s * avg_{t-1} + (1 - s) * v_t          (avg_0 = 0)
    smoothed_t = avg_t / (1 - s**n_t)                   (n_t = finite values seen so far)

Dividing by (1 - s**n) removes the pull towards the initial 0, so the first point equals v_1
instead of (1 - s) * v_1. Non-finite values (a diverged loss) give NaN and leave the
average untouched, so one bad step does not poison the rest of the curve.
"""
from __future__ import annotations

import math

import numpy as np


def debiased_ema(values, smoothing: float = 0.6, state: tuple[float, int] | None = None):
    """Debiased EMA of a series, optionally continuing a previous call.

    values: (N,) numbers; smoothing: s in [0, 1) (0 = no smoothing);
    state: (avg, n) returned by the previous call on the earlier part of the series.
    Returns (smoothed (N,) float64, state) so new points cost O(new), not O(all).
    """
    s = float(smoothing)
    if not (0.0 <= s < 1.0):
        raise ValueError(f"Invalid smoothing: {smoothing} (must be in [0, 1))")
    v = np.asarray(values, dtype=np.float64).ravel()
    avg, n = state if state is not None else (0.0, 0)
    out = np.empty_like(v)
    for i, x in enumerate(v.tolist()):
        if math.isfinite(x):
            avg = s * avg + (1.0 - s) * x
            n += 1
            out[i] = avg / (1.0 - s ** n)
        else:
            out[i] = math.nan
    return out, (avg, n)
