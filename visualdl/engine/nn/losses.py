"""Classification losses: data loss averaged over the batch, and its gradient.

scores: (N, C) class scores; y: (N,) integer labels in [0, C)
returns (loss, dscores) with loss a Python float and dscores (N, C).
Both are stable for scores in the thousands (no exp of a large number).
"""
from __future__ import annotations

import numpy as np


def _check(scores, y):
    scores = np.asarray(scores)
    y = np.asarray(y)
    if scores.ndim != 2:
        raise ValueError(f"scores must be (N, C), got shape {scores.shape}")
    if y.shape != (scores.shape[0],):
        raise ValueError(f"labels must be ({scores.shape[0]},) to match scores {scores.shape}, got {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= scores.shape[1]):
        bad = y[(y < 0) | (y >= scores.shape[1])][0]
        raise ValueError(f"Invalid label {bad}: must be in [0, {scores.shape[1]})")
    if not np.issubdtype(scores.dtype, np.floating):
        scores = scores.astype(np.float64)
    return scores, y.astype(np.intp, copy=False)


def softmax_loss(scores, y):
    """Cross-entropy of the softmax: L_i = -log(exp(s_y) / sum_j exp(s_j)).

    Shifting each row by its maximum leaves the probabilities unchanged and
    keeps every exponent <= 0, so nothing overflows.
    dL/ds_j = (p_j - [j == y]) / N.
    """
    scores, y = _check(scores, y)
    N = scores.shape[0]
    rows = np.arange(N)
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    sums = exp.sum(axis=1, keepdims=True)
    log_probs_y = shifted[rows, y] - np.log(sums[:, 0])
    loss = -float(np.mean(log_probs_y, dtype=np.float64))
    dscores = exp / sums
    dscores[rows, y] -= 1
    dscores /= N
    return loss, dscores


def svm_loss(scores, y, margin=1.0):
    """Multiclass hinge (SVM) loss: L_i = sum_{j != y} max(0, s_j - s_y + margin).

    dL/ds_j = [margin_j > 0] / N for j != y; dL/ds_y = -(number of positive margins) / N.
    At a margin of exactly 0 the hinge has a kink; the gradient there is taken as 0.
    """
    scores, y = _check(scores, y)
    N = scores.shape[0]
    rows = np.arange(N)
    margins = scores - scores[rows, y][:, None] + scores.dtype.type(margin)
    np.maximum(margins, 0, out=margins)
    margins[rows, y] = 0
    loss = float(margins.sum(dtype=np.float64)) / N
    dscores = (margins > 0).astype(scores.dtype)
    dscores[rows, y] = -dscores.sum(axis=1)
    dscores /= N
    return loss, dscores


LOSSES = {"softmax": softmax_loss, "svm": svm_loss}
