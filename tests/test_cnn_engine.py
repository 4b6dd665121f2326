"""Lab 6 engine: conv arithmetic (the course's cases), stacks vs the real models, kernels, pooling, ImageNet."""
from __future__ import annotations

import numpy as np
import pytest

from visualdl.engine import conv_arith
from visualdl.engine import layers as L
from visualdl.engine.cnn import (IMAGENET_TOP5, KERNEL_NAMES, STACK_PRESETS, apply_kernel, conv_output_size,
                                 conv_param_count, correlate2d, describe_stack, kernel_preset, pool2d, pool_argmax,
                                 pool_output_size, relu, sliding_steps, stack_from_config, stack_preset, stack_totals,
                                 to_grey)
from visualdl.engine.models import build_model, default_config


# ------------------------------------------------------------------ arithmetic: the course's cases
def test_course_7x7_3x3_cases():
    assert conv_output_size(7, 3, 1) == 5
    assert conv_output_size(7, 3, 2) == 3
    with pytest.raises(ValueError) as err:
        conv_output_size(7, 3, 3)
    msg = str(err.value)
    assert "(7 - 3 + 2*0) / 3 + 1 = 2.33" in msg and "not a whole number" in msg
    assert conv_output_size(7, 3, 3, 1) == 3


def test_same_padding_and_other_sizes():
    assert conv_output_size(32, 5, 1, 2) == 32
    assert conv_output_size(32, 5) == 28
    assert conv_output_size(227, 11, 4) == 55
    assert conv_output_size(1, 3, 1, 1) == 1
    assert pool_output_size(4, 2, 2) == 2
    assert pool_output_size(55, 3, 2) == 27
    with pytest.raises(ValueError, match=r"\(5 - 2 \+ 2\*0\) / 2 \+ 1 = 2.50"):
        pool_output_size(5, 2, 2)


@pytest.mark.parametrize("args, words", [
    ((3, 5, 1, 0), "5x5 filter is larger than the input (3 + 2*0 = 3)"),
    ((3, 9, 1, 2), "9x9 filter is larger than the padded input (3 + 2*2 = 7)"),
    ((0, 3, 1, 0), "input size must be >= 1, got 0"),
    ((7, 0, 1, 0), "filter size must be >= 1, got 0"),
    ((7, 3, 0, 0), "stride must be >= 1, got 0"),
    ((7, 3, 1, -1), "padding must be >= 0, got -1"),
    ((7, 3, 1.5, 0), "stride must be a positive whole number, got 1.5"),
    ((7, True, 1, 0), "filter size must be a positive whole number, got True"),
    (("7", 3, 1, 0), "input size must be a positive whole number, got '7'"),
])
def test_invalid_arguments_are_refused_with_reason(args, words):
    with pytest.raises(ValueError) as err:
        conv_output_size(*args)
    assert words in str(err.value)


def test_param_count_one_bias_per_filter():
    assert conv_param_count(5, 3, 4) == 304  # the slide prints 360
    assert conv_param_count(5, 3, 4, bias=False) == 300
    assert conv_param_count(11, 3, 96) == 34_944
    with pytest.raises(ValueError, match="number of filters must be >= 1, got 0"):
        conv_param_count(5, 3, 0)


def test_course_stack_32_28_24():
    rows = describe_stack((3, 32, 32), stack_preset("course")["layers"])
    convs = [r for r in rows if r["type"] == "conv"]
    assert [r["output_shape"] for r in convs] == [(6, 28, 28), (10, 24, 24)]
    assert [r["params"] for r in convs] == [6 * (5 * 5 * 3 + 1), 10 * (5 * 5 * 6 + 1)]
    assert convs[0]["macs"] == 28 * 28 * 6 * 5 * 5 * 3


def test_alexnet_conv1_and_total():
    p = stack_preset("alexnet")
    rows = describe_stack(p["input_shape"], p["layers"])
    assert rows[0]["output_shape"] == (96, 55, 55) and rows[0]["params"] == 34_944
    assert rows[-1]["output_shape"] == (1000,)
    total = stack_totals(rows)["params"]
    assert 58e6 < total < 63e6  # "about 60 million"
    assert rows[13]["params"] == (6 * 6 * 256 + 1) * 4096  # the first fc layer holds most of them


