"""Model configs (defaults, validation) and the networks build_model makes from them."""
from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from visualdl.engine.models import PRESETS, build_model, default_config, param_shapes, validate_config


def _types(model):
    return [type(layer).__name__ for layer in model.layers]


@pytest.mark.parametrize("preset", list(PRESETS))
def test_default_config_is_valid_and_json_round_trips(preset):
    cfg = default_config(preset)
    assert validate_config(cfg) == cfg
    assert json.loads(json.dumps(cfg)) == cfg
    assert cfg["model"]["preset"] == preset


def test_validate_fills_defaults_without_touching_input():
    given = {"model": {"preset": "linear"}, "optim": {"name": "sgd", "lr": 0.5}}
    before = copy.deepcopy(given)
    cfg = validate_config(given)
    assert given == before
    assert cfg["model"]["hidden"] == [] and cfg["optim"] == {"name": "sgd", "lr": 0.5}
    assert cfg["batch_size"] == default_config("linear")["batch_size"]


def test_validate_keeps_optimizer_hyperparameters():
    cfg = validate_config({"optim": {"name": "momentum", "lr": 0.1, "mu": 0.95}})
    assert cfg["optim"] == {"name": "momentum", "lr": 0.1, "mu": 0.95}


@pytest.mark.parametrize("change, field", [
    ({"model": {"preset": "resnet"}}, "model.preset"),
    ({"optim": {"name": "adam", "lr": -1}}, "optim.lr"),
    ({"optim": {"name": "adam", "lr": 0}}, "optim.lr"),
    ({"optim": {"name": "lbfgs", "lr": 0.1}}, "optim.name"),
    ({"optim": {"name": "adam", "lr": float("nan")}}, "optim.lr"),
    ({"model": {"dropout": 1.5}}, "model.dropout"),
    ({"model": {"hidden": [0]}}, "model.hidden"),
    ({"model": {"hidden": []}}, "model.hidden"),
    ({"model": {"activation": "swish"}}, "model.activation"),
    ({"model": {"batchnorm": "yes"}}, "model.batchnorm"),
    ({"reg": {"kind": "l3"}}, "reg.kind"),
    ({"reg": {"strength": -0.1}}, "reg.strength"),
    ({"reg": {"max_norm": 0}}, "reg.max_norm"),
    ({"batch_size": 0}, "batch_size"),
    ({"batch_size": 12.5}, "batch_size"),
    ({"loss": "hinge"}, "loss"),
    ({"preprocess": "zca"}, "preprocess"),
    ({"learning_rate": 0.1}, "learning_rate"),
    ({"model": {"layers": 3}}, "model.layers"),
])
def test_validate_names_the_bad_field(change, field):
    with pytest.raises(ValueError) as info:
        validate_config(change)
    assert f"field {field}:" in str(info.value)


def test_unknown_preset_in_default_config():
    with pytest.raises(ValueError, match="vgg"):
        default_config("vgg")


@pytest.mark.parametrize("preset, types", [
    ("linear", ["Flatten", "Linear"]),
    ("two_layer", ["Flatten", "Linear", "ReLU", "Linear"]),
    ("three_layer", ["Flatten", "Linear", "ReLU", "Linear", "ReLU", "Linear"]),
    ("small_cnn", ["Conv2D", "ReLU", "MaxPool2D", "Flatten", "Linear"]),
    ("standard_cnn", ["Conv2D", "ReLU", "MaxPool2D", "Conv2D", "ReLU", "MaxPool2D", "Flatten",
                      "Linear", "ReLU", "Linear"]),
])
def test_presets_have_the_documented_architecture(preset, types):
    cfg = default_config(preset)
    cfg["model"]["batchnorm"] = False
    model = build_model(cfg, (3, 32, 32), 10, rng=np.random.default_rng(0))
    assert _types(model) == types
    scores = model.forward(np.random.default_rng(1).standard_normal((4, 3, 32, 32)).astype(np.float32))
    assert scores.shape == (4, 10) and scores.dtype == np.float32


def test_two_layer_is_3072_100_10():
    shapes = param_shapes(default_config("two_layer"), (3, 32, 32), 10)
    assert shapes == {"1.W": (100, 3072), "1.b": (100,), "3.W": (10, 100), "3.b": (10,)}


def test_standard_cnn_defaults_to_batchnorm_and_augmentation():
    cfg = default_config("standard_cnn")
    assert cfg["model"]["batchnorm"] is True and cfg["augment"] is True
    assert default_config("small_cnn")["model"]["batchnorm"] is False and not default_config("linear")["augment"]


def test_standard_cnn_shapes_conv32_conv64_fc256():
    cfg = default_config("standard_cnn")
    cfg["model"]["batchnorm"] = False
    model = build_model(cfg, (3, 32, 32), 10)
    rows = model.summary((3, 32, 32))
    assert [r["output_shape"] for r in rows] == [
        (32, 32, 32), (32, 32, 32), (32, 16, 16), (64, 16, 16), (64, 16, 16), (64, 8, 8),
        (4096,), (256,), (256,), (10,)]
    assert model.layers[0].params["W"].shape == (32, 3, 3, 3)
    assert model.layers[3].params["W"].shape == (64, 32, 3, 3)


def test_batchnorm_and_dropout_options_insert_layers():
    cfg = default_config("standard_cnn")
    cfg["model"].update(batchnorm=True, dropout=0.5)
    model = build_model(cfg, (3, 32, 32), 10)
    assert _types(model) == ["Conv2D", "BatchNorm", "ReLU", "MaxPool2D", "Conv2D", "BatchNorm", "ReLU",
                             "MaxPool2D", "Flatten", "Dropout", "Linear", "BatchNorm", "ReLU", "Dropout",
                             "Linear"]
    assert all(layer.p == 0.5 for layer in model.layers if type(layer).__name__ == "Dropout")


