"""Activation curves, dead units, the lr range test, side-by-side runs, PCA, confusion matrices,
and the per-layer histograms / update ratios a training snapshot carries."""
from __future__ import annotations

import math

import numpy as np
import pytest

from visualdl.data import load_dataset
from visualdl.engine.experiments.activations import activation_curve, dead_fractions, dead_relu_run, saturated_regions
from visualdl.engine.experiments.analysis import (cell_members, channel_mean_image, confusion_matrix, normalise,
                                                  pca_2d, row_normalise, zero_centre)
from visualdl.engine.experiments.lr import lr_range_test, lr_sweep, suggest_lr
from visualdl.engine.experiments.runs import bn_configs, overfit_configs, subset, train_side_by_side


@pytest.fixture(scope="module")
def images():
    return load_dataset("builtin", n_train=1000, n_val=300, n_test=10)


def finish(gen):
    rows = []
    while True:
        try:
            rows.append(next(gen))
        except StopIteration as stop:
            return rows, stop.value


def test_activation_curves_match_hand_values():
    x = np.array([-1.0, 0.0, 2.0])
    y, d = activation_curve("sigmoid", x)
    assert y[1] == 0.5 and d[1] == 0.25
    y, d = activation_curve("tanh", x)
    assert d[1] == 1.0 and y[2] == pytest.approx(0.96402758, abs=1e-8)
    y, d = activation_curve("leaky_relu", x, slope=0.1)
    np.testing.assert_allclose(y, [-0.1, 0.0, 2.0])
    np.testing.assert_allclose(d, [0.1, 0.1, 1.0])  # the engine takes slope 0.1 at exactly 0
    y, d = activation_curve("elu", x, alpha=2.0)
    assert y[0] == pytest.approx(2.0 * (math.exp(-1) - 1)) and d[0] == pytest.approx(2.0 * math.exp(-1))


def test_saturated_regions_of_sigmoid_start_where_its_slope_drops_below_one_percent():
    x = np.linspace(-8, 8, 16001)
    _, d = activation_curve("sigmoid", x)
    s = (1 - math.sqrt(1 - 4 * 0.01)) / 2  # s (1 - s) = 0.01
    edge = math.log((1 - s) / s)  # 4.595
    (lo0, hi0), (lo1, hi1) = saturated_regions(x, d)
    assert lo0 == -8 and hi1 == 8
    assert hi0 == pytest.approx(-edge, abs=2e-3) and lo1 == pytest.approx(edge, abs=2e-3)
    assert saturated_regions(x, activation_curve("leaky_relu", x, slope=0.01)[1]) == []
    assert saturated_regions(x, activation_curve("relu", x)[1]) == [(-8.0, 0.0)]


def test_dead_fraction_counts_units_that_never_fire():
    from visualdl.engine import layers as L

    lin = L.Linear(3, 4, dtype=np.float64)
    lin.params["W"][...] = 0.0
    lin.params["W"][0, 0] = 1.0
    lin.params["b"][...] = [0.0, -1.0, 1.0, -1.0]  # units 1 and 3 never fire
    model = L.Sequential(lin, L.ReLU(dtype=np.float64))
    x = np.array([[1.0, 0, 0], [-0.5, 0, 0]])
    assert dead_fractions(model, x) == [0.5]


def test_too_high_a_rate_kills_relus_a_reasonable_one_does_not(images):
    high = list(dead_relu_run(images, 0.2, 60, every=20))
    low = list(dead_relu_run(images, 0.02, 60, every=20))
    assert high[0]["dead"] == [0.0, 0.0]
    assert max(high[-1]["dead"]) > 0.5
    assert max(low[-1]["dead"]) < 0.05


def test_lr_range_test_suggests_a_rate_near_the_best_of_a_grid():
    data = load_dataset("spiral")
    cfg = {"model": {"preset": "linear"}, "optim": {"name": "sgd"}, "reg": {"kind": "none", "strength": 0.0},
           "batch_size": 64, "seed": 0}
    rows, result = finish(lr_range_test(data, cfg, 1e-4, 100.0, 200))
    assert [r["lr"] for r in rows] == result["lrs"] and result["lrs"][0] == pytest.approx(1e-4)
    grid = [1e-3, 1e-2, 1e-1, 1.0, 10.0]
    final = []
    for lr in grid:  # the known good rate: lowest mean loss over the last 20 of 200 steps
        losses = [r["losses"][0] for r in lr_sweep(data, cfg, [lr], 200)][-20:]
        final.append(np.inf if None in losses else np.mean(losses))
    best = grid[int(np.argmin(final))]
    assert best / 10 <= result["suggested"] <= best * 10, (result["suggested"], best, final)


def test_suggest_lr_finds_the_steepest_fall():
    lrs = np.geomspace(1e-4, 1, 41)
    losses = 2.0 - np.tanh((np.log10(lrs) + 2) * 3)  # falls fastest at lr = 1e-2
    assert suggest_lr(lrs, losses, beta=0.0) == pytest.approx(1e-2, rel=0.3)
    with pytest.raises(ValueError, match="too few"):
        suggest_lr([1e-3, 1e-2], [1.0, float("nan")])


def test_lr_sweep_runs_start_from_the_same_weights(images):
    rows = list(lr_sweep(images, {"model": {"preset": "two_layer"}, "optim": {"name": "sgd"}}, [1e-3, 1e-3, 0.1], 2))
    a, b, c = rows[0]["losses"]
    assert a == b == c  # the first loss is computed before any update: same init, same batch
    assert rows[1]["losses"][0] == rows[1]["losses"][1] != rows[1]["losses"][2]


