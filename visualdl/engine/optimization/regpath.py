"""Where the regularized minimum of the 2-weight model sits, and its path as lambda grows.

    w = regularized_minimum(model, "l1", lam)        # (2,) argmin of data loss + lam R(w)
    lams, W = regularization_path(model, "l1", lams)  # W: (len(lams), 2), one minimum per lambda

Method: proximal gradient descent (ISTA), which reaches EXACT zeros for L1:
    v = w - t * grad(data loss + the smooth L2 part)(w)         t = 1 / L, L bounds the curvature
    w = prox(v): L1 soft-thresholding  w_j = sign(v_j) max(|v_j| - t lam, 0)
A weight whose |v_j| <= t lam becomes exactly 0.0, which plain (sub)gradient descent with
sign(w) never does (it jitters around 0). Max-norm is projected gradient descent: after each
step w is scaled back into the disc |w| <= c (prox of the constraint). Iterates until the
update is below ``tol`` (or ``max_iter``); each lambda starts from the previous minimum.
"""
from __future__ import annotations

import numpy as np

from visualdl.engine.optimization.model_surface import ModelSurface


def soft_threshold(v, a):
    """sign(v) max(|v| - a, 0), element-wise: the prox of a |.|_1. Exact zeros where |v| <= a."""
    v = np.asarray(v, np.float64)
    return np.sign(v) * np.maximum(np.abs(v) - a, 0.0)


def project_max_norm(w, c: float | None):
    """w scaled into the disc |w| <= c (unchanged when inside, or when c is None)."""
    w = np.asarray(w, np.float64)
    if c is None:
        return w
    norm = float(np.hypot(*w))
    return w * (c / norm) if norm > c else w


def regularized_minimum(model: ModelSurface, kind: str, lam: float, w0=None, max_norm: float | None = None,
                        tol: float = 1e-10, max_iter: int = 20000) -> np.ndarray:
    """argmin_w data_loss(w) + lam R(w) (R as in ``model_surface``), optionally with |w| <= max_norm."""
    if kind not in ("none", "l2", "l1", "elastic"):
        raise ValueError(f"Unknown regularization: {kind!r}")
    if not (np.isfinite(lam) and lam >= 0):
        raise ValueError(f"Invalid regularization strength: {lam}")
    l2 = lam if kind in ("l2", "elastic") else 0.0
    l1 = lam if kind in ("l1", "elastic") else 0.0
    t = 1.0 / (model.lipschitz() + l2)
    w = np.zeros(2) if w0 is None else np.array(w0, np.float64)
    w = project_max_norm(w, max_norm)
    for _ in range(max_iter):
        v = w - t * (model.data_grad(w) + l2 * w)
        new = project_max_norm(soft_threshold(v, t * l1), max_norm)
        if np.max(np.abs(new - w)) < tol:
            return new
        w = new
    return w


def regularization_path(model: ModelSurface, kind: str, lams, max_norm: float | None = None, w0=None,
                        tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Minima for each lambda in increasing order, warm-started: (lams (K,), W (K, 2))."""
    lams = np.sort(np.asarray(lams, np.float64))
    W = np.empty((len(lams), 2))
    w = w0
    for k, lam in enumerate(lams):
        w = regularized_minimum(model, kind, float(lam), w, max_norm, tol)
        W[k] = w
    return lams, W


def default_lambdas(n: int = 41, low: float = 1e-3, high: float = 3.0) -> np.ndarray:
    """0 followed by n-1 log-spaced values from low to high (the slider's stops)."""
    return np.concatenate([[0.0], np.geomspace(low, high, n - 1)])
