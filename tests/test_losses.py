"""Losses: hand-computed values, stability for huge scores, numerical gradients."""
from __future__ import annotations

import math

import numpy as np
import pytest

from visualdl.engine.gradcheck import numerical_gradient, rel_error
from visualdl.engine.losses import softmax_loss, svm_loss

SCORES = np.array([[3.2, 5.1, -1.7]])  # the CS231n lecture's cat image, true class 0


def test_svm_lecture_example():
    # max(0, 5.1 - 3.2 + 1) + max(0, -1.7 - 3.2 + 1) = 2.9 + 0
    loss, dscores = svm_loss(SCORES, np.array([0]))
    assert loss == pytest.approx(2.9)
    np.testing.assert_allclose(dscores, [[-1.0, 1.0, 0.0]])


def test_svm_lecture_batch_of_three():
    # cat 2.9, car 0, frog 12.9: mean 5.27
    scores = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
    loss, _ = svm_loss(scores, np.array([0, 1, 2]))
    assert loss == pytest.approx((2.9 + 0 + 12.9) / 3)


def test_softmax_lecture_example():
    loss, dscores = softmax_loss(SCORES, np.array([0]))
    assert round(loss, 2) == 2.04
    e = np.exp(SCORES[0])
    assert loss == pytest.approx(-math.log(e[0] / e.sum()))
    np.testing.assert_allclose(dscores[0], e / e.sum() - [1, 0, 0])


def test_softmax_of_equal_scores_is_log_c():
    loss, _ = softmax_loss(np.zeros((4, 10)), np.arange(4))
    assert loss == pytest.approx(math.log(10))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_for_scores_in_the_thousands(dtype):
    scores = np.array([[1000.0, 2000.0, 3000.0], [-3000.0, 0.0, 2500.0]], dtype)
    y = np.array([0, 2])
    loss, d = softmax_loss(scores, y)
    assert np.isfinite(loss) and np.all(np.isfinite(d))
    assert loss == pytest.approx((2000.0 + 0.0) / 2, rel=1e-6)  # -log p = 3000-1000 for row 0; ~0 for row 1
    loss, d = svm_loss(scores, y)
    assert loss == pytest.approx((1001 + 2001 + 0) / 2, rel=1e-6)
    assert np.all(np.isfinite(d))


def test_svm_margin_parameter():
    loss, _ = svm_loss(SCORES, np.array([0]), margin=0.0)
    assert loss == pytest.approx(1.9)


@pytest.mark.parametrize("loss_fn", [softmax_loss, svm_loss])
def test_gradient_matches_numerical(loss_fn):
    rng = np.random.default_rng(0)
    scores = rng.standard_normal((6, 5)) * 2
    y = rng.integers(0, 5, 6)
    if loss_fn is svm_loss:  # keep every margin at least 0.05 away from the hinge's kink at 0
        margins = scores - scores[np.arange(6), y][:, None] + 1
        near = np.abs(margins) < 0.05
        near[np.arange(6), y] = False
        scores[near] += 0.2
    _, dscores = loss_fn(scores, y)
    num = numerical_gradient(lambda s: loss_fn(s, y)[0], scores)
    assert rel_error(dscores, num) < 1e-7


def test_bad_labels_are_named():
    with pytest.raises(ValueError, match="Invalid label 3"):
        softmax_loss(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="labels"):
        svm_loss(np.zeros((2, 3)), np.array([0]))


def test_per_example_losses_average_to_the_batch_loss():
    from visualdl.engine.losses import softmax_losses, svm_losses

    rng = np.random.default_rng(3)
    scores = rng.normal(size=(7, 4)) * 3
    y = rng.integers(0, 4, 7)
    p = np.exp(scores) / np.exp(scores).sum(1, keepdims=True)  # naive softmax: fine at these sizes
    np.testing.assert_allclose(softmax_losses(scores, y), -np.log(p[np.arange(7), y]), rtol=1e-9)
    assert softmax_losses(scores, y).mean() == pytest.approx(softmax_loss(scores, y)[0], rel=1e-12)
    hinge = [sum(max(0.0, s[j] - s[t] + 1.5) for j in range(4) if j != t) for s, t in zip(scores, y)]
    np.testing.assert_allclose(svm_losses(scores, y, 1.5), hinge, rtol=1e-12)
    assert svm_losses(scores, y, 1.5).mean() == pytest.approx(svm_loss(scores, y, 1.5)[0], rel=1e-12)


def test_per_example_softmax_is_finite_where_the_probability_underflows():
    from visualdl.engine.losses import softmax_losses, softmax_terms

    scores = np.array([[0.0, 1005.0, -3.0], [2.0, 1.0, 0.0]])
    t = softmax_terms(scores, [0, 0])
    assert t.probs[0, 0] == 0.0  # e^-1005 underflows...
    losses = softmax_losses(scores, [0, 0])
    assert losses[0] == pytest.approx(1005.0, rel=1e-12)  # ...but -log p is exactly 1005, not inf
    assert losses[1] == pytest.approx(-math.log(math.exp(2) / (math.exp(2) + math.exp(1) + 1)), rel=1e-12)


def test_losses_are_looked_up_by_name():
    from visualdl.engine.losses import LOSSES, PER_EXAMPLE, loss_function, per_example_loss

    assert loss_function("svm") is svm_loss and loss_function("softmax") is softmax_loss
    assert set(LOSSES) == set(PER_EXAMPLE) == {"softmax", "svm"}
    for bad in (loss_function, per_example_loss):
        with pytest.raises(ValueError, match="Invalid loss: 'hinge' \\(choose from softmax, svm\\)"):
            bad("hinge")


def test_softmax_terms_give_stable_log_probs_and_no_negative_zero():
    from visualdl.engine.losses import softmax_losses, softmax_terms

    t = softmax_terms([[1000.0, -1000.0, -1000.0], [0.0, 0.0, 0.0]], [0, 1])
    np.testing.assert_array_equal(t.log_probs[0], [0.0, -2000.0, -2000.0])  # p = 0.0 there, log p is not -inf
    np.testing.assert_allclose(t.log_probs[1], -math.log(3.0), rtol=1e-15)
    losses = softmax_losses([[1000.0, -1000.0, -1000.0]], [0])
    assert losses[0] == 0.0 and str(float(losses[0])) == "0.0"  # a certain, right answer costs +0.0
    np.testing.assert_allclose(-t.log_probs[[0, 1], [0, 1]], t.losses)
