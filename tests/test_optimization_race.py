"""Lab 3 race: the engine's optimizers on f = 0.5 (x^2 + 25 y^2) take the course's first steps.

Every expected number is written out by hand from the course formulas (start (1, 1), so the
first gradient is (1, 25)); the race only wraps the engine's optimizers, reading their state.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from visualdl.engine.optimization.presets import PRESETS
from visualdl.engine.optimization.race import Race, check_lr, usable_start
from visualdl.engine.optimization.surfaces import SYNTHETIC


def _race(name, **hyper):
    race = Race(SYNTHETIC["bowl"], start=(1.0, 1.0))
    racer = race.add(name, **hyper)
    return race, racer


def _path(racer):
    return np.array(racer.path)


def test_sgd_first_steps():
    race, r = _race("sgd", lr=0.01)
    race.step()
    race.step()
    # w1 = (1 - 0.01*1, 1 - 0.01*25); g1 = (0.99, 25*0.75)
    np.testing.assert_allclose(_path(r)[1:], [[0.99, 0.75], [0.99 - 0.0099, 0.75 - 0.1875]], rtol=1e-14)
    assert r.losses[2] == pytest.approx(0.5 * (0.9801 ** 2 + 25 * 0.5625 ** 2))


def test_momentum_first_steps_and_velocity():
    race, r = _race("momentum", lr=0.01, mu=0.9)
    race.step()
    np.testing.assert_allclose(r.state()["m"], [1.0, 25.0])
    race.step()
    # m2 = 0.9*(1, 25) + (0.99, 18.75) = (1.89, 41.25); w2 = w1 - 0.01*m2
    np.testing.assert_allclose(r.state()["m"], [1.89, 41.25], rtol=1e-14)
    np.testing.assert_allclose(_path(r)[2], [0.99 - 0.0189, 0.75 - 0.4125], rtol=1e-14)


def test_adagrad_first_steps_and_accumulator():
    race, r = _race("adagrad", lr=0.1, eps=1e-7)
    race.step()
    np.testing.assert_allclose(_path(r)[1], [1 - 0.1 * 1 / (1 + 1e-7), 1 - 0.1 * 25 / (25 + 1e-7)], rtol=1e-14)
    race.step()
    w1 = _path(r)[1]
    np.testing.assert_allclose(r.state()["n"], [1 + w1[0] ** 2, 625 + (25 * w1[1]) ** 2], rtol=1e-14)
    # by hand, ignoring eps: n2 = (1.81, 1131.25), step = 0.1 * 0.9 / sqrt(1.81) on both axes
    np.testing.assert_allclose(_path(r)[2], [0.9 - 0.1 * 0.9 / math.sqrt(1.81)] * 2, rtol=1e-6)


def test_rmsprop_first_steps():
    race, r = _race("rmsprop", lr=0.01, decay=0.99, eps=1e-7)
    race.step()
    # n1 = 0.01 * (1, 625) = (0.01, 6.25); step = 0.01 * (1/0.1, 25/2.5) = (0.1, 0.1)
    np.testing.assert_allclose(r.state()["n"], [0.01, 6.25], rtol=1e-14)
    np.testing.assert_allclose(_path(r)[1], [0.9, 0.9], rtol=1e-6)
    race.step()
    # n2 = 0.99*(0.01, 6.25) + 0.01*(0.81, 506.25) = (0.018, 11.25)
    np.testing.assert_allclose(r.state()["n"], [0.018, 11.25], rtol=1e-6)
    np.testing.assert_allclose(_path(r)[2], [0.9 - 0.01 * 0.9 / math.sqrt(0.018)] * 2, rtol=1e-6)


def test_adam_first_steps_with_bias_correction():
    race, r = _race("adam", lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8)
    race.step()
    # m1 = 0.1 g, n1 = 0.001 g^2; corrected: m_hat = g, n_hat = g^2, so the step is lr on each axis
    np.testing.assert_allclose(r.state()["m"], [0.1, 2.5], rtol=1e-14)
    np.testing.assert_allclose(r.state()["n"], [0.001, 0.625], rtol=1e-12)
    np.testing.assert_allclose(_path(r)[1], [0.9, 0.9], rtol=1e-7)
    race.step()
    # g2 = (0.9, 22.5); m2 = (0.18, 4.5); n2 = (0.001809, 1.130625)
    m_hat = 0.18 / (1 - 0.81)
    n_hat = 0.001809 / (1 - 0.998001)
    np.testing.assert_allclose(_path(r)[2], [0.9 - 0.1 * m_hat / math.sqrt(n_hat)] * 2, rtol=1e-6)


def test_adam_without_bias_correction_takes_a_too_big_first_step():
    race, r = _race("adam", lr=0.1)
    r.set_bias_correction(False)
    race.reset()
    race.step()
    # m1 / sqrt(n1) = 0.1 / sqrt(0.001) = 3.1623: the first step is 3.16 lr, not lr
    np.testing.assert_allclose(_path(r)[1], [1 - 0.1 * 0.1 / math.sqrt(0.001)] * 2, rtol=1e-6)


def test_changing_hyperparameters_keeps_the_state():
    race, r = _race("momentum", lr=0.01, mu=0.9)
    race.step()
    r.set_hyperparams(lr=0.02)
    race.step()
    np.testing.assert_allclose(_path(r)[2], [0.99 - 0.02 * 1.89, 0.75 - 0.02 * 41.25], rtol=1e-14)
    with pytest.raises(ValueError, match="mu"):
        r.set_hyperparams(mu=1.5)


@pytest.mark.parametrize("bad", [0, -0.1, float("nan"), float("inf"), 1e6, "abc"])
def test_bad_learning_rates_are_refused_with_the_value(bad):
    with pytest.raises(ValueError, match="Learning rate"):
        check_lr(bad)
    race, r = _race("sgd", lr=0.01)
    with pytest.raises(ValueError):
        r.set_hyperparams(lr=bad)
    assert r.opt.lr == 0.01


def test_start_off_the_map_is_refused():
    with pytest.raises(ValueError, match="off the map"):
        Race(SYNTHETIC["bowl"], start=(9.0, 0.0))
    race = Race(SYNTHETIC["bowl"])
    with pytest.raises(ValueError, match="off the map"):
        race.reset(start=(0.0, float("nan")))


def test_start_where_f_is_undefined_is_refused():
    from visualdl.engine.optimization.expr_surface import ExprSurface

    with pytest.raises(ValueError, match="not defined"):
        Race(ExprSurface("log(x) + y^2"), start=(-1.0, 0.5))
    race = Race(ExprSurface("log(x) + y^2"), start=(1.0, 0.5))
    race.add("sgd", lr=2.0)  # 1 - 2 * 1/1 = -1: the first step lands on x = -1, where log is undefined
    assert race.step() and "stopped at step 1" in race.racers["sgd"].status
    s = ExprSurface("log(x) + y^2")  # its default start (-2.4, 2.4) is where log is undefined
    x, y = usable_start(s)
    assert x > 0 and np.isfinite(s.loss((x, y)))


def test_one_diverging_optimizer_stops_while_the_others_go_on():
    race = Race(SYNTHETIC["bowl"], start=(-4.5, 1.5))
    race.add("sgd", lr=0.1)  # 1 - 0.1*25 = -1.5: |y| grows 1.5x per step
    race.add("adam", lr=0.1)
    messages = []
    for _ in range(100):
        messages += race.step()
    sgd, adam = race.racers["sgd"], race.racers["adam"]
    assert len(messages) == 1 and "SGD diverged" in messages[0] and "lr 0.1" in messages[0]
    assert sgd.status == messages[0] and sgd.steps < 30
    assert adam.status is None and adam.steps == 100
    assert len(sgd.path) == len(sgd.losses)


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_presets_start_on_their_map(key):
    p = PRESETS[key]
    race = Race(SYNTHETIC[p["surface"]], start=p["start"])
    for name, hyper in p["optimizers"].items():
        race.add(name, **hyper)
    race.set_noise(p["noise"])
    for _ in range(50):
        race.step()
    assert set(race.racers) == set(p["optimizers"])


def _run_preset(key, steps):
    p = PRESETS[key]
    race = Race(SYNTHETIC[p["surface"]], start=p["start"])
    for name, hyper in p["optimizers"].items():
        race.add(name, **hyper)
    for _ in range(steps):
        race.step()
    return race.racers


def test_presets_show_what_their_notes_say():
    r = _run_preset("local_min", 2000)
    assert r["sgd"].path[-1][0] == pytest.approx(1.267, abs=1e-3)
    assert r["momentum"].path[-1][0] == pytest.approx(-1.526, abs=1e-3)
    r = _run_preset("saddle", 150)
    assert abs(r["sgd"].path[-1][1]) < 0.1 < abs(r["momentum"].path[-1][1])
    r = _run_preset("diverge", 200)
    assert "diverged" in r["sgd"].status and r["adam"].status is None
    r = _run_preset("ravine", 6)
    ys = np.array(r["sgd"].path)[:, 1]
    assert np.all(np.sign(ys[1:]) != np.sign(ys[:-1]))  # the zig-zag
