"""Everything the playground draws, computed from the weights alone (no Qt, no training state).

    compute_views(params, activation, fmap, grid, X_train, y_train, X_val, y_val) -> dict
        "pred", "conf"   (H, W) predicted class and its softmax probability at every grid cell
        "neurons"        per hidden layer: (units, H, W) activation of each unit over the plane
                         (None for a layer wider than max_pictured)
        "inputs"         (F, H, W) the standardised input features over the plane
        "dead"           per hidden layer: (units,) bool, ReLU units never active on the training points
        "hidden"         the last hidden layer's activations {"train": (N, k), "val": (M, k)}
                         when it has 2 or 3 units, else None
        "hidden_map"     k == 2 only: the final layer's regions and decision lines in that plane
        "metrics"        train/val data loss (softmax) and accuracy
        "layers"         [(W, b)] copies, for the network diagram
    dead_units(pre) -> (units,) bool
    boundary_lines(W, b, bounds) -> [(i, j, xs, ys)], NaN where the pair (i, j) is not the top two

Grid cells follow visualdl.engine.classical.regions.Grid: cell (row, col) is at (xs[col], ys[row]).
"""
from __future__ import annotations

import numpy as np

from visualdl.engine.nn.losses import softmax_loss
from visualdl.engine.playground.features import FeatureMap
from visualdl.engine.playground.network import forward, forward_columns, linear_layers
from visualdl.engine.classical.regions import make_grid

MAX_PICTURED = 16  # units per layer drawn as pictures
HIDDEN_GRID = 80  # cells per side of the hidden-space region map


def softmax(scores: np.ndarray) -> np.ndarray:
    """(N, C) -> (N, C) probabilities, stable for large scores."""
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def dead_units(pre: np.ndarray) -> np.ndarray:
    """pre: (N, units) pre-activations on the data -> (units,) True where a ReLU never fires (all <= 0)."""
    pre = np.asarray(pre)
    if pre.shape[0] == 0:
        return np.zeros(pre.shape[1], bool)
    return np.all(pre <= 0, axis=0)


def _metrics(layers, activation, x, y) -> tuple[float, float]:
    if len(y) == 0:
        return float("nan"), float("nan")
    scores = forward(layers, x, activation)[2].astype(np.float64)
    loss, _ = softmax_loss(scores, y)
    return float(loss), float(np.mean(np.argmax(scores, axis=1) == y))


def boundary_lines(W, b, bounds, n: int = 400) -> list:
    """The final linear layer's decision lines in a 2D hidden space.

    W: (C, 2), b: (C,); bounds (xmin, xmax, ymin, ymax). For each class pair (i, j) the line
    (W_i - W_j)·h + b_i - b_j = 0, sampled at n points across the box; points where i and j are
    not the two best classes (so the line is no border there) are NaN.
    Returns [(i, j, xs, ys)] for the pairs whose line crosses the box somewhere as a border.
    """
    W = np.asarray(W, np.float64)
    b = np.asarray(b, np.float64)
    xmin, xmax, ymin, ymax = bounds
    out = []
    C = W.shape[0]
    for i in range(C):
        for j in range(i + 1, C):
            a = W[i] - W[j]
            c = b[i] - b[j]
            if abs(a[1]) >= abs(a[0]):
                if a[1] == 0:
                    continue
                xs = np.linspace(xmin, xmax, n)
                ys = -(c + a[0] * xs) / a[1]
            else:
                ys = np.linspace(ymin, ymax, n)
                xs = -(c + a[1] * ys) / a[0]
            h = np.stack([xs, ys], axis=1)
            s = h @ W.T + b
            top = np.max(s, axis=1)
            tol = 1e-9 * (1 + np.abs(top))
            ok = (s[:, i] >= top - tol) & (s[:, j] >= top - tol)
            ok &= (xs >= xmin) & (xs <= xmax) & (ys >= ymin) & (ys <= ymax)
            if ok.any():
                out.append((i, j, np.where(ok, xs, np.nan), np.where(ok, ys, np.nan)))
    return out


def _box(points: np.ndarray, margin: float = 0.1) -> tuple[float, float, float, float]:
    lo, hi = points.min(axis=0), points.max(axis=0)
    span = np.maximum(hi - lo, 1e-3)
    lo, hi = lo - margin * span, hi + margin * span
    return (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))


def hidden_map(W, b, H_points: np.ndarray, resolution: int = HIDDEN_GRID) -> dict:
    """For 2 hidden units: the final layer's class regions over the box around the points H (N, 2).

    Returns {"bounds", "pred" (res, res), "conf" (res, res), "lines": boundary_lines(...)}.
    """
    bounds = _box(H_points)
    grid = make_grid(None, resolution=resolution, bounds=bounds)
    p = softmax(grid.points.astype(np.float64) @ np.asarray(W, np.float64).T + b)
    return {"bounds": grid.bounds, "pred": p.argmax(1).reshape(grid.shape),
            "conf": p.max(1).reshape(grid.shape).astype(np.float32), "lines": boundary_lines(W, b, grid.bounds)}


def compute_views(params: dict, activation: str, fmap: FeatureMap, grid, X_train, y_train, X_val, y_val,
                  max_pictured: int = MAX_PICTURED) -> dict:
    """The lab's snapshot (see the module docstring). params: Trainer.params-like dict (not modified)."""
    layers = [(np.array(W, np.float32), np.array(b, np.float32)) for W, b in linear_layers(params)]
    x_grid = np.ascontiguousarray(fmap.transform(grid.points).T)  # (F, H*W): points as columns
    hw = grid.shape
    post, scores = forward_columns(layers, x_grid, activation)
    e = np.exp(scores - scores.max(axis=0))
    prob = e / e.sum(axis=0)
    out = {
        "pred": prob.argmax(axis=0).reshape(hw),
        "conf": prob.max(axis=0).reshape(hw).astype(np.float32),
        "inputs": x_grid.reshape(len(fmap), *hw),
        "neurons": [h.reshape(h.shape[0], *hw) if h.shape[0] <= max_pictured else None for h in post],
        "layers": layers,
    }
    x_tr, x_va = fmap.transform(X_train), fmap.transform(X_val)
    pre_tr, post_tr, _ = forward(layers, x_tr, activation)
    out["dead"] = [dead_units(z) if activation == "relu" else np.zeros(z.shape[1], bool) for z in pre_tr]
    out["hidden"] = None
    out["hidden_map"] = None
    if post_tr and post_tr[-1].shape[1] in (2, 3):
        h_va = forward(layers, x_va, activation)[1][-1]
        out["hidden"] = {"train": post_tr[-1], "val": h_va}
        both = np.concatenate([post_tr[-1], h_va]) if len(h_va) else post_tr[-1]
        if both.shape[1] == 2 and len(both):
            out["hidden_map"] = hidden_map(*layers[-1], both)
    tl, ta = _metrics(layers, activation, x_tr, y_train)
    vl, va = _metrics(layers, activation, x_va, y_val)
    out["metrics"] = {"train_loss": tl, "train_acc": ta, "val_loss": vl, "val_acc": va}
    return out
