"""Debiased EMA: matches the hand-computed recurrence, continues across calls, skips NaN."""
import math

import numpy as np
import pytest

from visualdl.engine.metrics import debiased_ema


def test_hand_computed_values():
    # s = 0.5: avg1 = 0.5*2 = 1 -> 1/(1-0.5) = 2; avg2 = 0.5*1 + 0.5*4 = 2.5 -> 2.5/0.75 = 3.3333...
    out, state = debiased_ema([2.0, 4.0], 0.5)
    assert out.tolist() == [2.0, 2.5 / 0.75]
    assert state == (2.5, 2)


def test_zero_smoothing_is_identity_and_first_point_is_unbiased():
    v = np.array([3.0, 1.0, 7.0])
    assert np.array_equal(debiased_ema(v, 0.0)[0], v)
    assert debiased_ema(v, 0.9)[0][0] == 3.0


def test_continuing_equals_one_call():
    v = np.random.default_rng(0).normal(size=1000)
    whole, _ = debiased_ema(v, 0.6)
    a, st = debiased_ema(v[:400], 0.6)
    b, _ = debiased_ema(v[400:], 0.6, st)
    assert np.array_equal(np.concatenate([a, b]), whole)


def test_non_finite_values_are_skipped():
    out, state = debiased_ema([1.0, float("nan"), float("inf"), 1.0], 0.6)
    assert math.isnan(out[1]) and math.isnan(out[2])
    assert out[3] == pytest.approx(1.0)
    assert state[1] == 2


@pytest.mark.parametrize("bad", [-0.1, 1.0, 2])
def test_bad_smoothing_is_named(bad):
    with pytest.raises(ValueError, match=f"Invalid smoothing: {bad}"):
        debiased_ema([1.0], bad)
