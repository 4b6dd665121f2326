"""Classification losses: THE one copy of the softmax and SVM formulas in the engine.

scores: (N, C) class scores; y: (N,) integer labels in [0, C)

    softmax_loss(scores, y) / svm_loss(scores, y, margin=1.0)
        -> (loss, dscores): loss a Python float, the mean over the batch; dscores (N, C)
    softmax_losses(scores, y) / svm_losses(scores, y, margin=1.0)
        -> (N,) each example's own loss; their mean is the batch loss above
    softmax_terms(scores, y) -> SoftmaxTerms(shifted, exp_shifted, probs, log_probs, losses),
        the intermediate numbers a worked example shows
    svm_margins(scores, y, margin=1.0) -> (N, C) max(0, s_j - s_y + margin), 0 at j = y
    LOSSES / PER_EXAMPLE: name -> function; loss_function(name), per_example_loss(name)
        look a name up and name the valid ones when it is unknown.

Everything is stable for scores in the thousands: the softmax is computed from
scores shifted by their row maximum (no exp of a large number) and its loss as
log-sum-exp minus the true score, so an example whose probability underflows to
0 still gets its true, finite loss (1005, say), never -log(0) = inf.
"""
from __future__ import annotations

from typing import NamedTuple

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


class SoftmaxTerms(NamedTuple):
    shifted: np.ndarray      # (N, C) scores - row max: same probabilities, every exponent <= 0
    exp_shifted: np.ndarray  # (N, C) e^shifted
    probs: np.ndarray        # (N, C) softmax probabilities, rows sum to 1
    log_probs: np.ndarray    # (N, C) log p = shifted - log(sum_j e^shifted_j): finite where p underflows
    losses: np.ndarray       # (N,) -log p_y = log(sum_j e^shifted_j) - shifted_y (+0.0, never -0.0)


def softmax_terms(scores, y) -> SoftmaxTerms:
    """The softmax step by step (see SoftmaxTerms); dtype follows scores (float64 for ints)."""
    scores, y = _check(scores, y)
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp_shifted = np.exp(shifted)
    sums = exp_shifted.sum(axis=1)
    log_sums = np.log(sums)
    losses = log_sums - shifted[np.arange(len(y)), y]  # written so, p_y = 1 gives 0.0 - 0.0 = +0.0
    return SoftmaxTerms(shifted, exp_shifted, exp_shifted / sums[:, None], shifted - log_sums[:, None], losses)


def softmax_losses(scores, y) -> np.ndarray:
    """(N,) per-example cross-entropy -log p_y, finite even where p_y underflows to 0."""
    return softmax_terms(scores, y).losses


def softmax_loss(scores, y):
    """Cross-entropy of the softmax: L_i = -log(exp(s_y) / sum_j exp(s_j)), averaged.

    Shifting each row by its maximum leaves the probabilities unchanged and
    keeps every exponent <= 0, so nothing overflows.
    dL/ds_j = (p_j - [j == y]) / N.
    """
    t = softmax_terms(scores, y)
    N = len(t.losses)
    loss = float(np.mean(t.losses, dtype=np.float64))
    dscores = t.probs
    dscores[np.arange(N), np.asarray(y, dtype=np.intp)] -= 1
    dscores /= N
    return loss, dscores


def svm_margins(scores, y, margin=1.0) -> np.ndarray:
    """(N, C) hinge terms max(0, s_j - s_y + margin), with 0 for the true class j = y."""
    scores, y = _check(scores, y)
    rows = np.arange(len(y))
    margins = scores - scores[rows, y][:, None] + scores.dtype.type(margin)
    np.maximum(margins, 0, out=margins)
    margins[rows, y] = 0
    return margins


def svm_losses(scores, y, margin=1.0) -> np.ndarray:
    """(N,) per-example multiclass hinge loss sum_{j != y} max(0, s_j - s_y + margin)."""
    return svm_margins(scores, y, margin).sum(axis=1)


def svm_loss(scores, y, margin=1.0):
    """Multiclass hinge (SVM) loss: L_i = sum_{j != y} max(0, s_j - s_y + margin), averaged.

    dL/ds_j = [margin_j > 0] / N for j != y; dL/ds_y = -(number of positive margins) / N.
    At a margin of exactly 0 the hinge has a kink; the gradient there is taken as 0.
    """
    margins = svm_margins(scores, y, margin)
    N = margins.shape[0]
    loss = float(margins.sum(dtype=np.float64)) / N
    dscores = (margins > 0).astype(margins.dtype)
    dscores[np.arange(N), np.asarray(y, dtype=np.intp)] = -dscores.sum(axis=1)
    dscores /= N
    return loss, dscores


LOSSES = {"softmax": softmax_loss, "svm": svm_loss}
PER_EXAMPLE = {"softmax": softmax_losses, "svm": svm_losses}


def _lookup(table: dict, name: str):
    if name not in table:
        raise ValueError(f"Invalid loss: {name!r} (choose from {', '.join(table)})")
    return table[name]


def loss_function(name: str):
    """LOSSES[name]: (scores, y) -> (loss, dscores). Unknown names raise ValueError naming the valid ones."""
    return _lookup(LOSSES, name)


def per_example_loss(name: str):
    """PER_EXAMPLE[name]: (scores, y) -> (N,) losses. Unknown names raise ValueError naming the valid ones."""
    return _lookup(PER_EXAMPLE, name)
