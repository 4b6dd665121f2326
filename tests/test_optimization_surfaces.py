"""Lab 3 engine: every surface's analytic gradient against centred differences, maps, contours."""
from __future__ import annotations

import numpy as np
import pytest

from visualdl.engine.expr import ExprError
from visualdl.engine.gradcheck import numerical_gradient, rel_error
from visualdl.engine.losses import softmax_loss
from visualdl.engine.optimization.contours import colour_values, contour_segments, wide_range
from visualdl.engine.optimization.expr_surface import ExprSurface
from visualdl.engine.optimization.model_surface import ModelSurface, penalty, regularizer, toy_model_surface
from visualdl.engine.optimization.surfaces import SYNTHETIC


def _points(surface, n=6, seed=0):
    x0, x1, y0, y1 = surface.bounds
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


def _check_grad(surface, p, h=1e-6):
    numeric = numerical_gradient(lambda v: surface.loss(v), np.array(p, np.float64), h=h)
    return rel_error(surface.grad(p), numeric)


@pytest.mark.parametrize("key", sorted(SYNTHETIC))
def test_synthetic_gradients_match_centred_differences(key):
    surface = SYNTHETIC[key]
    # on the plateau f ~ 1 while the gradient is ~1e-9..1e-6: float64 roundoff of f (1e-16) limits
    # the quotient to ~1e-7 relative, so a larger h and a looser bound there
    h, tol = (1e-4, 1e-6) if key == "plateau" else (1e-6, 1e-7)
    for p in _points(surface):
        assert _check_grad(surface, p, h) < tol, (key, p)


@pytest.mark.parametrize("key", sorted(SYNTHETIC))
def test_the_map_is_the_same_function_as_the_point_loss(key):
    surface = SYNTHETIC[key]
    xs, ys, Z = surface.grid(31)
    for i, j in [(0, 0), (5, 17), (30, 30), (12, 3)]:
        assert Z[i, j] == pytest.approx(surface.loss((xs[j], ys[i])), rel=1e-12, abs=1e-12)


def test_known_minima_have_zero_gradient():
    for surface in SYNTHETIC.values():
        for m in surface.minima:
            assert np.abs(surface.grad(m)).max() < 1e-9, surface.key
    assert SYNTHETIC["rosenbrock"].loss((1.0, 1.0)) == 0.0
    # the local minimum is higher than the global one
    glob, loc = SYNTHETIC["local_min"].minima
    assert SYNTHETIC["local_min"].loss(glob) < SYNTHETIC["local_min"].loss(loc)
    assert glob[0] < 0 < loc[0]


@pytest.mark.parametrize("reg,lam", [("none", 0.0), ("l2", 0.3), ("l1", 0.2), ("elastic", 0.1)])
def test_model_surface_gradient_and_engine_loss(reg, lam):
    model = toy_model_surface("moons", n_points=60, reg=reg, lam=lam)
    for p in _points(model, seed=1):  # random points are never exactly on the L1 kink
        assert _check_grad(model, p) < 1e-6, p
        data, _ = softmax_loss(np.stack([np.zeros(model.n), model.X @ p], axis=1), model.y)
        reg_loss, _ = regularizer(reg, lam).loss_and_grads({"W": p.copy()})
        assert model.loss(p) == pytest.approx(data + reg_loss, rel=1e-12)
        # the float32 map agrees with the engine's float64 loss
        assert model.value(p[0], p[1]) == pytest.approx(data + reg_loss, rel=1e-5)


def test_model_penalty_matches_the_engine_regularizer():
    w = np.array([0.7, -1.3])
    assert penalty("l2", 0.5, *w) == pytest.approx(0.5 * 0.5 * (0.49 + 1.69))
    assert penalty("l1", 0.5, *w) == pytest.approx(0.5 * 2.0)
    assert penalty("elastic", 0.5, *w) == pytest.approx(0.5 * 2.0 + 0.25 * 2.18)
    for kind in ("l2", "l1", "elastic"):
        assert penalty(kind, 0.5, *w) == pytest.approx(regularizer(kind, 0.5).loss_and_grads({"W": w})[0])


def test_model_surface_refuses_three_classes():
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match="2 classes"):
        ModelSurface(X, np.array([0, 1, 2]))


