"""The step-wise Trainer: metrics, epochs, determinism, divergence, snapshots, checkpoints, augmentation."""
from __future__ import annotations

import json

import numpy as np
import pytest

from visualdl.data import load_dataset
from visualdl.engine.augment import augment_batch
from visualdl.engine.models import default_config
from visualdl.engine.serialize import CheckpointError
from visualdl.engine.trainer import History, Trainer, TrainingStopped, load_checkpoint_for, load_model

STEP_KEYS = {"iteration", "epoch", "loss", "data_loss", "reg_loss", "batch_acc", "lr", "update_ratio"}


@pytest.fixture(scope="module")
def images():
    return load_dataset("builtin", n_train=120, n_val=40, n_test=40, seed=3)


@pytest.fixture(scope="module")
def points():
    return load_dataset("spiral", n_points=300, seed=1)


def _cfg(preset="two_layer", **top):
    cfg = default_config(preset)
    cfg["batch_size"] = 40
    if preset in ("small_cnn", "standard_cnn"):
        cfg["model"]["filters"] = [4] if preset == "small_cnn" else [4, 6]
        cfg["model"]["hidden"] = [] if preset == "small_cnn" else [16]
    for key, value in top.items():
        cfg[key] = value
    return cfg


def _params_equal(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_step_metrics(points):
    t = Trainer(_cfg(), points)
    m = t.step()
    assert STEP_KEYS <= m.keys()
    assert m["iteration"] == 1 and t.iteration == 1
    assert m["loss"] == pytest.approx(m["data_loss"] + m["reg_loss"])
    assert m["reg_loss"] > 0  # default L2
    assert 0 <= m["batch_acc"] <= 1
    assert m["lr"] == t.config["optim"]["lr"]
    assert 0 < m["update_ratio"] < 1
    assert all(p.dtype == np.float32 for p in t.params.values())
    # the first softmax loss with small random weights is close to log(number of classes)
    assert m["data_loss"] == pytest.approx(np.log(3), rel=0.5)


def test_reg_loss_is_reported_separately(points):
    cfg = _cfg()
    cfg["reg"] = {"kind": "none", "strength": 0.0, "l1_strength": 0.0, "max_norm": None}
    m = Trainer(cfg, points).step()
    assert m["reg_loss"] == 0 and m["loss"] == m["data_loss"]
    cfg["reg"] = {"kind": "l2", "strength": 0.1, "l1_strength": 0.0, "max_norm": None}
    t = Trainer(cfg, points)
    W = {k: v.astype(np.float64) for k, v in t.params.items() if k.endswith(".W")}
    expected = 0.5 * 0.1 * sum(float((w * w).sum()) for w in W.values())
    assert t.step()["reg_loss"] == pytest.approx(expected, rel=1e-6)


def test_epoch_end_reports_train_and_val_accuracy(images):
    t = Trainer(_cfg(), images, train_eval_size=50)
    assert t.iterations_per_epoch == 3  # 120 examples, batch 40
    first, second, third = t.step(), t.step(), t.step()
    assert "val_acc" not in first and "val_acc" not in second
    assert third["epoch"] == 1.0 and t.epoch == 1.0 and second["epoch"] == pytest.approx(2 / 3)
    assert t.history.epochs == [{"epoch": 1, "iteration": 3, "train_acc": third["train_acc"],
                                 "val_acc": third["val_acc"]}]
    assert third["val_acc"] == t.evaluate("val")
    assert third["train_acc"] == t.evaluate("train", limit=50)
    # the train subset is fixed: the same 50 examples every time
    pred = t.predict(images.X_train)
    subset = t.train_eval_indices
    assert len(subset) == 50
    assert third["train_acc"] == np.mean(pred[subset] == images.y_train[subset])


def test_each_epoch_visits_every_training_example_once(points):
    t = Trainer(_cfg(batch_size=30), points)
    n = len(points.X_train)
    seen = []
    for _ in range(t.iterations_per_epoch):
        seen.extend(t.next_batch_indices().tolist())
        t.step()
    assert sorted(seen) == list(range(n))


def test_same_seed_same_run_bit_for_bit(images):
    cfg = _cfg("standard_cnn", augment=True)
    cfg["model"].update(dropout=0.3, batchnorm=True)
    a, b = Trainer(cfg, images), Trainer(cfg, images)
    runs = [[t.step() for _ in range(4)] for t in (a, b)]
    assert runs[0] == runs[1]
    assert _params_equal(a.params, b.params)
    cfg["seed"] = 1
    c = Trainer(cfg, images)
    assert not np.array_equal(c.params["0.W"], a.snapshot()["params"]["0.W"])


def test_reset_repeats_the_same_initialization_and_run(images):
    cfg = _cfg("small_cnn", augment=True)
    t = Trainer(cfg, images)
    initial = {k: v.copy() for k, v in t.params.items()}
    first = [t.step() for _ in range(4)]
    assert not _params_equal(initial, t.params)
    t.reset()
    assert _params_equal(initial, t.params)
    assert t.iteration == 0 and len(t.history) == 0 and t.history.epochs == []
    assert [t.step() for _ in range(4)] == first


def test_divergence_stops_with_plain_reason_and_keeps_weights(points):
    cfg = _cfg()
    cfg["optim"] = {"name": "sgd", "lr": 1e6}
    cfg["model"]["batchnorm"] = True
    t = Trainer(cfg, points)
    bn = t.model.layers[1]
    for _ in range(50):
        before = {k: v.copy() for k, v in t.params.items()}
        running = (bn.running_mean.copy(), bn.running_var.copy())
        m = t.step()
        if "stopped" in m:
            break
    else:
        pytest.fail("a learning rate of 1e6 should diverge within 50 steps")
    assert t.stopped_reason == m["stopped"]
    assert "learning rate" in t.stopped_reason and "lower it" in t.stopped_reason
    assert _params_equal(before, t.params)
    assert np.array_equal(bn.running_mean, running[0]) and np.array_equal(bn.running_var, running[1])
    with pytest.raises(TrainingStopped, match="learning rate"):
        t.step()
    t.reset()
    assert t.stopped_reason is None
    t.step()


def test_max_norm_is_applied_after_every_update(points):
    cfg = _cfg()
    cfg["reg"]["max_norm"] = 0.5
    cfg["optim"]["lr"] = 0.05
    t = Trainer(cfg, points)
    for _ in range(5):
        t.step()
        for name, W in t.params.items():
            if name.endswith(".W"):
                assert np.linalg.norm(W.reshape(len(W), -1), axis=1).max() <= 0.5 + 1e-6


def test_set_hyperparams_changes_lr_without_reset(points):
    t = Trainer(_cfg(), points)
    t.step()
    t.step()
    weights = {k: v.copy() for k, v in t.params.items()}
    t.set_hyperparams(lr=1e-4, beta1=0.8)
    assert t.iteration == 2 and _params_equal(weights, t.params)
    assert t.optimizer.t == 2 and t.optimizer.beta1 == 0.8
    assert t.step()["lr"] == 1e-4
    with pytest.raises(ValueError, match="optim.lr"):
        t.set_hyperparams(lr=-1)
    assert t.lr == 1e-4  # the refused change left everything as it was
    t.set_hyperparams(reg_strength=0.5)
    assert t.regularizer.strength == 0.5 and t.config["reg"]["strength"] == 0.5


def test_lr_decay_per_epoch(images):
    cfg = _cfg(lr_decay=0.5)
    t = Trainer(cfg, images)
    for _ in range(t.iterations_per_epoch):
        m = t.step()
    assert m["lr"] == pytest.approx(1e-3) and t.lr == pytest.approx(5e-4)


def test_scores_use_the_fitted_preprocessor(images):
    t = Trainer(_cfg(), images)
    t.step()
    X = images.X_test[:7]
    expected = t.model.forward(t.preprocessor.transform(X), train=False)
    assert np.allclose(t.scores(X), expected)
    assert t.predict(X).dtype == np.int64 and t.predict(X).shape == (7,)


def test_cnn_on_points_is_refused(points):
    with pytest.raises(ValueError, match="image input"):
        Trainer(_cfg("small_cnn"), points)


def test_snapshot_is_frozen_and_describes_the_last_training_step(images):
    cfg = _cfg("standard_cnn")
    cfg["model"]["batchnorm"] = True
    t = Trainer(cfg, images)
    empty = t.snapshot()
    assert empty["iteration"] == 0 and all(layer["act_mean"] is None for layer in empty["layers"])
    t.step()
    snap = t.snapshot()
    assert snap["iteration"] == 1 and snap["config"] == t.config
    assert [layer["type"] for layer in snap["layers"]] == [type(x).__name__ for x in t.model.layers]
    last_act = t.model.activations[-1].astype(np.float64)
    assert snap["layers"][-1]["act_mean"] == pytest.approx(last_act.mean())
    assert snap["layers"][-1]["act_norm"] == pytest.approx(np.linalg.norm(last_act))
    # softmax gradient rows sum to zero, so the scores' gradient has mean 0
    assert abs(snap["layers"][-1]["grad_mean"]) < 1e-7 and snap["layers"][-1]["grad_norm"] > 0
    # a ReLU output is never negative
    relu = next(layer for layer in snap["layers"] if layer["type"] == "ReLU")
    assert relu["act_mean"] > 0 and relu["act_std"] > 0
    # frozen: later steps and evaluations change neither the copy nor the layer statistics
    W0 = snap["params"]["0.W"].copy()
    assert snap["params"]["0.W"] is not t.params["0.W"]
    t.evaluate("val")
    assert t.snapshot()["layers"] == snap["layers"]
    t.step()
    assert np.array_equal(snap["params"]["0.W"], W0) and not np.array_equal(t.params["0.W"], W0)


def test_history_round_trip_is_json(images):
    t = Trainer(_cfg(), images)
    for _ in range(4):
        t.step()
    d = json.loads(json.dumps(t.history.to_dict()))
    h = History.from_dict(d)
    assert h.iterations == t.history.iterations and h.epochs == t.history.epochs
    with pytest.raises(ValueError, match="history"):
        History.from_dict({"iterations": 3})


def test_save_and_load_reproduce_predictions(images, tmp_path):
    cfg = _cfg("small_cnn")
    cfg["model"]["batchnorm"] = True
    t = Trainer(cfg, images)
    for _ in range(4):
        t.step()
    t.set_hyperparams(lr=2e-4)
    assert t.save(tmp_path / "m", extra={"session": {"note": "kept"}}) == tmp_path / "m"
    expected = t.scores(images.X_test)

    fresh = Trainer(cfg, images)
    assert not np.allclose(fresh.scores(images.X_test), expected)
    fresh.load(tmp_path / "m")
    assert np.array_equal(fresh.scores(images.X_test), expected)  # incl. BN running statistics
    assert fresh.iteration == 4 and fresh.history.iterations == t.history.iterations
    assert fresh.lr == 2e-4 and fresh.config["optim"]["lr"] == 2e-4  # the config shows the lr in use

    model, config, extra = load_model(tmp_path / "m")
    assert config == t.config and extra["class_names"] == images.class_names
    assert extra["session"] == {"note": "kept"}
    assert np.array_equal(model.forward(t.preprocessor.transform(images.X_test), train=False), expected)


def test_load_refuses_a_different_model(images, tmp_path):
    small = _cfg()
    small["model"]["hidden"] = [20]
    t = Trainer(small, images)
    t.save(tmp_path / "small")
    with pytest.raises(CheckpointError, match="different model"):
        Trainer(_cfg(), images).load(tmp_path / "small")
    # a config edited by hand so it no longer fits the weights
    meta = json.loads((tmp_path / "small.json").read_text())
    meta["config"]["model"]["hidden"] = [30]
    (tmp_path / "small.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match=r"1.W has shape \(20, 3072\), expected \(30, 3072\)"):
        load_checkpoint_for(tmp_path / "small")


def test_state_dict_restores_weights_and_optimizer(points):
    t = Trainer(_cfg(), points)
    for _ in range(3):
        t.step()
    state = t.state_dict()
    other = Trainer(_cfg(), points)
    other.load_state_dict(state)
    assert _params_equal(other.params, t.params)
    assert other.optimizer.t == 3 and other.iteration == 3
    # the arrays in the state are copies: training on does not change them
    t.step()
    assert not np.array_equal(state["params"]["0.W"], t.params["0.W"])


# ------------------------------------------------------------------ augmentation


def test_augment_flip_and_shift_move_pixels():
    x = np.arange(2 * 1 * 4 * 5, dtype=np.float32).reshape(2, 1, 4, 5)

    class FixedRng:  # first image flipped and shifted by (1, -2), second unchanged
        def random(self, n):
            return np.array([0.1, 0.9])

        def integers(self, lo, hi, size):
            return np.array([[1, -2], [0, 0]])

    out = augment_batch(x, FixedRng(), flip=True, max_shift=2)
    expected = np.zeros((4, 5), np.float32)
    expected[1:, :3] = x[0, 0, :3, 2:]  # content moves down 1 and left 2, zeros fill in
    assert np.array_equal(out[0, 0], expected[:, ::-1])
    assert np.array_equal(out[1], x[1])


def test_augment_is_reproducible_and_leaves_input_alone():
    x = np.random.default_rng(0).standard_normal((16, 3, 8, 8)).astype(np.float32)
    before = x.copy()
    a = augment_batch(x, np.random.default_rng(1))
    b = augment_batch(x, np.random.default_rng(1))
    assert np.array_equal(a, b) and np.array_equal(x, before) and a.dtype == np.float32
    assert not np.array_equal(a, x)
    assert np.array_equal(augment_batch(x, np.random.default_rng(1), flip=False, max_shift=0), x)
    with pytest.raises(ValueError, match="max_shift"):
        augment_batch(x, np.random.default_rng(1), max_shift=8)


@pytest.mark.parametrize("shift, scale", [(0.3, 1.0), (100.0, 0.01), (0.0, 1e-6), (1.0, 0.001), (3.0, 0.004),
                                          (1.0, 0.1), (10.0, 0.02), (1.0, 0.33), (0.5, 0.2)])
def test_layer_stats_match_float64(shift, scale):
    from visualdl.engine.trainer import _stats

    rng = np.random.default_rng(0)
    stored = (rng.standard_normal((8, 16, 16, 70)) * scale + shift).astype(np.float32)
    a = stored.transpose(3, 0, 1, 2)  # the batch-innermost layout the layers hand on
    exact = a.astype(np.float64)
    mean, std, norm = _stats(a)
    assert mean == pytest.approx(exact.mean(), rel=1e-7, abs=1e-12)
    assert std == pytest.approx(exact.std(), rel=1e-6)
    assert norm == pytest.approx(np.sqrt((exact ** 2).sum()), rel=1e-7)
    assert _stats(None) == (None, None, None)


def test_not_keeping_layer_gradients_changes_nothing_but_the_snapshot(images):
    cfg = _cfg("standard_cnn")
    a, b = Trainer(cfg, images), Trainer(cfg, images, keep_layer_grads=False)
    assert [a.step() for _ in range(3)] == [b.step() for _ in range(3)]
    assert _params_equal(a.params, b.params)
    snap = b.snapshot()
    assert all(layer["grad_norm"] is None for layer in snap["layers"])
    assert all(layer["act_norm"] > 0 for layer in snap["layers"])
    assert a.snapshot()["layers"][0]["grad_norm"] > 0


def test_snapshot_says_why_a_gradient_is_missing_and_carries_the_input_shape(images):
    """The network view showed 'grad (no step yet)' for Flatten after thousands of steps: backprop
    stops below the first layer with parameters, and the snapshot now says so."""
    t = Trainer(_cfg("two_layer"), images)
    before = t.snapshot()
    assert before["input_shape"] == tuple(images.input_shape)
    assert {layer["grad_note"] for layer in before["layers"]} == {"no step yet"}
    t.step()
    layers = t.snapshot()["layers"]
    assert layers[0]["type"] == "Flatten"
    assert layers[0]["grad_norm"] is None and layers[0]["grad_note"] == "not computed: no parameters below"
    assert layers[0]["act_note"] is None and layers[0]["act_norm"] is not None
    assert all(layer["grad_note"] is None for layer in layers[1:])


def test_a_restored_session_goes_on_from_the_same_fractional_epoch(images, tmp_path):
    from visualdl.engine.trainer import load_checkpoint_for

    t = Trainer(_cfg("linear"), images)
    steps = t.iterations_per_epoch + 1  # one epoch and one batch
    for _ in range(steps):
        t.step()
    epoch = t.epoch
    assert 1 < epoch < 2
    base = t.save(tmp_path / "s")
    u = Trainer(_cfg("linear"), images)
    u.apply_checkpoint(*load_checkpoint_for(str(base) + ".json")[1:])
    assert u.iteration == steps and u.epoch == pytest.approx(epoch)
    assert u.step()["epoch"] == pytest.approx(1 + 2 / t.iterations_per_epoch)
