"""Numbers for the loss views: a loss as a function of one score, and a dataset's loss as the
mean of per-example losses plus the regularization term.

    sweep = score_sweep(scores, y, j, values)   # softmax and SVM loss as s_j varies, others fixed
    parts = dataset_loss(model, w, n)           # L = (1/N) sum_i L_i + lam R(w) on n examples

Both use the engine's own loss code (worked_examples.softmax_steps / svm_steps, losses.softmax_loss).
"""
from __future__ import annotations

import numpy as np

from visualdl.engine.nn.losses import softmax_loss
from visualdl.engine.optimization.model_surface import ModelSurface
from visualdl.engine.course.worked_examples import softmax_steps, svm_steps


def score_sweep(scores, y: int, j: int, values, margin: float = 1.0) -> dict:
    """scores: (C,); y: true class; j: the class whose score varies over values (K,).

    Returns {"values" (K,), "softmax" (K,), "svm" (K,), "at": {"softmax", "svm"} at the given scores}.
    """
    scores = np.asarray(scores, np.float64)
    if not 0 <= int(j) < scores.size:
        raise ValueError(f"Invalid varied class: {j} (scores have {scores.size} classes)")
    values = np.asarray(values, np.float64)
    soft, hinge = np.empty(len(values)), np.empty(len(values))
    s = scores.copy()
    for k, v in enumerate(values):
        s[j] = v
        soft[k] = softmax_steps(s, y)["loss"]
        hinge[k] = svm_steps(s, y, margin)["loss"]
    return {"values": values, "softmax": soft, "svm": hinge,
            "at": {"softmax": softmax_steps(scores, y)["loss"], "svm": svm_steps(scores, y, margin)["loss"]}}


def dataset_loss(model: ModelSurface, w, n: int | None = None) -> dict:
    """The loss of the 2-weight model on its first n examples, term by term.

    Returns {"per_example" (n,) L_i, "labels" (n,), "data_loss" = mean L_i (the engine's
    softmax_loss on those n), "reg_loss" = lam R(w), "total", "n"}.
    """
    n = model.n if n is None else int(n)
    if not 1 <= n <= model.n:
        raise ValueError(f"Invalid number of examples: {n} (1 to {model.n})")
    w = np.asarray(w, np.float64)
    idx = np.arange(n)
    per = model.per_example_loss(w, idx)
    z = model.X[idx] @ w
    data, _ = softmax_loss(np.stack([np.zeros_like(z), z], axis=1), model.y[idx])
    _, reg = model.loss_parts(w)
    return {"per_example": per, "labels": model.y[idx].copy(), "data_loss": float(data), "reg_loss": reg,
            "total": float(data) + reg, "n": n}