def test_lenet5_shapes():
    p = stack_preset("lenet5")
    rows = describe_stack(p["input_shape"], p["layers"])
    shapes = [r["output_shape"] for r in rows if r["type"] in ("conv", "pool", "fc")]
    assert shapes == [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (120, 1, 1), (84,), (10,)]
    assert stack_totals(rows)["params"] == 156 + 2416 + 48120 + 10164 + 850


def test_invalid_layer_names_index_and_reason():
    layers = [{"type": "conv", "filters": 6, "size": 5}, {"type": "conv", "filters": 4, "size": 3, "stride": 3}]
    with pytest.raises(ValueError) as err:
        describe_stack((3, 32, 32), layers)
    assert str(err.value).startswith("layer 1 (conv): Convolution: (28 - 3 + 2*0) / 3 + 1")
    with pytest.raises(ValueError, match=r"layer 0 \(spin\): unknown layer type 'spin'"):
        describe_stack((3, 8, 8), [{"type": "spin"}])
    with pytest.raises(ValueError, match=r"layer 1 \(pool\): a pool layer needs a \(C, H, W\) volume"):
        describe_stack((3, 8, 8), [{"type": "fc", "units": 4}, {"type": "pool", "size": 2}])
    with pytest.raises(ValueError, match=r"layer 0 \(conv\): missing 'filters'"):
        describe_stack((3, 8, 8), [{"type": "conv", "size": 3}])
    with pytest.raises(ValueError, match="input shape"):
        describe_stack((3, 8), [])
    with pytest.raises(ValueError, match="Unknown stack preset 'vgg'"):
        stack_preset("vgg")


def test_conv_arith_path_reexports_the_same_functions():
    assert conv_arith.conv_output_size is conv_output_size
    assert conv_arith.describe_stack is describe_stack


# ------------------------------------------------------------------ describe_stack vs the real networks
def _check_against_model(cfg, input_shape=(3, 32, 32), classes=10):
    rows = describe_stack(input_shape, stack_from_config(cfg, input_shape, classes))
    model = build_model(cfg, input_shape, classes, rng=np.random.default_rng(1))
    assert len(rows) == len(model.layers)
    kinds = {"conv": L.Conv2D, "pool": L.MaxPool2D, "batchnorm": L.BatchNorm, "flatten": L.Flatten,
             "dropout": L.Dropout, "fc": L.Linear, "relu": L.ReLU}
    for row, layer in zip(rows, model.layers):
        if row["type"] in kinds:
            assert isinstance(layer, kinds[row["type"]]), (row, layer)
        # the parameter arrays the real layer allocated
        assert row["params"] == sum(a.size for a in layer.params.values()), (row, layer)
    x = np.random.default_rng(0).standard_normal((2, *input_shape)).astype(np.float32)
    model.forward(x, train=False)
    assert [r["output_shape"] for r in rows] == [a.shape[1:] for a in model.activations]
    assert stack_totals(rows)["params"] == sum(a.size for a in model.named_params().values())
    return rows


@pytest.mark.parametrize("preset", ["small_cnn", "standard_cnn", "two_layer", "linear"])
def test_stack_matches_real_model(preset):
    _check_against_model(default_config(preset))


def test_stack_matches_real_model_variants():
    cfg = default_config("standard_cnn")
    cfg["model"].update(filters=[8, 16, 24], kernel_size=5, batchnorm=False, dropout=0.3, activation="tanh",
                        hidden=[64, 32])
    _check_against_model(cfg, (3, 32, 32))
    cfg = default_config("small_cnn")
    cfg["model"]["batchnorm"] = True
    _check_against_model(cfg, (3, 16, 16), classes=4)


