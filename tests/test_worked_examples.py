"""The course's worked examples, checked against hand calculation."""
from __future__ import annotations

import math

import numpy as np
import pytest

from visualdl.engine import worked_examples as we


def test_four_pixel_example_gives_the_course_scores():
    scores = we.linear_scores(we.PIXEL_EXAMPLE_X, we.PIXEL_EXAMPLE_W, we.PIXEL_EXAMPLE_B)
    # by hand: cat 11.2 - 115.5 + 2.4 + 4.0 + 1.1; dog 84 + 300.3 + 50.4 + 0 + 3.2; ship 0 + 57.75 + 4.8 - 0.6 - 1.2
    np.testing.assert_allclose(scores, [-96.8, 437.9, 60.75], atol=1e-9)
    terms = we.linear_score_terms(we.PIXEL_EXAMPLE_X, we.PIXEL_EXAMPLE_W, we.PIXEL_EXAMPLE_B)
    np.testing.assert_allclose(terms[0], [11.2, -115.5, 2.4, 4.0])
    np.testing.assert_allclose(terms.sum(1) + we.PIXEL_EXAMPLE_B, scores)


def test_linear_scores_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="Shapes"):
        we.linear_scores([1, 2, 3], we.PIXEL_EXAMPLE_W, we.PIXEL_EXAMPLE_B)


def test_softmax_calculator_matches_the_course_figure():
    out = we.softmax_steps([3.2, 5.1, -1.7], y=0)
    np.testing.assert_allclose(out["exp"], [24.5325302, 164.0219073, 0.18268352], rtol=1e-7)  # figure: 24.5, 164.0, 0.18
    assert [f"{p:.2f}" for p in out["probs"]] == ["0.13", "0.87", "0.00"]
    assert out["probs"][2] == pytest.approx(0.00096793, rel=1e-4)  # "0.00" is not zero
    assert out["loss"] == pytest.approx(-math.log(0.12998254), rel=1e-7)
    assert f"{out['loss']:.2f}" == "2.04"
    assert out["probs"].sum() == pytest.approx(1.0)


def test_softmax_calculator_is_stable_for_huge_scores():
    out = we.softmax_steps([1000.0, 0.0, -1000.0], y=1)
    assert np.isinf(out["exp"][0])  # e^1000 overflows: the view then shows the shifted form
    np.testing.assert_allclose(out["probs"], [1.0, 0.0, 0.0], atol=1e-300)
    assert out["loss"] == pytest.approx(1000.0)


def test_svm_steps_match_the_course_figure():
    losses = []
    for scores, y in zip(we.LOSS_EXAMPLE_SCORES, we.LOSS_EXAMPLE_LABELS):
        losses.append(we.svm_steps(scores, y)["loss"])
    # course: cat image max(0, 5.1-3.2+1) + max(0, -1.7-3.2+1) = 2.9; car 0; frog 6.3 + 6.6 = 12.9
    np.testing.assert_allclose(losses, [2.9, 0.0, 12.9], atol=1e-12)
    assert np.mean(losses) == pytest.approx(5.2666666, rel=1e-6)
    out = we.svm_steps([3.2, 5.1, -1.7], 0)
    np.testing.assert_allclose(out["margins"], [0.0, 2.9, 0.0], atol=1e-12)


@pytest.mark.parametrize("y", [-1, 3])
def test_calculators_name_a_bad_true_class(y):
    with pytest.raises(ValueError, match=f"Invalid true class: {y}"):
        we.softmax_steps([1.0, 2.0, 3.0], y)
    with pytest.raises(ValueError, match=f"Invalid true class: {y}"):
        we.svm_steps([1.0, 2.0, 3.0], y)
