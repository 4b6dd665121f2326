"""Optimizers: two steps against hand calculation, state kept across lr changes."""
from __future__ import annotations

import math

import numpy as np
import pytest

from visualdl.engine.optim import OPTIMIZERS, SGD, AdaGrad, Adam, Momentum, RMSProp, make_optimizer

G1, G2 = 0.5, -1.0  # gradients of steps 1 and 2 for a single weight starting at 1.0


def two_steps(opt, lr2=None):
    w = np.array([1.0])
    params = {"w": w}
    opt.step(params, {"w": np.array([G1])})
    w1 = w[0]
    if lr2 is not None:
        opt.lr = lr2
    opt.step(params, {"w": np.array([G2])})
    assert params["w"] is w  # updated in place
    return w1, w[0]


def test_sgd():
    assert two_steps(SGD(0.1)) == pytest.approx((1 - 0.05, 1 - 0.05 + 0.1))


def test_momentum():
    # m1 = 0.5, w1 = 1 - 0.1*0.5; m2 = 0.9*0.5 - 1 = -0.55, w2 = w1 + 0.055
    assert two_steps(Momentum(0.1, mu=0.9)) == pytest.approx((0.95, 0.95 + 0.055))


def test_adagrad():
    n1, n2 = 0.25, 1.25
    w1 = 1 - 0.1 * 0.5 / (math.sqrt(n1) + 1e-7)
    w2 = w1 + 0.1 * 1.0 / (math.sqrt(n2) + 1e-7)
    assert two_steps(AdaGrad(0.1)) == pytest.approx((w1, w2))


def test_rmsprop():
    n1 = 0.1 * 0.25
    n2 = 0.9 * n1 + 0.1 * 1.0
    w1 = 1 - 0.01 * 0.5 / (math.sqrt(n1) + 1e-7)
    w2 = w1 + 0.01 * 1.0 / (math.sqrt(n2) + 1e-7)
    assert two_steps(RMSProp(0.01, decay=0.9)) == pytest.approx((w1, w2))


def test_adam_bias_corrected():
    m1, n1 = 0.1 * 0.5, 0.001 * 0.25
    w1 = 1 - 0.01 * (m1 / 0.1) / (math.sqrt(n1 / 0.001) + 1e-8)  # first step moves by ~lr
    m2, n2 = 0.9 * m1 - 0.1, 0.999 * n1 + 0.001
    w2 = w1 - 0.01 * (m2 / (1 - 0.81)) / (math.sqrt(n2 / (1 - 0.999 ** 2)) + 1e-8)
    assert two_steps(Adam(0.01)) == pytest.approx((w1, w2), rel=1e-6)
    assert w1 == pytest.approx(0.99, rel=1e-6)


def test_lr_change_between_steps_keeps_state():
    # momentum with lr 0.1 then 0.2: m2 = -0.55 still carries step 1's velocity
    assert two_steps(Momentum(0.1), lr2=0.2) == pytest.approx((0.95, 0.95 + 0.2 * 0.55))
    opt = Adam(0.01)
    two_steps(opt)
    opt.set_hyperparams(lr=1e-4, beta1=0.8)
    assert opt.t == 2 and opt.lr == 1e-4 and opt.beta1 == 0.8 and "w" in opt.state


def test_make_optimizer_and_defaults():
    assert set(OPTIMIZERS) == {"sgd", "momentum", "adagrad", "rmsprop", "adam"}
    opt = make_optimizer("adam", lr=3e-4)
    assert isinstance(opt, Adam) and opt.lr == 3e-4 and opt.beta2 == OPTIMIZERS["adam"]["beta2"]
    assert make_optimizer("momentum").mu == 0.9
    with pytest.raises(ValueError, match="Unknown optimizer: 'lbfgs'"):
        make_optimizer("lbfgs")
    with pytest.raises(ValueError, match="mu"):
        make_optimizer("sgd", mu=0.9)


@pytest.mark.parametrize("bad", [-1, 0, float("nan"), float("inf")])
def test_invalid_learning_rate_is_named(bad):
    with pytest.raises(ValueError, match=f"Invalid learning rate: {bad}"):
        SGD(bad)
    opt = SGD(0.1)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        opt.lr = bad


def test_invalid_decay():
    with pytest.raises(ValueError, match="Invalid mu: 1.5"):
        Momentum(0.1, mu=1.5)
    opt = Momentum(0.1)
    with pytest.raises(ValueError, match="mu"):
        opt.mu = -0.1


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_descends_a_quadratic_in_float32(name):
    w = np.array([3.0, -2.0], np.float32)
    opt = make_optimizer(name, lr=0.2)
    for _ in range(200):
        opt.step({"w": w}, {"w": 2 * w})  # f = |w|^2
    assert w.dtype == np.float32 and np.linalg.norm(w) < 1.0


def test_state_dict_round_trip():
    opt = Adam(0.01)
    two_steps(opt)
    again = Adam()
    again.load_state_dict(opt.state_dict())
    w_a, w_b = np.array([0.3]), np.array([0.3])
    opt.step({"w": w_a}, {"w": np.array([0.7])})
    again.step({"w": w_b}, {"w": np.array([0.7])})
    assert w_a[0] == w_b[0]
