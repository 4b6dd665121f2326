"""The editable 2D linear classifier: scores, per-point and total loss, checked gradients, lines."""
from __future__ import annotations

import numpy as np
import pytest

from visualdl.engine.linear2d import Linear2D, class_lines, class_scores, per_point_loss


def _data(seed=0, n=30):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)) * 2
    y = rng.integers(0, 3, n)
    return X, y


def _numerical(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        fp = f()
        x[i] = old - h
        fm = f()
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad


def _rel_error(a, b):
    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))


def test_scores_are_wx_plus_b():
    W = np.array([[1.0, 2.0], [0.0, -1.0], [0.5, 0.5]])
    b = np.array([0.5, 1.0, -2.0])
    s = class_scores(np.array([[1.0, 1.0], [2.0, -1.0]]), W, b)
    np.testing.assert_allclose(s, [[3.5, 0.0, -1.0], [0.5, 2.0, -1.5]])


def test_per_point_losses_by_hand():
    scores = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
    y = np.array([0, 1, 2])
    np.testing.assert_allclose(per_point_loss(scores, y, "svm"), [2.9, 0.0, 12.9], atol=1e-12)
    p = np.exp(scores) / np.exp(scores).sum(1, keepdims=True)
    np.testing.assert_allclose(per_point_loss(scores, y, "softmax"), -np.log(p[[0, 1, 2], y]))
    with pytest.raises(ValueError, match="Invalid loss: 'hinge'"):
        per_point_loss(scores, y, "hinge")


@pytest.mark.parametrize("loss", ["svm", "softmax"])
def test_totals_and_gradients_check_numerically(loss):
    X, y = _data()
    model = Linear2D(3, loss=loss, reg=0.3, seed=1)
    out = model.loss_and_grads(X, y)
    assert out["data_loss"] == pytest.approx(out["point_loss"].mean(), rel=1e-12)
    assert out["reg_loss"] == pytest.approx(0.5 * 0.3 * (model.W ** 2).sum())
    assert out["total"] == pytest.approx(out["data_loss"] + out["reg_loss"])

    def f():
        return model.loss_and_grads(X, y)["total"]
    assert _rel_error(out["dW"], _numerical(f, model.W)) < 1e-7
    assert _rel_error(out["db"], _numerical(f, model.b)) < 1e-7


@pytest.mark.parametrize("loss", ["svm", "softmax"])
def test_steps_lower_the_loss_and_fit_separable_data(loss):
    rng = np.random.default_rng(3)
    centres = np.array([[-3.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
    y = np.repeat(np.arange(3), 20)
    X = centres[y] + rng.normal(scale=0.5, size=(60, 2))
    model = Linear2D(3, loss=loss, reg=0.01, seed=0)
    first = model.step(X, y, lr=0.05)["total"]
    assert model.loss_and_grads(X, y)["total"] < first
    model.fit(X, y, steps=300, lr=0.05)
    assert model.accuracy(X, y) == 1.0


def test_set_params_randomize_and_errors():
    model = Linear2D(3, seed=0)
    W0 = model.W.copy()
    model.randomize(seed=0)
    np.testing.assert_array_equal(model.W, W0)
    model.randomize(seed=5)
    assert not np.array_equal(model.W, W0)
    model.set_params(np.eye(3, 2), [1, 2, 3])
    np.testing.assert_array_equal(model.b, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"Need W \(3, 2\)"):
        model.set_params(np.eye(2), [1, 2])
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        model.step(np.zeros((1, 2)), np.zeros(1, int), lr=-1)
    with pytest.raises(ValueError, match="Invalid L2 strength: -0.5"):
        model.reg = -0.5


def test_class_lines_lie_on_the_line_and_point_along_w():
    W = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.0, 1.0]])
    b = np.array([-1.0, 0.0, 5.0, -50.0])
    bounds = (-2.0, 2.0, -3.0, 3.0)
    lines = class_lines(W, b, bounds)
    # class 0: x = 1, vertical through the box
    np.testing.assert_allclose(sorted([lines[0]["p1"][1], lines[0]["p2"][1]]), [-3, 3])
    np.testing.assert_allclose([lines[0]["p1"][0], lines[0]["p2"][0]], [1, 1])
    for c in (0, 1):
        line = lines[c]
        for p in (line["p1"], line["p2"], line["arrow_start"]):
            assert W[c] @ p + b[c] == pytest.approx(0, abs=1e-9)
            assert bounds[0] - 1e-9 <= p[0] <= bounds[1] + 1e-9 and bounds[2] - 1e-9 <= p[1] <= bounds[3] + 1e-9
        # moving along the arrow raises the class's score
        assert W[c] @ line["arrow_end"] + b[c] > 0
        np.testing.assert_allclose(line["head"][1], line["arrow_end"])
        # the barbs sit behind the tip, symmetric about the arrow's axis
        assert W[c] @ line["head"][0] + b[c] == pytest.approx(W[c] @ line["head"][2] + b[c])
        assert W[c] @ line["head"][0] + b[c] < W[c] @ line["arrow_end"] + b[c]
    assert lines[2] is None  # w = 0: no line
    assert lines[3] is None  # y = 50 is outside the box


def test_aim_class_rotates_about_the_anchor_and_keeps_the_norm():
    from visualdl.engine.linear2d import aim_class
    W = np.array([[3.0, 4.0], [1.0, 0.0]])
    b = np.array([-2.0, 0.5])
    anchor = np.array([0.4, 0.2])
    W2, b2 = aim_class(W, b, 0, anchor, anchor + np.array([0.0, -2.0]))
    np.testing.assert_allclose(W2[0], [0.0, -5.0])  # |w| = 5 kept, pointing down
    assert W2[0] @ anchor + b2[0] == pytest.approx(0.0)
    np.testing.assert_array_equal(W2[1], W[1])
    assert b2[1] == b[1]
    assert W[0].tolist() == [3.0, 4.0]  # inputs untouched
    W3, b3 = aim_class(W, b, 0, anchor, anchor)
    np.testing.assert_array_equal(W3, W)
    np.testing.assert_array_equal(b3, b)