def test_app_presets_equal_config_stacks():
    for key in ("small_cnn", "standard_cnn"):
        assert STACK_PRESETS[key]["layers"] == stack_from_config(default_config(key))
    small = describe_stack((3, 32, 32), STACK_PRESETS["small_cnn"]["layers"])
    assert small[0]["params"] == 32 * (5 * 5 * 3 + 1) and small[-1]["params"] == 10 * (32 * 16 * 16 + 1)


# ------------------------------------------------------------------ kernels
X3 = np.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])


def test_sobel_on_known_image_by_hand():
    k = kernel_preset("sobel_x")
    out = correlate2d(X3, k, 1, 1)
    assert out.shape == (3, 3)
    # centre: (3-1) + 2*(6-4) + (9-7) = 8; corner (0,0) sees [[0,0,0],[0,1,2],[0,4,5]]: 2*2 + 5 = 9
    assert out[1, 1] == 8 and out[0, 0] == 9
    # bottom-right sees [[5,6,0],[8,9,0],[0,0,0]]: -5 - 2*8 = -21
    assert out[2, 2] == -21
    assert correlate2d(X3, k).tolist() == [[8.0]]
    assert correlate2d(X3, kernel_preset("box_blur"))[0, 0] == pytest.approx(5.0)
    np.testing.assert_allclose(correlate2d(X3, kernel_preset("identity"), 1, 1), X3)


def test_stride_and_shapes_and_relu():
    img = np.arange(49.0).reshape(7, 7)
    assert correlate2d(img, np.ones((3, 3)), 2).shape == (3, 3)
    assert correlate2d(img, np.ones((3, 3)), 2)[1, 2] == img[2:5, 4:7].sum()
    with pytest.raises(ValueError, match="2.33 is not a whole number"):
        correlate2d(img, np.ones((3, 3)), 3)
    assert relu(np.array([-1.0, 0.0, 2.0])).tolist() == [0.0, 0.0, 2.0]


def test_apply_kernel_sum_equals_one_conv_filter():
    rng = np.random.default_rng(3)
    img = rng.standard_normal((3, 8, 8))
    k = kernel_preset("laplacian", 5)
    conv = L.Conv2D(3, 1, 5, stride=1, padding=2, dtype=np.float64)
    conv.params["W"][:] = np.broadcast_to(k, (1, 3, 5, 5))
    conv.params["b"][:] = 0
    expected = conv.forward(img[None], train=False)[0, 0]
    np.testing.assert_allclose(apply_kernel(img, k, 1, 2, "sum"), expected, atol=1e-12)
    per = apply_kernel(img, k, 1, 2, "per_channel")
    assert per.shape == (3, 8, 8)
    np.testing.assert_allclose(per.sum(0), expected, atol=1e-12)


def test_kernel_presets():
    for name in KERNEL_NAMES:
        for size in (3, 5):
            k = kernel_preset(name, size)
            assert k.shape == (size, size)
    for size in (3, 5):  # blurs keep brightness, edge detectors give 0 on a flat image
        for name in ("identity", "box_blur", "gaussian", "sharpen"):
            assert kernel_preset(name, size).sum() == pytest.approx(1.0)
        for name in ("sobel_x", "sobel_y", "laplacian"):
            assert kernel_preset(name, size).sum() == pytest.approx(0.0)
    assert kernel_preset("sobel_y").tolist() == [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]
    with pytest.raises(ValueError, match="size must be 3 or 5, got 4"):
        kernel_preset("sobel_x", 4)
    with pytest.raises(ValueError, match="Unknown kernel 'emboss'"):
        kernel_preset("emboss")
    with pytest.raises(ValueError, match="finite"):
        correlate2d(X3, [[np.nan]])


def test_to_grey():
    img = np.zeros((2, 2, 3), np.uint8)
    img[0, 0] = 255
    img[1, 1] = (255, 0, 0)
    g = to_grey(img)
    assert g[0, 0] == pytest.approx(1.0) and g[1, 1] == pytest.approx(0.299) and g[0, 1] == 0