def test_only_the_batch_norm_net_trains_at_a_high_rate(images):
    rows = list(train_side_by_side(images, bn_configs(0.3), epochs=2))
    assert rows[-1]["done"]
    plain, bn = rows[-1]["trainers"]
    assert plain.stopped_reason is not None  # diverged
    assert bn.stopped_reason is None and bn.history.epochs[-1]["val_acc"] > 0.5


def test_small_subset_overfits(images):
    small = subset(images, 200)
    assert len(small.X_train) == 200 and len(small.X_val) == 300
    rows = list(train_side_by_side(small, overfit_configs()[:1], epochs=15))
    acc = rows[-1]["trainers"][0].history.epochs[-1]
    assert acc["train_acc"] > 0.95 and acc["train_acc"] - acc["val_acc"] > 0.15
    with pytest.raises(ValueError, match="subset size"):
        subset(images, 0)


def test_zero_centre_and_normalise():
    X = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 10.0]])
    np.testing.assert_allclose(zero_centre(X), [[-2, 0], [0, 0], [2, 0]])
    np.testing.assert_allclose(normalise(X)[:, 0], [-2 / math.sqrt(8 / 3), 0, 2 / math.sqrt(8 / 3)])
    assert np.all(normalise(X)[:, 1] == 0)


def test_pca_finds_the_long_axis_and_the_randomized_path_agrees():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((500, 2)) * [5.0, 1.0]
    d = np.array([3.0, 4.0]) / 5
    X = np.outer(z[:, 0], d) + np.outer(z[:, 1], [-d[1], d[0]]) + 7
    r = pca_2d(X)
    assert abs(r["components"][0] @ d) == pytest.approx(1, abs=1e-3)
    assert r["explained"].sum() == pytest.approx(1.0)
    assert r["explained"][0] == pytest.approx(25 / 26, abs=0.02)
    # a falling spectrum, as image data has (singular values 100, 50, 25, ...)
    U, _ = np.linalg.qr(rng.standard_normal((300, 40)))
    V, _ = np.linalg.qr(rng.standard_normal((600, 40)))
    big = (U * 100 * 0.5 ** np.arange(40)) @ V.T
    exact, approx = pca_2d(big), pca_2d(big, exact_limit=10)
    np.testing.assert_allclose(np.abs(exact["components"] @ approx["components"].T), np.eye(2), atol=1e-6)
    np.testing.assert_allclose(np.abs(exact["projection"]), np.abs(approx["projection"]), rtol=1e-5, atol=1e-6)


def test_channel_mean_image():
    imgs = np.zeros((2, 2, 2, 3), np.uint8)
    imgs[0, ..., 0] = 10
    imgs[1, ..., 2] = 40
    mean_image, channels = channel_mean_image(imgs)
    np.testing.assert_allclose(channels, [5, 0, 20])
    assert mean_image.shape == (2, 2, 3)


def test_confusion_matrix_counts_and_rows():
    true = [0, 0, 1, 1, 1, 2]
    pred = [0, 1, 1, 1, 0, 2]
    M = confusion_matrix(true, pred, 3)
    np.testing.assert_array_equal(M, [[1, 1, 0], [1, 2, 0], [0, 0, 1]])
    np.testing.assert_allclose(row_normalise(M)[1], [1 / 3, 2 / 3, 0])
    np.testing.assert_array_equal(cell_members(true, pred, 1, 0), [4])
    assert row_normalise(np.zeros((2, 2))).sum() == 0
    with pytest.raises(ValueError, match="0..2"):
        confusion_matrix([0, 3], [0, 0], 3)


def test_snapshot_carries_layer_histograms_and_per_layer_update_ratios(images):
    from visualdl.engine.trainer import Trainer

    t = Trainer({"model": {"preset": "two_layer"}, "batch_size": 50}, images)
    assert all(row["act"] is None and row["grad"] is None for row in t.snapshot()["histograms"])
    m = t.step()
    snap = t.snapshot()
    hists, ratios = snap["histograms"], snap["update_ratios"]
    assert len(hists) == len(snap["layers"])
    n_hidden = 50 * 100
    assert hists[2]["act"][1].sum() == n_hidden  # the ReLU's output, every value counted
    # big arrays are sampled by whole rows at an even stride (about 16,384 values at most)
    stride = -(-100 // (16384 // 3072))
    assert hists[1]["weight"][1].sum() == len(range(0, 100, stride)) * 3072 and hists[0]["weight"] is None
    # the per-parameter ratio is ||W_after - W_before|| / ||W_before|| of this one step
    before = Trainer({"model": {"preset": "two_layer"}, "batch_size": 50}, images).params
    for name in ("1.W", "3.W"):
        w0 = before[name].astype(np.float64)
        expected = np.linalg.norm(snap["params"][name] - w0) / np.linalg.norm(w0)
        assert ratios[name] == pytest.approx(expected, rel=1e-5)
    assert math.isinf(ratios["1.b"])  # biases start at zero
    w2 = {n: float(np.sum(p.astype(np.float64) ** 2)) for n, p in before.items()}
    upd2 = {n: float(np.sum((snap["params"][n] - before[n].astype(np.float64)) ** 2)) for n in before}
    assert m["update_ratio"] == pytest.approx(math.sqrt(sum(upd2.values()) / sum(w2.values())), rel=1e-5)
