"""Layer stacks for describe_stack: the course's examples, classic nets, and the app's own models.

    STACK_PRESETS[key] -> {"title", "input_shape", "layers", "note"}
    stack_preset(key)                       a fresh copy of one preset
    stack_from_config(cfg, input_shape, num_classes)
        the layer specs of the network ``visualdl.engine.nn.models.build_model`` builds for cfg,
        one spec per real layer (same order, same shapes, same parameter counts).
    describe_config(cfg, input_shape, num_classes)
        describe_stack of those specs: the shape/parameter table of a live model's config.
"""
from __future__ import annotations

import copy

from visualdl.engine.nn.models import PRESETS as MODEL_PRESETS
from visualdl.engine.nn.models import default_config, validate_config

__all__ = ["STACK_PRESETS", "stack_preset", "stack_from_config", "describe_config"]


def _conv(filters, size, stride=1, pad=0):
    return {"type": "conv", "filters": filters, "size": size, "stride": stride, "pad": pad}


def _pool(size=2, stride=2, mode="max"):
    return {"type": "pool", "size": size, "stride": stride, "mode": mode}


def _fc(units):
    return {"type": "fc", "units": units}


RELU = {"type": "relu"}
TANH = {"type": "act", "name": "tanh"}


def _activation(name: str) -> dict:
    return dict(RELU) if name == "relu" else {"type": "act", "name": name}


def stack_from_config(cfg: dict, input_shape=(3, 32, 32), num_classes: int = 10) -> list[dict]:
    """Layer specs mirroring build_model(cfg, input_shape, num_classes), layer for layer.

    CNN presets: per entry of model.filters a 'same' conv (pad k//2), batch norm when on, the
    activation, a 2x2 max pool; then flatten, dropout when on, the hidden fc blocks and the
    output fc. MLP presets: flatten (image input only), hidden fc blocks, output fc.
    """
    cfg = validate_config(cfg)
    m = cfg["model"]
    layers: list[dict] = []
    input_shape = tuple(int(s) for s in input_shape)
    if MODEL_PRESETS[m["preset"]]["kind"] == "cnn":
        if len(input_shape) != 3:
            raise ValueError(f"Preset {m['preset']!r} is a convolutional net and needs (C, H, W) input, "
                             f"got {input_shape}")
        k = m["kernel_size"]
        for filters in m["filters"]:
            layers.append(_conv(filters, k, 1, k // 2))
            if m["batchnorm"]:
                layers.append({"type": "batchnorm"})
            layers.append(_activation(m["activation"]))
            layers.append(_pool(2, 2))
        layers.append({"type": "flatten"})
        if m["dropout"] > 0:
            layers.append({"type": "dropout"})
    elif len(input_shape) > 1:
        layers.append({"type": "flatten"})
    for hidden in m["hidden"]:
        layers.append(_fc(hidden))
        if m["batchnorm"]:
            layers.append({"type": "batchnorm"})
        layers.append(_activation(m["activation"]))
        if m["dropout"] > 0:
            layers.append({"type": "dropout"})
    layers.append(_fc(int(num_classes)))
    return layers


def describe_config(cfg: dict, input_shape=(3, 32, 32), num_classes: int = 10) -> list[dict]:
    """describe_stack rows (one per real layer of build_model) for a model config."""
    from visualdl.engine.cnn.arithmetic import describe_stack

    return describe_stack(input_shape, stack_from_config(cfg, input_shape, num_classes))


STACK_PRESETS: dict[str, dict] = {
    "course": {
        "title": "Course example (32x32x3, two conv layers)",
        "input_shape": (3, 32, 32),
        "layers": [_conv(6, 5), dict(RELU), _conv(10, 5), dict(RELU)],
        "note": "The course's stack: 32x32x3 -> CONV, ReLU with 6 5x5x3 filters -> 28x28x6 -> CONV, ReLU "
                "with 10 5x5x6 filters -> 24x24x10. Without padding each 5x5 conv shrinks the volume by 4.",
    },
    "small_cnn": {
        "title": "The app's small CNN",
        "input_shape": (3, 32, 32),
        "layers": stack_from_config(default_config("small_cnn")),
        "note": "Exactly the network the training lab builds for 'small_cnn' (10 classes).",
    },
    "standard_cnn": {
        "title": "The app's standard CNN",
        "input_shape": (3, 32, 32),
        "layers": stack_from_config(default_config("standard_cnn")),
        "note": "Exactly the network the training lab builds for 'standard_cnn' (batch norm on by default; "
                "its gamma and beta are 2 parameters per channel).",
    },
    "lenet5": {
        "title": "LeNet-5 (LeCun et al. 1998, 32x32x1)",
        "input_shape": (1, 32, 32),
        "layers": [_conv(6, 5), dict(TANH), _pool(2, 2, "avg"), _conv(16, 5), dict(TANH), _pool(2, 2, "avg"),
                   _conv(120, 5), dict(TANH), _fc(84), dict(TANH), _fc(10)],
        "note": "Simplified as usually taught: C3 sees all 6 maps (the paper connects each of its 16 maps to a "
                "subset: 1,516 parameters, not 2,416) and subsampling is a plain average (the paper's has a "
                "trainable scale and bias per map).",
    },
    "alexnet": {
        "title": "AlexNet (Krizhevsky et al. 2012, 227x227x3)",
        "input_shape": (3, 227, 227),
        "layers": [_conv(96, 11, 4), dict(RELU), _pool(3, 2), _conv(256, 5, 1, 2), dict(RELU), _pool(3, 2),
                   _conv(384, 3, 1, 1), dict(RELU), _conv(384, 3, 1, 1), dict(RELU), _conv(256, 3, 1, 1), dict(RELU),
                   _pool(3, 2), _fc(4096), dict(RELU), _fc(4096), dict(RELU), _fc(1000)],
        "note": "One-GPU form: conv1 has 96 11x11x3 filters with stride 4 -> 55x55x96, (11*11*3 + 1) * 96 = "
                "34,944 parameters; 62.4 million in all (the course's 'about 60 million'), most of them in the first "
                "fully connected layer. "
                "The 2012 paper split conv2, conv4 and conv5 over two GPUs (fewer weights) and used local "
                "response normalisation (no parameters, left out).",
    },
}


def stack_preset(key: str) -> dict:
    """A fresh copy of STACK_PRESETS[key]; ValueError naming the choices for an unknown key."""
    if key not in STACK_PRESETS:
        raise ValueError(f"Unknown stack preset {key!r} (choose from {', '.join(STACK_PRESETS)})")
    return copy.deepcopy(STACK_PRESETS[key])
