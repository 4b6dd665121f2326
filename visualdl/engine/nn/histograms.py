"""Histogram binning for the experiments and the live per-layer histograms of a training run.

    histogram(x, bins=40, value_range=None) -> (edges (bins+1,), counts (bins,) int64)
    sample_values(a, limit) -> at most `limit` values of a, taken at an even stride (deterministic)
    layer_histograms(acts, grads, params, bins) -> per-layer {"act", "grad", "weight"} histograms
"""
from __future__ import annotations

import numpy as np

SAMPLE_LIMIT = 16384  # values per histogram of a live snapshot (an even sample beyond that; 30 bins)


def histogram(x, bins: int = 40, value_range=None):
    """x: any array -> (edges (bins+1,) float64, counts (bins,) int64) over its finite values.

    value_range: (lo, hi) or None for (min, max) of x; a constant x gets a unit-wide range around it.
    Values outside value_range are clipped into the end bins, so counts.sum() equals the number of
    finite values (the data size when x is finite). NaN/inf are left out.
    """
    bins = int(bins)
    if bins < 1:
        raise ValueError(f"histogram needs at least 1 bin, got {bins}")
    flat = np.asarray(x).ravel(order="K")
    if flat.dtype not in (np.float32, np.float64):
        flat = flat.astype(np.float64)
    finite = np.isfinite(flat)
    if not finite.all():
        flat = flat[finite]
    if value_range is None:
        lo, hi = (float(flat.min()), float(flat.max())) if flat.size else (0.0, 1.0)
    else:
        lo, hi = float(value_range[0]), float(value_range[1])
        if not hi >= lo:
            raise ValueError(f"histogram range must have lo <= hi, got ({lo}, {hi})")
    if hi - lo <= 1e-12 * max(1.0, abs(lo)):
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    # bin index in the data's own precision (float32 stays float32: 2x faster); clipped into range
    scaled = (flat - flat.dtype.type(lo)) * flat.dtype.type(bins / (hi - lo))
    np.clip(scaled, 0, bins - 1, out=scaled)
    counts = np.bincount(scaled.astype(np.intp), minlength=bins)[:bins].astype(np.int64)
    return edges, counts


def sample_values(a, limit: int = SAMPLE_LIMIT) -> np.ndarray:
    """At most about `limit` values of `a`: all of it when small, else whole slices a[i] at an even
    stride along the first axis (examples of a batch, rows of a weight), so only the sample is copied.

    A single slice larger than `limit` is itself sampled at an even stride."""
    a = np.asarray(a)
    if a.size <= limit:
        return a.ravel(order="K")
    if a.ndim == 1 or a[0].size > limit:
        flat = a.ravel(order="K")
        return flat[::-(-flat.size // limit)]
    per = a.size // a.shape[0]
    step = -(-a.shape[0] // max(1, limit // per))
    return a[::step].ravel()


def layer_histograms(acts, grads, params: dict, bins: int = 30, limit: int = SAMPLE_LIMIT) -> list[dict]:
    """Per layer i: {"act": (edges, counts) of layer i's output, "grad": of d loss / d output,
    "weight": of its weight "i.W" (None when absent)}; large arrays are sampled (sample_values).

    acts, grads: lists (one array or None per layer, as Sequential.activations / output_grads);
    params: {"i.W": array, ...} as Sequential.named_params().
    """
    acts = list(acts or [])
    grads = list(grads or [])
    n = max(len(acts), len(grads), 1 + max((int(k.split(".")[0]) for k in params), default=-1))
    out = []
    for i in range(n):
        row = {}
        for key, arr in (("act", acts[i] if i < len(acts) else None), ("grad", grads[i] if i < len(grads) else None),
                         ("weight", params.get(f"{i}.W"))):
            row[key] = None if arr is None else histogram(sample_values(arr, limit), bins)
        out.append(row)
    return out
