"""Regularizers: convention, weights only, numerical gradients, max-norm."""
from __future__ import annotations

import numpy as np
import pytest

from visualdl.engine.gradcheck import numerical_gradient, rel_error
from visualdl.engine.regularization import Regularizer


def params():
    rng = np.random.default_rng(0)
    W0 = rng.choice([-1.0, 1.0], (4, 3)) * (0.1 + rng.random((4, 3)))  # |w| >= 0.1: away from L1's kink
    W1 = rng.choice([-1.0, 1.0], (2, 3, 2, 2)) * (0.1 + rng.random((2, 3, 2, 2)))
    return {"0.W": W0, "0.b": np.ones(4), "1.W": W1, "1.b": np.ones(2), "2.gamma": np.ones(3), "2.beta": np.zeros(3)}


def test_hand_computed_values():
    p = {"0.W": np.array([[1.0, -2.0], [0.0, 3.0]]), "0.b": np.array([5.0, 5.0])}
    assert Regularizer("l2", 0.1).loss_and_grads(p)[0] == pytest.approx(0.5 * 0.1 * 14)
    assert Regularizer("l1", 0.1).loss_and_grads(p)[0] == pytest.approx(0.1 * 6)
    assert Regularizer("elastic", 0.1, l1_strength=0.2).loss_and_grads(p)[0] == pytest.approx(0.2 * 6 + 0.05 * 14)
    loss, grads = Regularizer("l2", 0.1).loss_and_grads(p)
    np.testing.assert_allclose(grads["0.W"], 0.1 * p["0.W"])  # the 0.5 convention: grad = strength * W
    assert Regularizer("none", 0.1).loss_and_grads(p) == (0.0, {})


@pytest.mark.parametrize("kind", ["l2", "l1", "elastic"])
def test_only_weights_and_gradients_match_numerical(kind):
    reg = Regularizer(kind, strength=0.3, l1_strength=0.05)
    p = params()
    loss, grads = reg.loss_and_grads(p)
    assert sorted(grads) == ["0.W", "1.W"]  # biases and batch-norm params are not regularized
    for name in grads:
        num = numerical_gradient(lambda w: reg.loss_and_grads({name: w})[0], p[name].copy())
        assert rel_error(grads[name], num) < 1e-7, name


def test_max_norm_clips_rows_in_place():
    W = np.array([[3.0, 4.0], [0.3, 0.4]])
    p = {"0.W": W, "0.b": np.array([100.0, 0.0])}
    Regularizer(max_norm=1.0).apply_constraints(p)
    assert p["0.W"] is W
    np.testing.assert_allclose(W, [[0.6, 0.8], [0.3, 0.4]])  # norm 5 -> 1, norm 0.5 untouched
    assert p["0.b"][0] == 100.0
    conv = {"0.W": np.ones((2, 3, 2, 2))}  # each filter has norm sqrt(12)
    Regularizer("l2", 0.1, max_norm=2.0).apply_constraints(conv)
    np.testing.assert_allclose(np.linalg.norm(conv["0.W"].reshape(2, -1), axis=1), [2.0, 2.0])


def test_invalid_settings_are_named():
    with pytest.raises(ValueError, match="l3"):
        Regularizer("l3")
    with pytest.raises(ValueError, match="-1"):
        Regularizer("l2", -1)
    with pytest.raises(ValueError, match="max norm: 0"):
        Regularizer(max_norm=0)