@pytest.mark.parametrize("activation, cls", [("tanh", "Tanh"), ("sigmoid", "Sigmoid"), ("elu", "ELU"),
                                             ("leaky_relu", "LeakyReLU")])
def test_activation_choice(activation, cls):
    cfg = default_config("three_layer")
    cfg["model"]["activation"] = activation
    assert _types(build_model(cfg, (2,), 3)).count(cls) == 2


@pytest.mark.parametrize("preset", ["linear", "two_layer", "three_layer"])
def test_point_data_models(preset):
    model = build_model(default_config(preset), (2,), 3)
    assert "Flatten" not in _types(model)
    assert model.forward(np.zeros((5, 2), np.float32)).shape == (5, 3)


@pytest.mark.parametrize("preset", ["small_cnn", "standard_cnn"])
def test_cnn_presets_refuse_point_data(preset):
    with pytest.raises(ValueError, match="image input"):
        build_model(default_config(preset), (2,), 3)


def test_same_rng_same_weights_and_different_seed_differs():
    cfg = default_config("standard_cnn")
    cfg["model"]["dropout"] = 0.3
    a = build_model(cfg, (3, 32, 32), 10, rng=np.random.default_rng(5)).named_params()
    b = build_model(cfg, (3, 32, 32), 10, rng=np.random.default_rng(5)).named_params()
    c = build_model(cfg, (3, 32, 32), 10, rng=np.random.default_rng(6)).named_params()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["0.W"], c["0.W"])


def test_init_choice_is_used():
    cfg = default_config("two_layer")
    cfg["model"].update(init="gaussian", init_std=0.001)
    W = build_model(cfg, (3, 32, 32), 10).named_params()["1.W"]
    assert abs(W.std() - 0.001) < 1e-4  # 307200 draws: the sample std is within 1% of 0.001
    cfg["model"]["init"] = "kaiming"
    W = build_model(cfg, (3, 32, 32), 10).named_params()["1.W"]
    assert abs(W.std() - np.sqrt(2 / 3072)) < 1e-3
    cfg["model"]["init"] = "zeros"
    assert not build_model(cfg, (3, 32, 32), 10).named_params()["1.W"].any()


def test_float64_build_for_gradient_checks():
    cfg = default_config("small_cnn")
    cfg["model"].update(filters=[2], batchnorm=True)
    model = build_model(cfg, (3, 8, 8), 4, dtype=np.float64)
    assert all(p.dtype == np.float64 for p in model.named_params().values())


def test_built_model_gradient_matches_numerical():
    """The assembled CNN (conv, BN, ReLU, pool, flatten, affine) backpropagates correctly in float64."""
    from visualdl.engine.losses import softmax_loss

    cfg = default_config("standard_cnn")
    cfg["model"].update(filters=[2, 3], hidden=[5], batchnorm=True)
    model = build_model(cfg, (3, 8, 8), 4, rng=np.random.default_rng(0), dtype=np.float64)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 3, 8, 8))
    y = rng.integers(0, 4, size=6)

    def loss():
        return softmax_loss(model.forward(x, train=True), y)[0]

    _, dscores = softmax_loss(model.forward(x, train=True), y)
    model.backward(dscores)
    grads = {k: v.copy() for k, v in model.named_grads().items()}
    h = 1e-5
    for name, p in model.named_params().items():
        for idx in [tuple(rng.integers(0, s) for s in p.shape) for _ in range(4)]:
            old = p[idx]
            p[idx] = old + h
            plus = loss()
            p[idx] = old - h
            minus = loss()
            p[idx] = old
            num = (plus - minus) / (2 * h)
            rel = abs(num - grads[name][idx]) / max(abs(num) + abs(grads[name][idx]), 1e-12)
            assert rel < 1e-6 or abs(num - grads[name][idx]) < 1e-9, (name, idx, num, grads[name][idx])


@pytest.mark.parametrize("preset", list(PRESETS))
def test_memory_estimate_counts_exactly_the_parameters_the_model_has(preset):
    from visualdl.engine.models import estimate_memory

    cfg = default_config(preset)
    cfg["model"]["batchnorm"] = True
    model = build_model(cfg, (3, 32, 32), 10)
    n = sum(p.size for p in model.named_params().values())
    est = estimate_memory(cfg, (3, 32, 32), 10, batch_size=1)
    assert est["params"] == n
    # Adam keeps m and v: weights + gradients + 2 slots, float32
    assert est["param_bytes"] == n * 4 * 4
    assert est["activation_bytes"] > 0
    assert estimate_memory(cfg, (3, 32, 32), 10, batch_size=10)["activation_bytes"] == 10 * est["activation_bytes"]


def test_an_impossible_model_is_refused_before_allocating_and_says_how_much_it_needs():
    from visualdl.data import load_dataset
    from visualdl.engine.models import check_memory
    from visualdl.engine.trainer import Trainer

    cfg = default_config("two_layer")
    cfg["model"]["hidden"] = [999999999]
    with pytest.raises(ValueError, match=r"Model too large.*3,082,999,996,927 parameters.*TB"):
        check_memory(cfg, (3, 32, 32), 10)
    data = load_dataset("spiral", n_points=60)
    cfg["model"]["hidden"] = [999999999, 999999999]  # 10^18 weights: too large on any machine
    with pytest.raises(ValueError, match="Model too large"):  # not a MemoryError
        Trainer(cfg, data)
    assert check_memory(default_config("two_layer"), (3, 32, 32), 10, limit=10**8)["params"] == 3072 * 100 + 100 + 1010