def test_sliding_steps_write_out_the_dot_product():
    steps = sliding_steps(X3, np.ones((2, 2)), stride=1, pad=0, bias=0.5)
    assert [s["out"] for s in steps] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    last = steps[-1]
    assert last["rows"] == (1, 3) and last["cols"] == (1, 3)
    assert last["terms"] == [(5.0, 1.0), (6.0, 1.0), (8.0, 1.0), (9.0, 1.0)]
    assert last["value"] == 28.5
    padded = sliding_steps(np.ones((7, 7)), np.ones((3, 3)), stride=3, pad=1)
    assert len(padded) == 9 and padded[0]["terms"][0] == (0.0, 1.0)  # the corner is padding
    assert padded[4]["value"] == 9.0 and padded[0]["value"] == 4.0


# ------------------------------------------------------------------ pooling
COURSE_POOL = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], float)


def test_pooling_course_example():
    assert pool2d(COURSE_POOL, 2, 2, "max").tolist() == [[6, 8], [3, 4]]
    assert pool2d(COURSE_POOL, 2, 2, "avg").tolist() == [[3.25, 5.25], [2.0, 2.0]]
    assert pool_argmax(COURSE_POOL, 2, 2).tolist() == [[[1, 1], [1, 3]], [[2, 0], [3, 3]]]


def test_pooling_ties_overlap_and_errors():
    assert pool_argmax(np.ones((2, 2)), 2, 2).tolist() == [[[0, 0]]]
    out = pool2d(np.arange(25.0).reshape(5, 5), 3, 2)
    assert out.tolist() == [[12, 14], [22, 24]]
    with pytest.raises(ValueError, match="Pooling"):
        pool2d(np.ones((5, 5)), 2, 2)
    with pytest.raises(ValueError, match="mode"):
        pool2d(COURSE_POOL, 2, 2, "median")
    # the engine's MaxPool2D agrees
    pool = L.MaxPool2D(2, 2, dtype=np.float64)
    np.testing.assert_array_equal(pool.forward(COURSE_POOL[None, None], train=False)[0, 0],
                                  pool2d(COURSE_POOL, 2, 2))


# ------------------------------------------------------------------ ImageNet
def test_imagenet_figures_pinned():
    got = [(e["year"], e["name"], e["top5_error"]) for e in IMAGENET_TOP5]
    assert got == [(2011, "XRCE", 25.8), (2012, "AlexNet", 16.4), (2013, "ZF", 11.7), (2014, "VGG", 7.3),
                   (2014, "GoogLeNet", 6.7), (None, "Human", 5.1), (2015, "ResNet", 3.57),
                   (2016, "GoogLeNet-v4", 3.08)]
    assert all(e["source"] for e in IMAGENET_TOP5)


def test_sliding_steps_slice_equals_full_list():
    x = np.arange(36.0).reshape(6, 6)
    full = sliding_steps(x, kernel_preset("sobel_x"), 1, 1)
    assert sliding_steps(x, kernel_preset("sobel_x"), 1, 1, start=7, stop=9) == full[7:9]
    np.testing.assert_allclose([s["value"] for s in full], correlate2d(x, kernel_preset("sobel_x"), 1, 1).ravel())


def test_rows_say_how_parameters_are_counted():
    rows = describe_stack((3, 32, 32), [{"type": "conv", "filters": 4, "size": 5}, {"type": "batchnorm"},
                                        {"type": "fc", "units": 10}])
    assert [r["formula"] for r in rows] == ["4 × (5·5·3 + 1)", "2 × 4", "10 × (3136 + 1)"]
    assert rows[0]["params"] == 304 and rows[1]["params"] == 8 and rows[2]["params"] == 31370


def test_describe_config_and_point_input():
    from visualdl.engine.cnn import describe_config

    cfg = default_config("small_cnn")
    assert describe_config(cfg) == describe_stack((3, 32, 32), STACK_PRESETS["small_cnn"]["layers"])
    with pytest.raises(ValueError, match="needs \\(C, H, W\\) input"):
        stack_from_config(cfg, (2,), 3)
    rows = describe_config(default_config("two_layer"), (2,), 3)
    assert [r["output_shape"] for r in rows] == [(100,), (100,), (3,)]
