"""Playground maths (lab 5): features, the views against the engine's own forward pass, dead units,
the hidden space, the formulas, the single neuron, and that a hidden layer is what separates the spiral."""
from __future__ import annotations

import numpy as np
import pytest

from visualdl.engine import layers as L
from visualdl.engine.playground import FeatureMap, Playground, PlaygroundSpec, formula, neuron_output
from visualdl.engine.playground.features import expand
from visualdl.engine.playground.network import activate
from visualdl.engine.playground.views import boundary_lines, dead_units


def test_feature_expansion_values():
    X = np.array([[0.5, -2.0], [1.5, 3.0]])
    got = expand(X, ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"])
    want = [[0.5, -2.0, 0.25, 4.0, -1.0, 0.479425538604203, -0.9092974268256817],
            [1.5, 3.0, 2.25, 9.0, 4.5, 0.9974949866040544, 0.1411200080598672]]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    fm = FeatureMap(["x1^2", "x1*x2"]).fit(X)
    # two points: each standardised column is -1, +1
    np.testing.assert_allclose(fm.transform(X), [[-1, -1], [1, 1]], rtol=1e-6)
    with pytest.raises(ValueError, match="x3"):
        FeatureMap(["x1", "x3"])


def _trained(hidden, steps=300, **kw):
    pg = Playground(PlaygroundSpec(hidden=hidden, **kw))
    for _ in range(steps):
        pg.step()
    return pg


def _engine_forward(pg, X):
    """The Trainer's own network (Sequential.forward) on raw points X: (activations list, scores)."""
    model = pg.trainer.model
    scores = model.forward(pg.fmap.transform(X), train=False)
    return [np.array(a) for a in model.activations], np.array(scores)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "sigmoid", "elu"])
def test_maps_equal_the_networks_own_forward_pass_on_the_grid(activation):
    pg = _trained([5, 4], steps=200, activation=activation, features=("x1", "x2", "x1*x2"))
    v = pg.views()
    acts, scores = _engine_forward(pg, pg.grid.points)
    hw = pg.grid.shape
    np.testing.assert_array_equal(v["pred"], scores.argmax(1).reshape(hw))
    e = np.exp(scores - scores.max(1, keepdims=True))
    np.testing.assert_allclose(v["conf"], (e.max(1) / e.sum(1)).reshape(hw), rtol=1e-4, atol=1e-6)
    # layers: Linear, act, Linear, act, Linear -> the activation outputs are acts[1], acts[3]
    for k, a in enumerate((acts[1], acts[3])):
        assert v["neurons"][k].shape == (a.shape[1], *hw)
        for unit in range(a.shape[1]):
            np.testing.assert_allclose(v["neurons"][k][unit], a[:, unit].reshape(hw), rtol=1e-4, atol=1e-5)
    # cell (row, col) is the point (xs[col], ys[row])
    row, col = 7, 83
    i = np.flatnonzero((pg.grid.points == np.float32([pg.grid.xs[col], pg.grid.ys[row]])).all(1))[0]
    assert v["pred"][row, col] == scores[i].argmax()


def test_hidden_space_equals_last_hidden_layer_activations():
    pg = _trained([6, 2], steps=300, dataset="circles", n_classes=2, noise=0.05)
    v = pg.views()
    acts, _ = _engine_forward(pg, pg.X_train)
    np.testing.assert_allclose(v["hidden"]["train"], acts[3], rtol=1e-5, atol=1e-6)
    acts_val, _ = _engine_forward(pg, pg.X_val)
    np.testing.assert_allclose(v["hidden"]["val"], acts_val[3], rtol=1e-5, atol=1e-6)
    # the region map in the hidden plane is the final layer's argmax there
    W, b = pg.trainer.params["4.W"], pg.trainer.params["4.b"]
    hm = v["hidden_map"]
    x0, x1, y0, y1 = hm["bounds"]
    r = hm["pred"].shape[0]
    cx, cy = x0 + (np.arange(r) + 0.5) * (x1 - x0) / r, y0 + (np.arange(r) + 0.5) * (y1 - y0) / r
    h = np.array([cx[5], cy[60]])
    assert hm["pred"][60, 5] == np.argmax(W @ h + b)
    # three hidden units: all three coordinates, no 2D region map (it would not be exact)
    v3 = _trained([3], steps=10).views()
    assert v3["hidden"]["train"].shape[1] == 3 and v3["hidden_map"] is None
    assert _trained([4], steps=1).views()["hidden"] is None


def test_boundary_lines_are_where_two_classes_tie_at_the_top():
    W = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    b = np.array([0.0, 0.0, -0.5])
    lines = boundary_lines(W, b, (-2, 2, -2, 2))
    assert {(i, j) for i, j, _, _ in lines} == {(0, 1), (0, 2), (1, 2)}
    for i, j, xs, ys in lines:
        ok = np.isfinite(xs)
        h = np.stack([xs[ok], ys[ok]], 1)
        s = h @ W.T + b
        np.testing.assert_allclose(s[:, i], s[:, j], atol=1e-9)
        assert np.all(s[:, i] >= s.max(1) - 1e-9)
    # class 0 vs 1 line is x = 0, a border only where class 2 is not above: y < 0.5
    _, _, xs, ys = next(t for t in lines if t[:2] == (0, 1))
    assert np.nanmax(ys) <= 0.5 + 0.02 and np.nanmin(ys) == pytest.approx(-2)


