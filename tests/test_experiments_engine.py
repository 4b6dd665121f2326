"""The course's facts about initialization, measured by visualdl.engine.experiments (10 x 500, batch 1,000)."""
from __future__ import annotations

import numpy as np
import pytest

from visualdl.engine.experiments.deepnet import deep_net, deep_net_statistics
from visualdl.engine.nn.histograms import histogram, layer_histograms, sample_values

COURSE = {"num_layers": 10, "width": 500, "batch": 1000, "seed": 0}


def stds(stats):
    return np.array([row["std"] for row in stats["layers"]])


def test_tanh_small_gaussian_activations_collapse_to_zero():
    s = stds(deep_net_statistics(init="small", activation="tanh", backward=False, **COURSE))
    assert s[-1] < 1e-5 * s[0]
    assert np.all(np.diff(s) < 0)  # shrinks at every layer


def test_tanh_unit_gaussian_saturates_every_layer():
    stats = deep_net_statistics(init="large", activation="tanh", backward=False, **COURSE)
    for i, row in enumerate(stats["layers"]):
        assert row["saturated"] > 0.8, f"layer {i + 1}: only {row['saturated']:.0%} beyond |0.99|"


@pytest.mark.parametrize("init, activation", [("xavier", "tanh"), ("kaiming", "relu")])
def test_xavier_tanh_and_kaiming_relu_keep_the_spread(init, activation):
    s = stds(deep_net_statistics(init=init, activation=activation, backward=False, **COURSE))
    ratio = s / s[0]
    assert np.all(ratio > 1 / 4) and np.all(ratio < 4), ratio


def test_relu_unit_gaussian_explodes():
    s = stds(deep_net_statistics(init="large", activation="relu", backward=False, **COURSE))
    assert s[-1] > 1e6 * s[0]


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_zero_init_units_are_identical_and_get_identical_gradients(activation):
    stats = deep_net_statistics(init="zeros", activation=activation, **{**COURSE, "width": 50, "batch": 64})
    assert all(row["identical_units"] for row in stats["layers"])
    assert all(row["identical_grads"] for row in stats["layers"])


def test_random_init_breaks_symmetry():
    stats = deep_net_statistics(init="xavier", activation="tanh", **{**COURSE, "width": 50, "batch": 64})
    assert not any(row["identical_units"] for row in stats["layers"])
    assert not any(row["identical_grads"] for row in stats["layers"])


def test_statistics_match_a_plain_numpy_forward_pass():
    """The engine's layers give the same layer stds as writing the net out by hand."""
    net = deep_net(3, 40, "xavier", "tanh", seed=np.random.default_rng(5), dtype=np.float64)
    x = np.random.default_rng(6).standard_normal((200, 40))
    h, expected = x, []
    for layer in net.layers[::2]:
        h = np.tanh(h @ layer.params["W"].T + layer.params["b"])
        expected.append(h.std())
    net.forward(x)
    got = [a.std() for a in net.activations[1::2]]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_backward_gradients_are_checked_against_finite_differences():
    """grad_std comes from Sequential.backward: compare dL/dh_1 with a centred difference on a small net."""
    from visualdl.engine.gradcheck import numerical_gradient

    net = deep_net(3, 6, "xavier", "tanh", seed=np.random.default_rng(1), dtype=np.float64)
    x = np.random.default_rng(2).standard_normal((4, 6))
    g = np.random.default_rng(3).standard_normal((4, 6))
    net.forward(x)
    net.backward(g, keep_output_grads=True)
    dh1 = net.output_grads[1].copy()
    h1 = net.activations[1].copy()

    def rest(h):  # layers 2.. applied to the first block's output
        for layer in net.layers[2:]:
            h = layer.forward(h)
        return h

    np.testing.assert_allclose(dh1, numerical_gradient(rest, h1, df=g), rtol=1e-6, atol=1e-9)


def test_statistics_stop_when_cancelled():
    import threading

    stop = threading.Event()
    stop.set()
    assert deep_net_statistics(init="xavier", activation="tanh", cancel=stop, **COURSE) is None


def test_histogram_counts_sum_to_the_data_size():
    x = np.random.default_rng(0).standard_normal((37, 11)).astype(np.float32)
    for bins in (1, 7, 40):
        edges, counts = histogram(x, bins)
        assert counts.sum() == x.size and len(edges) == bins + 1
        assert edges[0] == x.min() and edges[-1] == pytest.approx(x.max())
    # a range narrower than the data clips into the end bins: still every value counted
    _, counts = histogram(x, 10, value_range=(-0.5, 0.5))
    assert counts.sum() == x.size
    assert counts[0] == np.sum(x < -0.4) and counts[-1] == np.sum(x >= 0.4)  # bins 0.1 wide


def test_histogram_agrees_with_numpy_and_handles_constants_and_nan():
    x = np.random.default_rng(1).uniform(-3, 2, 10_000)
    np.testing.assert_array_equal(histogram(x, 25)[1], np.histogram(x, 25)[0])
    edges, counts = histogram(np.full(10, 4.0), 5)
    assert counts.sum() == 10 and edges[0] < 4.0 < edges[-1]
    assert histogram(np.array([1.0, np.nan, np.inf, 2.0]), 4)[1].sum() == 2
    with pytest.raises(ValueError, match="at least 1 bin"):
        histogram(x, 0)


def test_layer_histograms_sample_big_arrays_evenly():
    a = np.arange(200_000, dtype=np.float32).reshape(400, 500)
    s = sample_values(a, 1000)  # two whole rows, 200 apart
    np.testing.assert_array_equal(s, np.concatenate([a[0], a[200]]))
    s = sample_values(a.ravel(), 1000)
    assert len(s) <= 1000 and s[0] == 0 and np.all(np.diff(s) == s[1] - s[0])
    rows = layer_histograms([a, None], [None, a], {"0.W": a[:1]}, bins=10, limit=1000)
    assert rows[0]["act"][1].sum() == len(s) and rows[0]["weight"][1].sum() == a[:1].size
    assert rows[1]["act"] is None and rows[1]["grad"][1].sum() == len(s) and rows[1]["weight"] is None
