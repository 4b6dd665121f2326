"""Models built from a plain, JSON-able config shared by the GUI, the CLI and saved sessions.

A config is a dict (see ``default_config``)::

    {"model": {"preset", "hidden": [..], "activation", "init", "init_std",
               "batchnorm", "dropout", "filters": [..], "kernel_size"},
     "loss": "softmax" | "svm",
     "reg": {"kind", "strength", "l1_strength", "max_norm"},
     "optim": {"name", "lr", ...optimizer hyperparameters},
     "batch_size", "seed", "augment", "preprocess", "lr_decay"}

``validate_config`` fills in defaults and rejects a bad value with a ValueError
that names the field; ``build_model`` turns the "model" part into a Sequential.

Presets (D = input dimension, C = number of classes):
    linear        Flatten - Linear(D, C)
    two_layer     Flatten - Linear(D, 100) - ReLU - Linear(100, C)      (3072-100-10)
    three_layer   Flatten - Linear(D, 200) - ReLU - Linear(200, 100) - ReLU - Linear(100, C)
    small_cnn     Conv(3, 32, 5, pad 2) - ReLU - MaxPool - Flatten - Linear(32*16*16, C)
    standard_cnn  Conv(3, 32, 3, pad 1) - ReLU - MaxPool - Conv(32, 64, 3, pad 1) - ReLU - MaxPool
                  - Flatten - Linear(64*8*8, 256) - ReLU - Linear(256, C)
The standard CNN defaults to batch norm on and augmentation on (the others off).
Batch norm (optional) goes after each conv/hidden Linear, before the activation;
dropout (optional) after each hidden activation and before the first Linear of a CNN.
"""
from __future__ import annotations

import copy
import math
from numbers import Integral, Real

import numpy as np

from visualdl.engine.nn import losses as _losses

PRESETS = {
    "linear": {"title": "Linear classifier", "kind": "mlp", "hidden": [], "filters": [], "kernel_size": 3},
    "two_layer": {"title": "Two-layer net", "kind": "mlp", "hidden": [100], "filters": [], "kernel_size": 3},
    "three_layer": {"title": "Three-layer net", "kind": "mlp", "hidden": [200, 100], "filters": [],
                    "kernel_size": 3},
    "small_cnn": {"title": "Small CNN (conv-ReLU-pool-affine)", "kind": "cnn", "hidden": [], "filters": [32],
                  "kernel_size": 5},
    "standard_cnn": {"title": "Standard CNN (conv32-conv64-fc256)", "kind": "cnn", "hidden": [256],
                     "filters": [32, 64], "kernel_size": 3,
                     # measured on CIFAR-10: batch norm + flips/shifts reach 70% test accuracy in 10 min
                     "batchnorm": True, "augment": True},
}
ACTIVATIONS = ("relu", "leaky_relu", "elu", "sigmoid", "tanh")
INITS = ("kaiming", "xavier", "gaussian", "zeros")
LOSSES = tuple(_losses.LOSSES)  # the names, in the order the forms list them
REG_KINDS = ("none", "l1", "l2", "elastic")
OPTIMIZER_NAMES = ("sgd", "momentum", "adagrad", "rmsprop", "adam")
PREPROCESS_KINDS = ("none", "mean_image", "channel")


def default_config(preset: str = "two_layer") -> dict:
    """A complete config for `preset` with sensible defaults (a fresh dict each call)."""
    if preset not in PRESETS:
        raise ValueError(f"Unknown model preset: {preset!r} (choose from {', '.join(PRESETS)})")
    spec = PRESETS[preset]
    return {
        "model": {
            "preset": preset,
            "hidden": list(spec["hidden"]),
            "activation": "relu",
            "init": "kaiming",
            "init_std": 0.01,
            "batchnorm": spec.get("batchnorm", False),
            "dropout": 0.0,
            "filters": list(spec["filters"]),
            "kernel_size": spec["kernel_size"],
        },
        "loss": "softmax",
        "reg": {"kind": "l2", "strength": 1e-4, "l1_strength": 0.0, "max_norm": None},
        "optim": {"name": "adam", "lr": 1e-3},
        "batch_size": 128,
        "seed": 0,
        "augment": spec.get("augment", False),
        "preprocess": "channel",
        # Multiply the learning rate by this at the end of every epoch (1.0 = constant).
        "lr_decay": 1.0,
    }


def _bad(field: str, value, why: str) -> ValueError:
    return ValueError(f"Invalid config field {field}: {value!r} ({why})")