def test_minibatch_gradient_is_unbiased():
    model = toy_model_surface("moons", n_points=40, reg="l2", lam=0.1)
    w = np.array([0.4, -0.9])
    full = model.grad(w)
    # batch 1: the average over every example is exactly the full-batch gradient
    singles = np.mean([model.data_grad(w, np.array([i])) for i in range(model.n)], axis=0) + model.reg_grad(w)
    np.testing.assert_allclose(singles, full, rtol=1e-12, atol=1e-15)
    # batch 8 drawn at random: the mean of many draws is within 4 standard errors of it
    rng = np.random.default_rng(0)
    draws = np.array([model.minibatch_grad(w, 8, rng) for _ in range(4000)])
    se = draws.std(axis=0) / np.sqrt(len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - full) < 4 * se)
    assert np.all(draws.std(axis=0) > 0)  # it really is noisy
    np.testing.assert_array_equal(model.minibatch_grad(w, None, rng), full)


def test_synthetic_noise_has_the_chosen_scale():
    bowl = SYNTHETIC["bowl"]
    rng = np.random.default_rng(1)
    g = np.array([bowl.noisy_grad((1.0, 1.0), rng, 2.0) for _ in range(3000)])
    np.testing.assert_allclose(g.mean(axis=0), [1.0, 25.0], atol=0.15)
    np.testing.assert_allclose(g.std(axis=0), [2.0, 2.0], rtol=0.06)


def test_typed_surface_gradient_from_autograd():
    s = ExprSurface("(1 - x)^2 + 100*(y - x^2)^2", bounds=(-2, 2, -1, 3))
    ros = SYNTHETIC["rosenbrock"]
    for p in _points(s, seed=3):
        assert _check_grad(s, p) < 1e-7
        np.testing.assert_allclose(s.grad(p), ros.grad(p), rtol=1e-12)
    xs, ys, Z = s.grid(50)
    _, _, Zr = ros.grid(50)
    np.testing.assert_allclose(Z, Zr, rtol=1e-12)
    q = ExprSurface("q = x*y; f = q^2 + sigmoid(x) + max(x, y)")
    assert _check_grad(q, (0.3, -0.8)) < 1e-7


@pytest.mark.parametrize("text,column,words", [
    ("x + * y", 5, "Unexpected '*'"), ("x^2 + z", 7, "Unknown variable 'z'"),
    ("x @ y", 3, "'@'"), ("exp(x", 6, "')'"), ("foo(x)", 1, "Unknown function"),
])
def test_a_typo_is_pointed_at(text, column, words):
    with pytest.raises(ExprError) as info:
        ExprSurface(text)
    assert info.value.column == column
    assert words in str(info.value)
    assert "^" in str(info.value).splitlines()[-1]


def test_typed_surface_leaves_holes_where_f_is_undefined():
    s = ExprSurface("log(x) + y^2")
    xs, ys, Z = s.grid(20)
    assert np.all(np.isnan(Z[:, xs <= 0])) and np.all(np.isfinite(Z[:, xs > 0]))
    with pytest.raises(ValueError):
        s.grad((-1.0, 0.0))


def test_contours_of_a_circle_lie_on_the_circle():
    xs = np.linspace(-2, 2, 81)
    X, Y = np.meshgrid(xs, xs)
    seg = contour_segments(X ** 2 + Y ** 2, xs, xs, [1.0, 2.0])
    r = np.hypot(seg[:, 0], seg[:, 1])
    assert len(seg) % 2 == 0 and len(seg) > 100
    assert np.all((np.abs(r - 1) < 2e-3) | (np.abs(r - np.sqrt(2)) < 2e-3))
    Z = X ** 2 + Y ** 2
    Z[:, :40] = np.nan  # no segment crosses into the holes
    assert np.all(contour_segments(Z, xs, xs, [1.0])[:, 0] >= xs[40] - 1e-12)


def test_log_colour_where_the_range_is_wide():
    _, _, Z = SYNTHETIC["rosenbrock"].grid(100)
    assert wide_range(Z)
    C, label = colour_values(Z, True)
    assert label.startswith("log10") and np.nanmax(C) - np.nanmin(C) == pytest.approx(3.0, abs=0.01)
    _, _, Zb = SYNTHETIC["plateau"].grid(100)
    assert not wide_range(Zb)
