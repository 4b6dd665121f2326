"""The course's small worked examples, computed step by step so a view can show every number.

Three examples from the linear-classifier lecture:
    - a 4-pixel image scored by a 3-class linear classifier (cat, dog, ship);
    - the softmax calculator: scores -> exp -> probabilities -> loss;
    - the multiclass SVM (hinge) loss: scores -> margins -> loss.

The course's softmax figure shows scores cat 3.2, car 5.1, frog -1.7 with cat the
true class, exps 24.5, 164.0, 0.18 and probabilities 0.13, 0.87, 0.00. Exactly:
p = 0.12998, 0.86905, 0.00097 (the frog's 0.00 is 0.00097, not zero) and the loss
is -ln(0.12998) = 2.04. Some editions of the slide print 0.89, which is
-log10(0.13): the softmax loss uses the natural log, so 2.04 is the right value.
"""
from __future__ import annotations

import numpy as np

from visualdl.engine.nn.losses import softmax_terms, svm_margins

# --- the 4-pixel image (lecture 2/3 figure "an image with 4 pixels and 3 classes") ---
PIXEL_EXAMPLE_X = np.array([56.0, 231.0, 24.0, 2.0])
PIXEL_EXAMPLE_W = np.array([
    [0.2, -0.5, 0.1, 2.0],
    [1.5, 1.3, 2.1, 0.0],
    [0.0, 0.25, 0.2, -0.3],
])
PIXEL_EXAMPLE_B = np.array([1.1, 3.2, -1.2])
PIXEL_EXAMPLE_CLASSES = ["cat", "dog", "ship"]

# --- the softmax / SVM figures: three training images, scores for cat, car, frog ---
LOSS_EXAMPLE_CLASSES = ["cat", "car", "frog"]
LOSS_EXAMPLE_SCORES = np.array([
    [3.2, 5.1, -1.7],   # a cat image
    [1.3, 4.9, 2.0],    # a car image
    [2.2, 2.5, -3.1],   # a frog image
])
LOSS_EXAMPLE_LABELS = np.array([0, 1, 2])


def linear_scores(x, W, b):
    """Scores of one flattened image under a linear classifier.

    x: (D,) pixel values; W: (C, D) one row per class; b: (C,).
    Returns (C,) float64 scores W x + b.
    """
    x = np.asarray(x, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if W.ndim != 2 or x.shape != (W.shape[1],) or b.shape != (W.shape[0],):
        raise ValueError(f"Shapes do not fit: x {x.shape}, W {W.shape}, b {b.shape} (need x (D,), W (C, D), b (C,))")
    return W @ x + b


def linear_score_terms(x, W, b):
    """Each product behind each score, for showing the sum written out.

    Returns (C, D) array terms[c, d] = W[c, d] * x[d]; scores = terms.sum(1) + b.
    """
    x = np.asarray(x, dtype=np.float64)
    return np.asarray(W, dtype=np.float64) * x[None, :]


def _check_scores(scores, y):
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 1 or scores.size < 2:
        raise ValueError(f"Need a 1-D list of at least 2 class scores, got shape {scores.shape}")
    if not np.all(np.isfinite(scores)):
        raise ValueError(f"Scores must be finite numbers, got {scores.tolist()}")
    if not 0 <= int(y) < scores.size:
        raise ValueError(f"Invalid true class: {y} (scores have {scores.size} classes)")
    return scores, int(y)


def softmax_steps(scores, y):
    """The softmax calculator, one image.

    scores: (C,) unnormalized log-probabilities; y: index of the true class.
    Returns dict:
        scores (C,), exp (C,) e^score (inf where it overflows; then use the
        shifted form), shifted (C,) scores - max, exp_shifted (C,),
        probs (C,) normalized, log_probs (C,) ln probs by the stable log-softmax
        (finite even where probs underflows to 0), loss = -ln probs[y] (computed
        with log-sum-exp, so exact even when probs[y] underflows to 0; +0.0, never
        -0.0, when probs[y] is 1), y.
    """
    scores, y = _check_scores(scores, y)
    t = softmax_terms(scores[None], [y])  # the engine's one softmax, on a batch of one
    with np.errstate(over="ignore"):
        exp = np.exp(scores)
    return {"scores": scores, "exp": exp, "shifted": t.shifted[0], "exp_shifted": t.exp_shifted[0],
            "probs": t.probs[0], "log_probs": t.log_probs[0], "loss": float(t.losses[0]), "y": y}


def svm_steps(scores, y, margin=1.0):
    """The multiclass SVM (hinge) loss, one image.

    scores: (C,); y: true class; margin: the Delta in max(0, s_j - s_y + Delta).
    Returns dict: scores (C,), margins (C,) with margins[y] = 0, loss = margins.sum(), y.
    """
    scores, y = _check_scores(scores, y)
    margins = svm_margins(scores[None], [y], float(margin))[0]  # the engine's one hinge, batch of one
    return {"scores": scores, "margins": margins, "loss": float(margins.sum()), "y": y}