def _number(field, value, *, low=None, high=None, low_open=False, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, Real):
        raise _bad(field, value, "must be a number")
    value = float(value)
    if not math.isfinite(value):
        raise _bad(field, value, "must be finite")
    if low is not None and (value <= low if low_open else value < low):
        raise _bad(field, value, f"must be {'>' if low_open else '>='} {low}")
    if high is not None and value > high:
        raise _bad(field, value, f"must be <= {high}")
    return value


def _integer(field, value, *, low):
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise _bad(field, value, "must be a whole number")
    if value < low:
        raise _bad(field, value, f"must be >= {low}")
    return int(value)


def _choice(field, value, options):
    if value not in options:
        raise _bad(field, value, f"choose from {', '.join(options)}")
    return value


def validate_config(cfg: dict) -> dict:
    """Check `cfg` and return a complete copy with defaults filled in.

    Missing keys take the preset's defaults; unknown top-level/model/reg keys are
    refused (they are usually typos); a bad value raises ValueError naming the field.
    """
    if not isinstance(cfg, dict):
        raise ValueError(f"Invalid config: expected a dict, got {type(cfg).__name__}")
    model_in = cfg.get("model", {})
    if not isinstance(model_in, dict):
        raise _bad("model", model_in, "must be a dict")
    preset = model_in.get("preset", "two_layer")
    if preset not in PRESETS:
        raise _bad("model.preset", preset, f"choose from {', '.join(PRESETS)}")
    out = default_config(preset)
    for key, value in cfg.items():
        if key not in out:
            raise _bad(key, value, "unknown config field")
        if isinstance(out[key], dict) and key != "optim":
            if not isinstance(value, dict):
                raise _bad(key, value, "must be a dict")
            for sub, sub_value in value.items():
                if sub not in out[key]:
                    raise _bad(f"{key}.{sub}", sub_value, "unknown config field")
                out[key][sub] = copy.deepcopy(sub_value)
        elif key == "optim":
            if not isinstance(value, dict):
                raise _bad(key, value, "must be a dict")
            # Optimizer hyperparameters differ per optimizer: keep every key given; a missing
            # lr takes that optimizer's default (SGD wants a larger one than Adam).
            from visualdl.engine.nn.optim import OPTIMIZERS

            name = value.get("name", out["optim"]["name"])
            lr = OPTIMIZERS[name]["lr"] if name in OPTIMIZERS else out["optim"]["lr"]
            out["optim"] = {"name": name, "lr": lr, **copy.deepcopy(value)}
        else:
            out[key] = copy.deepcopy(value)

    m = out["model"]
    hidden = m["hidden"]
    if not isinstance(hidden, (list, tuple)):
        raise _bad("model.hidden", hidden, "must be a list of layer sizes")
    m["hidden"] = [_integer("model.hidden", h, low=1) for h in hidden]
    if PRESETS[preset]["kind"] == "mlp" and preset != "linear" and not m["hidden"]:
        raise _bad("model.hidden", hidden, f"preset {preset} needs at least one hidden layer")
    if preset == "linear" and m["hidden"]:
        raise _bad("model.hidden", hidden, "the linear classifier has no hidden layer")
    filters = m["filters"]
    if not isinstance(filters, (list, tuple)):
        raise _bad("model.filters", filters, "must be a list of channel counts")
    m["filters"] = [_integer("model.filters", f, low=1) for f in filters]
    if PRESETS[preset]["kind"] == "cnn" and not m["filters"]:
        raise _bad("model.filters", filters, f"preset {preset} needs at least one conv layer")
    m["kernel_size"] = _integer("model.kernel_size", m["kernel_size"], low=1)
    if m["kernel_size"] % 2 == 0:
        raise _bad("model.kernel_size", m["kernel_size"], "must be odd so 'same' padding keeps the size")
    _choice("model.activation", m["activation"], ACTIVATIONS)
    _choice("model.init", m["init"], INITS)
    m["init_std"] = _number("model.init_std", m["init_std"], low=0.0, low_open=True)
    if not isinstance(m["batchnorm"], bool):
        raise _bad("model.batchnorm", m["batchnorm"], "must be true or false")
    m["dropout"] = _number("model.dropout", m["dropout"], low=0.0, high=0.95)

    _choice("loss", out["loss"], LOSSES)
    r = out["reg"]
    _choice("reg.kind", r["kind"], REG_KINDS)
    r["strength"] = _number("reg.strength", r["strength"], low=0.0)
    r["l1_strength"] = _number("reg.l1_strength", r["l1_strength"], low=0.0)
    r["max_norm"] = _number("reg.max_norm", r["max_norm"], low=0.0, low_open=True, allow_none=True)

    o = out["optim"]
    _choice("optim.name", o["name"], OPTIMIZER_NAMES)
    o["lr"] = _number("optim.lr", o["lr"], low=0.0, low_open=True)
    for key, value in o.items():
        if key not in ("name", "lr"):
            o[key] = _number(f"optim.{key}", value, low=0.0)
    from visualdl.engine.nn.optim import make_optimizer

    try:  # the optimizer knows which hyperparameters it has and their ranges
        make_optimizer(o["name"], **{k: v for k, v in o.items() if k != "name"})
    except (ValueError, TypeError) as exc:
        raise _bad("optim", o, str(exc)) from None

    out["batch_size"] = _integer("batch_size", out["batch_size"], low=1)
    out["seed"] = _integer("seed", out["seed"], low=0)
    if not isinstance(out["augment"], bool):
        raise _bad("augment", out["augment"], "must be true or false")
    _choice("preprocess", out["preprocess"], PREPROCESS_KINDS)
    out["lr_decay"] = _number("lr_decay", out["lr_decay"], low=0.0, high=1.0, low_open=True)
    return out


