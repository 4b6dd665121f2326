"""Lab 3 regularization: proximal gradient reaches exact L1 zeros; L2 shrinks; max-norm projects."""
from __future__ import annotations

import numpy as np
import pytest

from visualdl.engine.optimization.loss_views import dataset_loss, score_sweep
from visualdl.engine.optimization.model_surface import toy_model_surface
from visualdl.engine.optimization.regpath import (default_lambdas, regularization_path, regularized_minimum,
                                                  soft_threshold)
from visualdl.engine.worked_examples import LOSS_EXAMPLE_SCORES


@pytest.fixture(scope="module")
def model():
    return toy_model_surface("moons", n_points=100)


def test_soft_threshold_gives_exact_zeros():
    out = soft_threshold([0.3, -0.05, 0.1, -2.0], 0.1)
    np.testing.assert_allclose(out, [0.2, 0.0, 0.0, -1.9], rtol=1e-15)
    assert out[1] == 0.0 and out[2] == 0.0


def test_l1_path_reaches_exact_zeros_one_weight_first(model):
    lams, W = regularization_path(model, "l1", default_lambdas())
    assert np.all(W[0] != 0)  # lambda = 0: both weights used
    # one weight is exactly 0.0 while the other is still in use (on moons, w2 drops out first)
    assert np.any((W[:, 1] == 0.0) & (W[:, 0] != 0.0))
    assert np.all(W[-1] == 0.0)  # large lambda: the zero model
    # optimality (KKT) at each minimum: |dL/dw_j| <= lam where w_j = 0, = -lam sign(w_j) elsewhere
    for lam, w in zip(lams[1:], W[1:]):
        g = model.data_grad(w)
        for j in range(2):
            if w[j] == 0.0:
                assert abs(g[j]) <= lam + 1e-7
            else:
                assert g[j] == pytest.approx(-lam * np.sign(w[j]), abs=1e-6)


def test_l2_path_shrinks_both_weights_but_never_to_zero(model):
    lams, W = regularization_path(model, "l2", default_lambdas())
    norms = np.hypot(W[:, 0], W[:, 1])
    assert np.all(np.diff(norms) < 0)
    assert np.all(W != 0.0)
    for lam, w in zip(lams, W):
        np.testing.assert_allclose(model.data_grad(w) + lam * w, 0.0, atol=1e-7)


def test_max_norm_minimum_sits_on_the_circle(model):
    free = regularized_minimum(model, "none", 0.0)
    c = 0.5 * float(np.hypot(*free))
    w = regularized_minimum(model, "none", 0.0, max_norm=c)
    assert float(np.hypot(*w)) == pytest.approx(c, rel=1e-9)
    g = model.data_grad(w)  # on the circle the gradient points straight inwards: -g parallel to w
    assert abs(g[0] * w[1] - g[1] * w[0]) < 1e-6 * np.hypot(*g) * c
    assert np.dot(g, w) < 0


def test_score_sweep_matches_the_course_cat_image():
    scores = LOSS_EXAMPLE_SCORES[0]  # cat 3.2, car 5.1, frog -1.7; the true class is cat
    sweep = score_sweep(scores, 0, 1, [5.1, 2.0, 2.2])
    # SVM: max(0, 5.1 - 3.2 + 1) + max(0, -1.7 - 3.2 + 1) = 2.9; at car 2.0 all margins are 0
    np.testing.assert_allclose(sweep["svm"], [2.9, 0.0, 0.0], atol=1e-12)
    assert sweep["at"]["svm"] == pytest.approx(2.9)
    assert sweep["at"]["softmax"] == pytest.approx(2.04, abs=0.005)
    assert sweep["softmax"][0] == pytest.approx(-np.log(np.exp(3.2) / (np.exp(3.2) + np.exp(5.1) + np.exp(-1.7))))


def test_per_example_losses_sum_to_the_data_loss():
    m = toy_model_surface("moons", n_points=100, reg="l2", lam=0.2)
    w = np.array([1.0, -2.0])
    parts = dataset_loss(m, w, 8)
    z = m.X[:8] @ w
    by_hand = [np.log1p(np.exp(-z[i])) if m.y[i] == 1 else np.log1p(np.exp(z[i])) for i in range(8)]
    np.testing.assert_allclose(parts["per_example"], by_hand, rtol=1e-12)
    assert parts["data_loss"] == pytest.approx(sum(by_hand) / 8, rel=1e-12)
    assert parts["reg_loss"] == pytest.approx(0.5 * 0.2 * (1 + 4))
    assert parts["total"] == pytest.approx(sum(by_hand) / 8 + 0.5)