def test_dead_unit_detection():
    pre = np.array([[-1.0, 0.5, 0.0], [-0.1, -2.0, 0.0], [-3.0, 1.0, 0.0]])
    np.testing.assert_array_equal(dead_units(pre), [True, False, True])
    pg = _trained([4], steps=0)
    pg.trainer.params["0.b"][2] = -1000.0  # unit 2 can never fire on the data
    v = pg.views()
    assert v["dead"][0].tolist() == [False, False, True, False]
    assert np.all(v["neurons"][0][2] == 0)
    pg2 = _trained([4], steps=0, activation="tanh")
    pg2.trainer.params["0.b"][2] = -1000.0
    assert not pg2.views()["dead"][0].any()  # "dead" is a ReLU notion


def test_a_hidden_layer_separates_the_spiral_and_a_linear_classifier_cannot():
    two_layer = _trained([16], steps=1500)
    linear = _trained([], steps=1500)
    assert two_layer.views()["metrics"]["val_acc"] >= 0.95
    assert linear.views()["metrics"]["val_acc"] < 0.70


def test_editing_points_keeps_weights_and_reset_repeats_them():
    pg = _trained([8], steps=50)
    w = pg.trainer.params["0.W"].copy()
    n = len(pg.y_train)
    pg.add_point(0.3, -0.2, 1)
    assert len(pg.y_train) == n + 1 and pg.y_train[-1] == 1 and pg.trainer.iteration == 50
    np.testing.assert_array_equal(pg.trainer.params["0.W"], w)
    assert pg.remove_near(0.3, -0.2) and len(pg.y_train) == n
    with pytest.raises(ValueError, match="class 7"):
        pg.add_point(0, 0, 7)
    first = Playground(PlaygroundSpec(hidden=[8])).trainer.params["0.W"].copy()
    pg.reset()
    np.testing.assert_array_equal(pg.trainer.params["0.W"], first)
    pg.reset(new_weights=True)
    assert not np.array_equal(pg.trainer.params["0.W"], first) and pg.spec.seed == 1


def test_formulas_and_parameter_counts():
    f = formula([3072, 100, 10])
    assert f["text"] == "f = W2 max(0, W1 x)"
    assert f["shapes"] == "x: 3072 · W1: 100×3072 · W2: 10×100"
    assert [d["params"] for d in f["layers"]] == [3072 * 100 + 100, 100 * 10 + 10]
    assert f["total"] == 308310
    f3 = formula([2, 16, 8, 3])
    assert f3["text"] == "f = W3 max(0, W2 max(0, W1 x))"
    assert [d["weights"] for d in f3["layers"]] == [32, 128, 24] and f3["total"] == 48 + 136 + 27
    assert formula([2, 3], "tanh")["text"] == "f = W1 x"
    # the playground's own network has exactly these counts
    pg = Playground(PlaygroundSpec(hidden=[16, 8], features=("x1", "x2", "x1^2")))
    assert pg.trainer.model.num_params() == formula(pg.sizes)["total"]


@pytest.mark.parametrize("name,layer", [("relu", L.ReLU), ("leaky_relu", L.LeakyReLU), ("tanh", L.Tanh),
                                         ("sigmoid", L.Sigmoid), ("elu", L.ELU)])
def test_activation_matches_the_engine_layer(name, layer):
    z = np.linspace(-4, 4, 41)
    np.testing.assert_allclose(activate(name, z), layer(dtype=np.float64).forward(z[None, :], train=False)[0],
                               rtol=1e-12, atol=1e-15)


def test_single_neuron_by_hand():
    s, out = neuron_output([1.0, -2.0, 0.5], [0.5, 0.25, -2.0], 0.3, "relu")
    assert s == pytest.approx(0.5 - 0.5 - 1.0 + 0.3) and out == 0.0
    s, out = neuron_output([2.0, 1.0], [1.0, 1.0], -1.0, "sigmoid")
    assert s == 2.0 and out == pytest.approx(1 / (1 + np.exp(-2.0)))
    with pytest.raises(ValueError):
        neuron_output([1.0, 2.0], [1.0], 0.0, "relu")


def test_own_points_get_a_square_grid_around_them():
    X = np.array([[50.0, 10.0], [60.0, 12.0], [55.0, 30.0], [52.0, 20.0]])
    y = np.array([0, 1, 1, 0])
    pg = Playground(PlaygroundSpec(hidden=[4], val_ratio=0.25), points=(X, y))
    xmin, xmax, ymin, ymax = pg.grid.bounds
    assert xmax - xmin == pytest.approx(ymax - ymin) == pytest.approx(20 * 1.15)
    assert xmin < 50 and xmax > 60 and ymin < 10 and ymax > 30
    assert pg.num_classes == 2 and len(pg.y_train) == 3 and len(pg.y_val) == 1
