"""The live CNN views' engine side: filters as tiles, one image through every layer, resizing, the job's probe."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from visualdl.data import load_dataset
from visualdl.engine.cnn.features import (FeatureProbe, filter_tiles, first_layer_filters, layer_names,
                                          record_forward, resize_image, scale_maps, softmax, tile_at, tile_grid)
from visualdl.engine.layers import Dropout
from visualdl.engine.models import default_config
from visualdl.engine.trainer import Trainer
from visualdl.labs.training.job import TrainingSession, merge_updates


@pytest.fixture(scope="module")
def data():
    return load_dataset("builtin", n_train=256, n_val=32, n_test=32, seed=0)


def make_trainer(data, preset="standard_cnn", batch_size=32):
    cfg = default_config(preset)
    cfg["batch_size"] = batch_size
    return Trainer(cfg, data)


def test_layer_names_follow_the_standard_cnn(data):
    t = make_trainer(data)
    assert layer_names(t.model) == ["conv1", "bn1", "relu1", "pool1", "conv2", "bn2", "relu2", "pool2",
                                    "flatten", "fc1", "bn3", "relu3", "fc2"]


def test_recorded_maps_equal_the_models_own_forward_pass(data):
    t = make_trainer(data)
    for _ in range(3):
        t.step()  # batch-norm running statistics are no longer the initial ones
    x = t.preprocessor.transform(data.X_test[:2])
    layers = record_forward(t.model, x)
    expected = copy.deepcopy(t.model)
    expected.forward(x, train=False)
    summary = t.model.summary(data.input_shape)
    assert len(layers) == len(summary) == len(expected.activations)
    for rec, ref, row in zip(layers, expected.activations, summary):
        assert rec["shape"] == row["output_shape"]
        assert rec["output"].shape == (2, *row["output_shape"])
        np.testing.assert_array_equal(rec["output"], np.asarray(ref))
    assert layers[0]["shape"] == (32, 32, 32) and layers[3]["shape"] == (32, 16, 16)


def test_recording_between_forward_and_backward_leaves_the_step_unchanged(data):
    """The probe may run at any time: a backward after it gives bit-identical gradients."""
    grads = []
    for probe in (False, True):
        t = make_trainer(data)
        t.model.layers.insert(len(t.model.layers) - 1, Dropout(0.5, seed=3))  # a mask to keep too
        x = t.preprocessor.transform(data.X_train[:16])
        scores = t.model.forward(x, train=True)
        if probe:
            record_forward(t.model, t.preprocessor.transform(data.X_test[:1]))
        acts_before = [a for a in t.model.activations]
        t.model.backward(np.ones_like(scores) / scores.size)
        grads.append({k: v.copy() for k, v in t.model.named_grads().items()})
        assert all(a is b for a, b in zip(acts_before, t.model.activations))
    assert grads[0].keys() == grads[1].keys()
    for k in grads[0]:
        np.testing.assert_array_equal(grads[0][k], grads[1][k])


def test_filter_tiles_are_normalised_per_filter_around_mid_grey():
    W = np.zeros((3, 3, 2, 2))
    W[0, 0, 0, 0], W[0, 2, 1, 1] = 4.0, -2.0  # largest |w| is 4: 4 -> 1.0, -2 -> 0.25, 0 -> 0.5
    W[1] = 0.001                               # a tiny filter still spans the full scale
    tiles, scale = filter_tiles(W)
    assert tiles.shape == (3, 2, 2, 3)          # channels last: RGB
    assert tiles[0, 0, 0, 0] == pytest.approx(1.0) and tiles[0, 1, 1, 2] == pytest.approx(0.25)
    assert tiles[0, 0, 1, 1] == pytest.approx(0.5)
    np.testing.assert_allclose(tiles[1], 1.0)
    np.testing.assert_allclose(tiles[2], 0.5)   # all zeros: mid-grey, scale 0
    np.testing.assert_allclose(scale, [4.0, 0.001, 0.0], rtol=1e-6)


def test_first_layer_filters_match_the_conv_weights(data):
    t = make_trainer(data, "small_cnn")
    tiles, scale = first_layer_filters(t.model)
    W = t.model.layers[0].params["W"]
    assert tiles.shape == (32, 5, 5, 3)
    f = 7
    np.testing.assert_allclose(tiles[f, 2, 3, 1], 0.5 + 0.5 * W[f, 1, 2, 3] / np.abs(W[f]).max(), rtol=1e-6)
    assert tiles.min() >= 0 and tiles.max() <= 1
    with pytest.raises(ValueError, match="no convolutional layer"):
        first_layer_filters(make_trainer(data, "two_layer").model)


def test_scale_maps_per_map_and_per_layer():
    maps = np.array([[[1.0, -2.0]], [[0.5, 0.25]]])
    per_map, signed = scale_maps(maps, "map")
    assert signed
    np.testing.assert_allclose(per_map, [[[0.5, -1.0]], [[1.0, 0.5]]])
    per_layer, _ = scale_maps(maps, "layer")
    np.testing.assert_allclose(per_layer, [[[0.5, -1.0]], [[0.25, 0.125]]])
    relu, signed = scale_maps(np.array([[[0.0, 3.0]], [[0.0, 0.0]]]), "map")
    assert not signed
    np.testing.assert_allclose(relu, [[[0.0, 1.0]], [[0.0, 0.0]]])  # a dead map stays zero
    with pytest.raises(ValueError, match="'pixel'"):
        scale_maps(maps, "pixel")


def test_tile_grid_and_tile_at_agree():
    tiles = np.arange(5 * 2 * 3, dtype=np.float32).reshape(5, 2, 3)
    mosaic = tile_grid(tiles, cols=2, gap=1)
    assert mosaic.shape == (3 * 3 - 1, 2 * 4 - 1)
    np.testing.assert_array_equal(mosaic[3:5, 4:7], tiles[3])  # row 1, column 1
    assert np.isnan(mosaic[2]).all() and np.isnan(mosaic[:, 3]).all()  # gaps
    assert np.isnan(mosaic[6:8, 4:7]).all()  # the empty sixth cell
    assert tile_at(3, 4, 2, 3, cols=2, count=5) == 3
    assert tile_at(7, 1, 2, 3, cols=2, count=5) == 4
    assert tile_at(2, 0, 2, 3, cols=2, count=5) is None      # gap row
    assert tile_at(6, 5, 2, 3, cols=2, count=5) is None      # empty cell


def test_resize_keeps_blocks_and_crops_to_a_square():
    blocks = np.kron(np.arange(32 * 32 * 3).reshape(32, 32, 3) % 251, np.ones((2, 2, 1))).astype(np.uint8)
    np.testing.assert_array_equal(resize_image(blocks), np.arange(32 * 32 * 3).reshape(32, 32, 3) % 251)
    wide = np.zeros((40, 80, 3), np.uint8)
    wide[:, 20:60] = 200  # the centre square is all 200; the sides are cropped away
    np.testing.assert_array_equal(resize_image(wide), np.full((32, 32, 3), 200, np.uint8))
    grey = resize_image(np.full((10, 10), 7, np.uint8))  # upsampling and grey -> RGB
    assert grey.shape == (32, 32, 3) and (grey == 7).all()
    assert resize_image(np.zeros((5, 5, 4), np.uint8)).shape == (32, 32, 3)
    with pytest.raises(ValueError, match=r"\(5, 5, 2\)"):
        resize_image(np.zeros((5, 5, 2)))


def test_probe_gives_filters_maps_and_probabilities(data):
    t = make_trainer(data, "small_cnn")
    view = FeatureProbe(data.X_test[3], int(data.y_test[3]), tag=("test", 3))(t)
    assert view["tag"] == ("test", 3) and view["label"] == int(data.y_test[3])
    assert view["filters"].shape == (32, 5, 5, 3)
    assert [layer["shape"] for layer in view["layers"]] == [r["output_shape"] for r in t.model.summary((3, 32, 32))]
    assert view["layers"][0]["output"].shape == (32, 32, 32)
    assert view["probs"].sum() == pytest.approx(1.0)
    np.testing.assert_allclose(view["probs"], softmax(t.scores(data.X_test[3:4])[0]), rtol=1e-5)
    assert view["predicted"] == int(np.argmax(view["probs"]))


def test_training_job_runs_the_probe_with_its_snapshots(data):
    """The job's generic probe hook: paused, a new probe answers at once; merged updates keep the newest."""
    s = TrainingSession()
    s.handle(("build", default_config("small_cnn"), data))
    s.update()
    s.handle(("probe", FeatureProbe(data.X_test[0], 0, tag=0)))
    first = s.update()
    assert first.probe["tag"] == 0 and first.snapshot is not None
    assert s.update().probe is None  # nothing asked: no new snapshot, no probe
    s.handle(("probe", FeatureProbe(data.X_test[1], 1, tag=1)))
    merged = merge_updates(first, s.update())
    assert merged.probe["tag"] == 1
    s.handle(("probe", lambda trainer: 1 / 0))
    broken = s.update()
    assert broken.probe is None and "Could not gather the views" in broken.events[0].message
    assert broken.events[0].command == "probe"
    assert s.probe is None
