"""Contour lines of a grid by marching squares, vectorised (no Python loop over cells).

    segments = contour_segments(Z, xs, ys, levels)   # (2M, 2): M segments, endpoints in pairs

Z: (R, C) values with Z[i, j] at (xs[j], ys[i]); NaN cells draw nothing. Each cell whose
corners straddle a level gets one segment between the two crossed edges (linear
interpolation along each edge); a saddle cell (all four edges crossed) gets two.
Also the colour transform used for wide ranges: ``colour_values``.
"""
from __future__ import annotations

import numpy as np


def _edge_points(Z, xs, ys, level):
    """Crossing points on the 4 edges of every cell: (4, R-1, C-1, 2) points and a (4, R-1, C-1) mask."""
    z00, z01, z10, z11 = Z[:-1, :-1], Z[:-1, 1:], Z[1:, :-1], Z[1:, 1:]
    x0, x1 = xs[:-1][None, :], xs[1:][None, :]
    y0, y1 = ys[:-1][:, None], ys[1:][:, None]
    shape = z00.shape
    pts = np.full((4,) + shape + (2,), np.nan)
    mask = np.zeros((4,) + shape, bool)
    # edges in order: bottom (z00-z01), right (z01-z11), top (z10-z11), left (z00-z10)
    for k, (za, zb, pa, pb) in enumerate((
            (z00, z01, (x0, y0), (x1, y0)), (z01, z11, (x1, y0), (x1, y1)),
            (z10, z11, (x0, y1), (x1, y1)), (z00, z10, (x0, y0), (x0, y1)))):
        crosses = (za > level) != (zb > level)
        crosses &= np.isfinite(za) & np.isfinite(zb)
        with np.errstate(all="ignore"):
            t = np.where(crosses, (level - za) / (zb - za), 0.0)
        pts[k, ..., 0] = pa[0] + t * (pb[0] - pa[0])
        pts[k, ..., 1] = pa[1] + t * (pb[1] - pa[1])
        mask[k] = crosses
    return pts, mask


def contour_segments(Z, xs, ys, levels) -> np.ndarray:
    """Segments of the contour lines at ``levels``: (2M, 2) endpoints, for a 'pairs' line plot."""
    Z = np.asarray(Z, np.float64)
    xs, ys = np.asarray(xs, np.float64), np.asarray(ys, np.float64)
    out = []
    for level in np.atleast_1d(levels):
        pts, mask = _edge_points(Z, xs, ys, float(level))
        count = mask.sum(axis=0)
        two = count == 2
        if two.any():
            order = np.argsort(~mask[:, two], axis=0, kind="stable")[:2]  # the two crossed edges
            p = pts[:, two]  # (4, K, 2)
            k = np.arange(p.shape[1])
            out.append(np.stack([p[order[0], k], p[order[1], k]], axis=1).reshape(-1, 2))
        four = count == 4
        if four.any():
            p = pts[:, four]
            out.append(np.stack([p[0], p[1], p[2], p[3]], axis=1).reshape(-1, 2))
    if not out:
        return np.zeros((0, 2))
    return np.concatenate(out)


def colour_values(Z, log: bool):
    """What the colours show: Z itself, or log10(Z - min + d) where the range is wide.

    d = 1e-3 * (max - min) keeps the minimum finite (about 3 decades below the top).
    Returns (C, label) with C of Z's shape (NaN kept).
    """
    Z = np.asarray(Z, np.float64)
    if not log or not np.isfinite(Z).any():
        return Z, "f"
    lo, hi = np.nanmin(Z), np.nanmax(Z)
    d = 1e-3 * (hi - lo) if hi > lo else 1.0
    return np.log10(Z - lo + d), f"log10(f - {lo:.3g} + {d:.2g})"


def wide_range(Z) -> bool:
    """True when the top of the range is more than 10x the median height above the minimum."""
    finite = np.asarray(Z)[np.isfinite(Z)]
    if finite.size == 0:
        return False
    lo, hi = finite.min(), finite.max()
    spread = np.sort(finite - lo)
    med = spread[len(spread) // 2]
    return bool(hi - lo > 0 and med > 0 and (hi - lo) / med > 10)


def levels_for(C, n: int = 12) -> np.ndarray:
    """n evenly spaced levels strictly inside the finite range of C."""
    finite = np.asarray(C)[np.isfinite(C)]
    if finite.size == 0 or finite.min() == finite.max():
        return np.zeros(0)
    return np.linspace(finite.min(), finite.max(), n + 2)[1:-1]
