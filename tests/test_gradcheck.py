"""The gradient checker itself: right answers on known functions, and it catches a wrong backward."""
from __future__ import annotations

import numpy as np

from visualdl.engine.gradcheck import check_layer, elementwise_rel_error, numerical_gradient, rel_error
from visualdl.engine.init import initialize
from visualdl.engine.layers import Linear, Tanh


def test_numerical_gradient_of_known_functions():
    x = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v ** 3), x), 3 * x ** 2, rtol=1e-9)
    np.testing.assert_array_equal(x, [1.0, -2.0, 0.5])  # restored after perturbing
    df = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(numerical_gradient(np.sin, x, df=df), np.cos(x) * df, rtol=1e-9)


def test_rel_error():
    assert rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert rel_error([1.0], [3.0]) == 0.5
    # a ~0 entry next to O(1) ones does not dominate, unlike the entry-wise version
    assert rel_error([1.0, 1e-6], [1.0, 2e-6]) < 1e-6 < 0.3 < elementwise_rel_error([1.0, 1e-6], [1.0, 2e-6])


class WrongTanh(Tanh):
    def _df(self, x, y, dy, out):
        np.multiply(dy, 1 - y, out=out)  # forgot the square


def test_check_layer_catches_a_wrong_backward():
    x = np.random.default_rng(0).standard_normal((3, 4))
    assert check_layer(WrongTanh(dtype=np.float64), x)["x"] > 1e-3
    assert check_layer(Tanh(dtype=np.float64), x)["x"] < 1e-7


def test_initializers():
    W = np.empty((300, 200), np.float32)
    assert initialize(W, "zeros") is W and not W.any()
    assert abs(initialize(W, "gaussian", std=0.01, rng=0).std() - 0.01) < 5e-4
    assert abs(initialize(W, "xavier", rng=0).std() - np.sqrt(1 / 200)) < 2e-3
    assert abs(initialize(W, "kaiming", rng=0).std() - np.sqrt(2 / 200)) < 2e-3
    conv = initialize(np.empty((16, 3, 5, 5)), "kaiming", rng=0)
    assert abs(conv.std() - np.sqrt(2 / 75)) < 0.01  # fan_in = C*k*k
    same = initialize(np.empty((300, 200), np.float32), "kaiming", rng=0)
    np.testing.assert_array_equal(W, same)  # same seed, same weights
    assert Linear(200, 300, rng=1).params["W"].std() > 0