def _activation(name: str, layers_mod, dtype):
    return {
        "relu": layers_mod.ReLU,
        "leaky_relu": layers_mod.LeakyReLU,
        "elu": layers_mod.ELU,
        "sigmoid": layers_mod.Sigmoid,
        "tanh": layers_mod.Tanh,
    }[name](dtype=dtype)


def build_model(cfg: dict, input_shape, num_classes: int, rng=None, dtype=np.float32):
    """Build the network that `cfg` describes.

    Inputs:
    - cfg: config dict (validated here)
    - input_shape: shape of one example, (3, 32, 32) for images or (2,) for points
    - num_classes: C, size of the score vector
    - rng: np.random.Generator for the weight initialization (default: seeded by cfg["seed"])
    - dtype: float32 for training, float64 for gradient checks
    Returns a layers.Sequential mapping (N, *input_shape) -> scores (N, C).
    Raises ValueError when a CNN preset is asked to take point data.
    """
    from visualdl.engine.nn import layers as L

    cfg = validate_config(cfg)
    m = cfg["model"]
    preset = m["preset"]
    input_shape = tuple(int(s) for s in input_shape)
    num_classes = int(num_classes)
    if num_classes < 2:
        raise ValueError(f"Invalid number of classes: {num_classes} (need at least 2)")
    if rng is None:
        rng = np.random.default_rng(cfg["seed"])
    kw = {"dtype": dtype}
    init = {"init": m["init"], "std": m["init_std"], "rng": rng, "dtype": dtype}
    seq: list = []

    if PRESETS[preset]["kind"] == "cnn":
        if len(input_shape) != 3:
            raise ValueError(
                f"Preset {preset!r} is a convolutional net and needs image input (C, H, W); "
                f"got input shape {input_shape}. Use linear, two_layer or three_layer for point data."
            )
        channels, height, width = input_shape
        k = m["kernel_size"]
        for filters in m["filters"]:
            # 'Same' padding keeps H, W; each 2x2 max pool then halves them.
            if height < 2 or width < 2:
                raise ValueError(f"Input {input_shape} is too small for {len(m['filters'])} conv-pool blocks")
            seq.append(L.Conv2D(channels, filters, k, stride=1, padding=k // 2, **init))
            if m["batchnorm"]:
                seq.append(L.BatchNorm(filters, **kw))
            seq.append(_activation(m["activation"], L, dtype))
            seq.append(L.MaxPool2D(2, 2, **kw))
            channels, height, width = filters, height // 2, width // 2
        seq.append(L.Flatten(**kw))
        if m["dropout"] > 0:
            seq.append(L.Dropout(m["dropout"], seed=int(rng.integers(2**63)), **kw))
        fan_in = channels * height * width
    else:
        if len(input_shape) > 1:
            seq.append(L.Flatten(**kw))
        fan_in = int(np.prod(input_shape))

    for hidden in m["hidden"]:
        seq.append(L.Linear(fan_in, hidden, **init))
        if m["batchnorm"]:
            seq.append(L.BatchNorm(hidden, **kw))
        seq.append(_activation(m["activation"], L, dtype))
        if m["dropout"] > 0:
            seq.append(L.Dropout(m["dropout"], seed=int(rng.integers(2**63)), **kw))
        fan_in = hidden
    seq.append(L.Linear(fan_in, num_classes, **init))

    # Biases start at zero (the layers' default); weights were drawn above from `rng`
    # in layer order, so one seed always gives the same network.
    return L.Sequential(*seq)


def param_shapes(cfg: dict, input_shape, num_classes: int) -> dict:
    """name -> shape of every parameter the model for `cfg` has (used to check checkpoints)."""
    model = build_model(cfg, input_shape, num_classes, rng=np.random.default_rng(0))
    return {name: tuple(arr.shape) for name, arr in model.named_params().items()}


# Optimizer state arrays kept per parameter (momentum: velocity; Adam: m and v; ...).
_OPTIMIZER_SLOTS = {"sgd": 0, "momentum": 1, "adagrad": 1, "rmsprop": 1, "adam": 2}
MEMORY_LIMIT_FRACTION = 0.5  # a model may plan to use at most this share of the machine's RAM


def estimate_memory(cfg: dict, input_shape, num_classes: int, batch_size: int | None = None,
                    itemsize: int = 4) -> dict:
    """Bytes the model for ``cfg`` would need, computed from shapes alone (nothing is allocated).

    Inputs: cfg (validated here), input_shape of one example ((3, 32, 32) or (2,)), num_classes C,
    batch_size N (default: cfg["batch_size"]), itemsize (4 for float32).
    Returns {"params": count, "param_bytes": weights + gradients + optimizer state,
             "activation_bytes": one training step's layer outputs and their gradients for N
             examples, "total_bytes": their sum}.
    """
    cfg = validate_config(cfg)
    m = cfg["model"]
    n = int(batch_size if batch_size is not None else cfg["batch_size"])
    shape = tuple(int(s) for s in input_shape)
    params = 0
    act = 0  # floats per example over all layer outputs
    if PRESETS[m["preset"]]["kind"] == "cnn" and len(shape) == 3:
        channels, height, width = shape
        k = m["kernel_size"]
        for filters in m["filters"]:
            params += filters * channels * k * k + filters
            conv_out = filters * height * width
            # conv output (+ BN) + activation, the im2col buffer of the input, then the pool's output
            act += conv_out * (3 if m["batchnorm"] else 2) + channels * k * k * height * width
            params += 2 * filters if m["batchnorm"] else 0
            channels, height, width = filters, height // 2, width // 2
            act += channels * height * width
        fan_in = channels * height * width
    else:
        fan_in = int(np.prod(shape))
    act += fan_in  # the (flattened) input
    for hidden in m["hidden"]:
        params += fan_in * hidden + hidden + (2 * hidden if m["batchnorm"] else 0)
        act += hidden * (2 + int(m["batchnorm"]) + int(m["dropout"] > 0))
        fan_in = hidden
    params += fan_in * int(num_classes) + int(num_classes)
    act += int(num_classes)
    copies = 2 + _OPTIMIZER_SLOTS.get(cfg["optim"]["name"], 2)  # weights, gradients, optimizer state
    param_bytes = params * itemsize * copies
    activation_bytes = 2 * act * n * itemsize  # outputs kept for backward + their gradients
    return {"params": params, "param_bytes": param_bytes, "activation_bytes": activation_bytes,
            "total_bytes": param_bytes + activation_bytes}


def memory_limit() -> int:
    """Bytes a model may plan to use: MEMORY_LIMIT_FRACTION of physical RAM (8 GB when unknown)."""
    import os

    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        total = 16 * 2**30
    return int(total * MEMORY_LIMIT_FRACTION)


def format_bytes(n: float) -> str:
    """1536 -> '1.5 KB' (binary units, the way memory is usually counted)."""
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1024 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PB"


def check_memory(cfg: dict, input_shape, num_classes: int, limit: int | None = None) -> dict:
    """estimate_memory(), raising ValueError that says how much is needed when it exceeds ``limit``."""
    est = estimate_memory(cfg, input_shape, num_classes)
    limit = memory_limit() if limit is None else int(limit)
    if est["total_bytes"] > limit:
        m = cfg.get("model", {})
        raise ValueError(
            f"Model too large: {m.get('preset')} with hidden sizes {m.get('hidden')} has {est['params']:,} "
            f"parameters and would need about {format_bytes(est['total_bytes'])} "
            f"({format_bytes(est['param_bytes'])} for weights, gradients and optimizer state, "
            f"{format_bytes(est['activation_bytes'])} for a batch's activations); "
            f"this machine allows {format_bytes(limit)}. Use smaller hidden sizes or batch size.")
    return est
