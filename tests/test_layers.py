"""Layers: numerical gradient checks (float64, centred differences) and behaviour.

Test inputs stay away from kinks: ReLU/LeakyReLU/ELU inputs are at least 0.1
away from 0, and max-pool inputs are distinct (no ties within a window).
"""
from __future__ import annotations

import numpy as np
import pytest

from visualdl.engine.gradcheck import check_layer, rel_error
from visualdl.engine.layers import (
    AvgPool2D, BatchNorm, Conv2D, Dropout, ELU, Flatten, LeakyReLU, Linear, MaxPool2D, ReLU,
    Sequential, Sigmoid, Tanh,
)

F64 = np.float64
TOL = 1e-7


def away_from_zero(shape, seed=0):
    """Random values with |x| in [0.1, 1.6): no point within h of a kink at 0."""
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], size=shape) * (0.1 + rng.random(shape) * 1.5)


def distinct(shape, seed=0):
    """A shuffled grid of values 0.01 apart: max pooling never sees a tie."""
    rng = np.random.default_rng(seed)
    return rng.permutation(np.arange(np.prod(shape), dtype=F64)).reshape(shape) * 0.01


def gaussian(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def helper_check(make, x, train=True, before=None):
    """Gradient-check layer `make()` (float64) at x; every gradient's rel error must be < TOL."""
    layer = make()
    errors = check_layer(layer, x, train=train, before_forward=before)
    assert max(errors.values()) < TOL, errors
    return layer


def test_linear():        helper_check(lambda: Linear(5, 4, rng=0, dtype=F64), gaussian((3, 5)))
def test_conv_basic():    helper_check(lambda: Conv2D(2, 3, 3, rng=0, dtype=F64), gaussian((2, 2, 5, 5)))
def test_conv_stride_pad(): helper_check(lambda: Conv2D(2, 3, 3, stride=2, padding=1, rng=0, dtype=F64), gaussian((2, 2, 5, 5)))
def test_conv_5x5_pad2(): helper_check(lambda: Conv2D(3, 2, 5, padding=2, rng=1, dtype=F64), gaussian((2, 3, 6, 6)))
def test_conv_1x1():      helper_check(lambda: Conv2D(3, 4, 1, rng=2, dtype=F64), gaussian((2, 3, 3, 3)))
def test_maxpool():       helper_check(lambda: MaxPool2D(dtype=F64), distinct((2, 3, 4, 4)))
def test_maxpool_overlap(): helper_check(lambda: MaxPool2D(3, 1, dtype=F64), distinct((2, 2, 5, 5)))
def test_maxpool_gap():   helper_check(lambda: MaxPool2D(2, 3, dtype=F64), distinct((2, 2, 5, 5)))
def test_avgpool():       helper_check(lambda: AvgPool2D(dtype=F64), gaussian((2, 3, 4, 4)))
def test_avgpool_overlap(): helper_check(lambda: AvgPool2D(3, 2, dtype=F64), gaussian((2, 2, 5, 5)))
def test_relu():          helper_check(lambda: ReLU(dtype=F64), away_from_zero((3, 2, 3, 3)))
def test_relu_2d():       helper_check(lambda: ReLU(dtype=F64), away_from_zero((4, 7)))
def test_leaky_relu():    helper_check(lambda: LeakyReLU(0.1, dtype=F64), away_from_zero((3, 8)))
def test_leaky_relu_steep(): helper_check(lambda: LeakyReLU(1.5, dtype=F64), away_from_zero((3, 8)))
def test_elu():           helper_check(lambda: ELU(0.7, dtype=F64), away_from_zero((3, 8)))
def test_sigmoid():       helper_check(lambda: Sigmoid(dtype=F64), gaussian((3, 8)) * 3)
def test_tanh():          helper_check(lambda: Tanh(dtype=F64), gaussian((3, 8)) * 2)
def test_flatten():       helper_check(lambda: Flatten(dtype=F64), gaussian((2, 3, 2, 2)))
def test_batchnorm_2d():  helper_check(lambda: _bn(4), gaussian((6, 4)) * 2 + 1)
def test_batchnorm_4d():  helper_check(lambda: _bn(3), gaussian((4, 3, 2, 3)) * 2 + 1)


def _bn(d):
    bn = BatchNorm(d, dtype=F64)
    bn.params["gamma"][:] = np.linspace(0.5, 2.0, d)  # not the trivial 1 / 0
    bn.params["beta"][:] = np.linspace(-1.0, 1.0, d)
    return bn


def test_dropout_with_fixed_mask():
    drop = Dropout(0.4, dtype=F64)
    layer = helper_check(lambda: drop, gaussian((5, 6)),
                         before=lambda: setattr(drop, "rng", np.random.default_rng(7)))
    assert 0 < np.count_nonzero(layer.mask == 0) < layer.mask.size  # some, not all, dropped


def test_small_cnn_end_to_end():
    # (batch norm right after a conv would make that conv's bias gradient exactly 0,
    # which a relative error cannot judge; here it follows the tanh)
    def make():
        return Sequential(
            Conv2D(3, 4, 3, padding=1, rng=0, dtype=F64), ReLU(dtype=F64), MaxPool2D(dtype=F64),
            Conv2D(4, 2, 3, padding=1, rng=1, dtype=F64), Tanh(dtype=F64), BatchNorm(2, dtype=F64),
            AvgPool2D(dtype=F64), Flatten(dtype=F64), Linear(8, 5, rng=2, dtype=F64))
    helper_check(make, gaussian((3, 3, 8, 8)))


def test_mlp_end_to_end():
    def make():
        return Sequential(Flatten(dtype=F64), Linear(12, 6, rng=0, dtype=F64), Sigmoid(dtype=F64),
                          BatchNorm(6, dtype=F64), Dropout(0.0, dtype=F64), Linear(6, 3, rng=1, dtype=F64))
    helper_check(make, gaussian((4, 3, 2, 2)))


# ------------------------------------------------------------------ values, not just gradients


def naive_conv(x, W, b, stride, pad):
    N, C, H, Wd = x.shape
    F, _, k, _ = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho, Wo = (H - k + 2 * pad) // stride + 1, (Wd - k + 2 * pad) // stride + 1
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    window = xp[n, :, i * stride:i * stride + k, j * stride:j * stride + k]
                    out[n, f, i, j] = np.sum(window * W[f]) + b[f]
    return out


@pytest.mark.parametrize("size,k,stride,pad", [(6, 3, 1, 1), (7, 3, 2, 1), (6, 5, 1, 2), (6, 2, 2, 0), (9, 3, 3, 0),
                                               (4, 1, 1, 2), (5, 3, 2, 3)])
def test_conv_matches_loops(size, k, stride, pad):
    x = gaussian((2, 3, size, size))
    conv = Conv2D(3, 4, k, stride, pad, rng=0, dtype=F64)
    conv.params["b"][:] = [0.1, -0.2, 0.3, 0.0]
    y = conv.forward(x)
    assert rel_error(y, naive_conv(x, conv.params["W"], conv.params["b"], stride, pad)) < 1e-12


def test_linear_is_wx_plus_b():
    lin = Linear(3, 2, dtype=F64)
    lin.params["W"][:] = [[1, 2, 3], [0, -1, 0.5]]
    lin.params["b"][:] = [10, 20]
    np.testing.assert_allclose(lin.forward(np.array([[1.0, 1.0, 2.0]])), [[19.0, 20.0]])


def test_maxpool_values_and_first_max_wins():
    x = np.array([[[[1.0, 3.0, 2.0, 2.0], [0.0, -1.0, 2.0, 2.0]]]])  # (1, 1, 2, 4)
    pool = MaxPool2D(dtype=F64)
    np.testing.assert_array_equal(pool.forward(x), [[[[3.0, 2.0]]]])
    dx = pool.backward(np.array([[[[5.0, 7.0]]]]))
    # the tie of four 2s sends the whole gradient to the first one only
    np.testing.assert_array_equal(dx, [[[[0.0, 5.0, 7.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]])


def test_same_result_for_any_memory_layout():
    """A network fed an NCHW array or its batch-innermost copy computes identical numbers."""
    x = gaussian((4, 3, 8, 8)).astype(np.float32)
    x_chwn = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)

    def make():
        return Sequential(Conv2D(3, 4, 3, padding=1, rng=0), ReLU(), MaxPool2D(), Flatten(), Linear(64, 3, rng=1))
    a, b = make(), make()
    np.testing.assert_allclose(a.forward(x), b.forward(x_chwn), rtol=1e-5, atol=1e-6)
    dy = gaussian((4, 3), 1).astype(np.float32)
    a.backward(dy)
    b.backward(dy)
    for name, g in a.named_grads().items():
        np.testing.assert_allclose(g, b.named_grads()[name], rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------ geometry and summary


def test_conv_geometry_that_does_not_fit_names_the_formula():
    conv = Conv2D(1, 1, 3, stride=3)
    with pytest.raises(ValueError, match=r"\(7 - 3 \+ 2\*0\) / 3 \+ 1 is not an integer"):
        conv.forward(np.zeros((1, 1, 7, 7), np.float32))
    with pytest.raises(ValueError, match="7"):
        conv.output_shape((1, 7, 7))


def test_pool_geometry_that_does_not_fit():
    with pytest.raises(ValueError, match=r"\(5 - 2 \+ 2\*0\) / 2 \+ 1 is not an integer"):
        MaxPool2D(2, 2).forward(np.zeros((1, 1, 5, 5), np.float32))


def test_window_larger_than_input():
    with pytest.raises(ValueError, match="does not fit"):
        Conv2D(1, 1, 5).output_shape((1, 3, 3))


def test_summary_reports_shapes_and_param_counts():
    net = Sequential(Conv2D(3, 32, 5, padding=2), ReLU(), MaxPool2D(), Flatten(), Linear(32 * 16 * 16, 10))
    rows = net.summary((3, 32, 32))
    assert [r["output_shape"] for r in rows] == [(32, 32, 32), (32, 32, 32), (32, 16, 16), (8192,), (10,)]
    assert [r["params"] for r in rows] == [32 * 3 * 25 + 32, 0, 0, 0, 8192 * 10 + 10]
    assert [r["type"] for r in rows] == ["Conv2D", "ReLU", "MaxPool2D", "Flatten", "Linear"]
    assert rows[0]["index"] == 0 and "5x5" in rows[0]["name"]
    with pytest.raises(ValueError, match="layer 4"):
        net.summary((3, 30, 30))  # Linear then sees 7200 features


def test_sequential_names_activations_one_backward_per_forward():
    net = Sequential(Linear(4, 3, rng=0, dtype=F64), ReLU(dtype=F64), Linear(3, 2, rng=1, dtype=F64))
    assert list(net.named_params()) == ["0.W", "0.b", "2.W", "2.b"]
    x = gaussian((5, 4))
    out = net.forward(x)
    assert len(net.activations) == 3 and net.activations[-1] is out
    assert net.activations[0].shape == (5, 3)
    dy = gaussian((5, 2), 1)
    assert net.backward(dy) is None  # training never needs d(loss)/d(data)
    first = {k: v.copy() for k, v in net.named_grads().items()}
    with pytest.raises(RuntimeError, match="forward"):
        net.backward(dy)  # refused: never a silent second pass over stale caches
    net.forward(x)
    assert net.backward(dy, input_grad=True).shape == x.shape
    for k, v in net.named_grads().items():
        np.testing.assert_allclose(v, first[k])  # replaced, not accumulated


def test_float32_by_default_and_float64_on_request():
    net = Sequential(Conv2D(3, 2, 3), ReLU(), Flatten(), Linear(2, 2))
    assert all(p.dtype == np.float32 for p in net.named_params().values())
    assert net.forward(np.zeros((1, 3, 3, 3))).dtype == np.float32
    assert Linear(2, 2, dtype=F64).params["W"].dtype == F64
    with pytest.raises(ValueError):
        Sequential(Linear(2, 2), Linear(2, 2, dtype=F64))


# ------------------------------------------------------------------ train / eval behaviour


def test_batchnorm_train_normalizes_and_eval_uses_running_stats():
    rng = np.random.default_rng(0)
    bn = BatchNorm(3, momentum=0.0, dtype=F64)  # momentum 0: running stats = last batch
    x = rng.standard_normal((50, 3)) * [1, 2, 3] + [5, -1, 0]
    y = bn.forward(x, train=True)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(y.std(axis=0), 1, atol=1e-4)
    np.testing.assert_allclose(bn.running_mean, x.mean(axis=0))
    # eval: a single sample is normalized with the stored statistics, not its own
    x1 = x[:1]
    expected = (x1 - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + bn.eps)
    np.testing.assert_allclose(bn.forward(x1, train=False), expected)


def test_batchnorm_running_average_and_images():
    bn = BatchNorm(2, momentum=0.9, dtype=F64)
    x = np.zeros((4, 2, 3, 3))
    x[:, 1] = 10.0
    x[0, 1, 0, 0] = 19.0  # channel 1: mean 10.25 over 36 values
    bn.forward(x, train=True)
    np.testing.assert_allclose(bn.running_mean, [0.0, 0.1 * 10.25])
    y = bn.forward(x, train=True)
    np.testing.assert_allclose(y[:, 0], 0.0)  # constant channel -> 0 (eps keeps it finite)
    assert y[0, 1, 0, 0] > 5
    with pytest.raises(ValueError, match=r"got input \(1, 2\)"):  # one example: no batch statistics
        bn.forward(np.ones((1, 2)), train=True)


def test_dropout_eval_identity_and_expected_value():
    x = np.full((400, 500), 2.0)
    drop = Dropout(0.3, seed=0, dtype=F64)
    assert drop.forward(x, train=False) is x or np.array_equal(drop.forward(x, train=False), x)
    y = drop.forward(x, train=True)
    assert abs(np.mean(y == 0) - 0.3) < 0.01  # p is the DROP probability
    np.testing.assert_allclose(y[y != 0], 2.0 / 0.7)  # inverted: survivors scaled up
    assert abs(y.mean() - 2.0) < 0.02  # expected value preserved
    with pytest.raises(ValueError, match="1.0"):
        Dropout(1.0)


# ------------------------------------------------------------------ the fast paths give the same numbers


@pytest.fixture
def bands_and_threads(monkeypatch):
    """Force one output row per im2col band and a second thread for every split."""
    from visualdl.engine import _parallel, layers
    monkeypatch.setattr(layers, "CONV_CHUNK_ELEMENTS", 1)
    monkeypatch.setattr(_parallel, "MIN_PARALLEL_SIZE", 0)
    monkeypatch.setattr(_parallel, "MIN_PARALLEL_GEMM", 0)


@pytest.mark.parametrize("make,x", [
    (lambda: Conv2D(3, 4, 3, stride=2, padding=1, rng=0, dtype=F64), gaussian((2, 3, 7, 7))),
    (lambda: Conv2D(2, 3, 5, padding=2, rng=1, dtype=F64), gaussian((3, 2, 6, 6))),
    (lambda: MaxPool2D(dtype=F64), distinct((2, 3, 6, 6))),
    (lambda: MaxPool2D(3, 2, dtype=F64), distinct((2, 3, 7, 7))),
    (lambda: AvgPool2D(dtype=F64), gaussian((2, 3, 6, 6))),
    (lambda: ReLU(dtype=F64), away_from_zero((2, 3, 4, 4))),
    (lambda: Linear(6, 5, rng=3, dtype=F64), gaussian((4, 6))),
    (lambda: LeakyReLU(0.2, dtype=F64), away_from_zero((3, 2, 3, 3))),
    (lambda: ELU(dtype=F64), away_from_zero((3, 2, 3, 3))),
    (lambda: Sigmoid(dtype=F64), gaussian((3, 2, 3, 3))),
    (lambda: Tanh(dtype=F64), gaussian((3, 2, 3, 3))),
    (lambda: _bn(3), gaussian((4, 3, 2, 3)) * 2 + 1),
    (lambda: _bn(5), gaussian((6, 5)) - 1),
])
def test_gradients_in_bands_and_threads(bands_and_threads, make, x):
    helper_check(make, x)


@pytest.mark.parametrize("k,stride,pad", [(3, 2, 1), (1, 1, 2), (3, 2, 3)])
def test_conv_in_bands_and_threads_matches_loops(bands_and_threads, k, stride, pad):
    x = gaussian((2, 3, 9, 9))
    conv = Conv2D(3, 4, k, stride, pad, rng=0, dtype=F64)
    y = conv.forward(x)
    assert rel_error(y, naive_conv(x, conv.params["W"], conv.params["b"], stride, pad)) < 1e-12
    assert max(check_layer(Conv2D(3, 2, k, stride, pad, rng=1, dtype=F64), x[:, :, :5, :5]).values()) < TOL


def test_conv_band_plan(bands_and_threads):
    """With the fixture's tiny bands: one output row per band, rows split over two threads."""
    plan = Conv2D(3, 4, 3, 2, 1, dtype=F64)._plan(np.zeros((3, 9, 9, 2)), 5, 5)
    assert [bands for bands, _, _ in plan] == [[(0, 1), (1, 2)], [(2, 3), (3, 4), (4, 5)]]


def test_sequential_backward_leaves_the_callers_gradient_alone():
    net = Sequential(Linear(4, 3, rng=0, dtype=F64), ReLU(dtype=F64), Linear(3, 3, rng=1, dtype=F64), ReLU(dtype=F64))
    x = gaussian((5, 4))
    net.forward(x)
    dy = gaussian((5, 3), 1)
    kept = dy.copy()
    dx = net.backward(dy, input_grad=True)
    np.testing.assert_array_equal(dy, kept)
    net2 = Sequential(*net.layers)
    errors = check_layer(net2, x)
    assert max(errors.values()) < TOL and dx.shape == x.shape


@pytest.mark.parametrize("m,k,n", [(3, 5, 8), (9, 4, 2), (1, 1, 1)])
def test_parallel_matmul_into_strided_output(bands_and_threads, m, k, n):
    from visualdl.engine import _parallel
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((m, k)), rng.standard_normal((n, k)).T  # b: a transposed view
    big = np.zeros((m, 2 * n + 1))
    out = _parallel.matmul(a, b, out=big[:, 1:n + 1])
    np.testing.assert_allclose(out, a @ b, rtol=1e-12)
    np.testing.assert_array_equal(big[:, 0], 0)
    np.testing.assert_array_equal(big[:, n + 1:], 0)


def test_batchnorm_eval_in_threads(bands_and_threads):
    bn = _bn(3)
    bn.running_mean[:] = [1.0, -2.0, 0.5]
    bn.running_var[:] = [4.0, 0.25, 1.0]
    x = gaussian((4, 3, 2, 2))
    expected = ((x - bn.running_mean[:, None, None]) / np.sqrt(bn.running_var[:, None, None] + bn.eps)
                * bn.params["gamma"][:, None, None] + bn.params["beta"][:, None, None])
    np.testing.assert_allclose(bn.forward(x, train=False), expected, rtol=1e-12)


def test_activation_values_and_no_overflow():
    x = np.array([[-1000.0, -1.0, 0.5, 1000.0]])
    np.testing.assert_allclose(LeakyReLU(0.1, dtype=F64).forward(x), [[-100.0, -0.1, 0.5, 1000.0]])
    np.testing.assert_allclose(ELU(2.0, dtype=F64).forward(x), [[-2.0, 2 * (np.exp(-1) - 1), 0.5, 1000.0]])
    with np.errstate(all="raise"):
        np.testing.assert_allclose(Sigmoid(dtype=F64).forward(x), [[0.0, 1 / (1 + np.e), 1 / (1 + np.exp(-0.5)), 1.0]])
        np.testing.assert_allclose(Sigmoid().forward(x.astype(np.float32)), [[0.0, 1 / (1 + np.e), 1 / (1 + np.exp(-0.5)), 1.0]], rtol=1e-6)
    np.testing.assert_allclose(Tanh(dtype=F64).forward(x), np.tanh(x))
    np.testing.assert_allclose(ReLU(dtype=F64).forward(x), [[0.0, 0.0, 0.5, 1000.0]])


def test_sequential_keeps_output_gradients_on_request():
    net = Sequential(Flatten(dtype=F64), Linear(12, 5, rng=0, dtype=F64), ReLU(dtype=F64),
                     Linear(5, 3, rng=1, dtype=F64))
    x = gaussian((4, 3, 2, 2))
    net.forward(x)
    dy = gaussian((4, 3), 1)
    net.backward(dy, keep_output_grads=True)
    g = net.output_grads
    assert g[3] is dy and g[0] is None  # nothing below the first layer with parameters
    W2 = net.layers[3].params["W"]
    np.testing.assert_allclose(g[2], dy @ W2)  # through the last Linear
    np.testing.assert_allclose(g[1], (dy @ W2) * (net.activations[2] > 0))  # through the ReLU, not overwritten
    net.forward(x)
    net.backward(dy)
    assert net.output_grads == []


def test_split_run_covers_every_slab_once(bands_and_threads):
    from visualdl.engine import _parallel
    seen = []
    _parallel.split_run(lambda a, b: seen.extend(range(a, b)), 10, 10)
    assert sorted(seen) == list(range(10))
