"""Loading a saved trainer checkpoint for a model (shapes checked against its config), and the
pieces of state that live outside a model's ``params``: batch-norm buffers, optimizer state."""
from __future__ import annotations

import numpy as np

from visualdl.engine.nn.models import build_model, validate_config


def load_checkpoint_for(path, input_shape=None, num_classes=None):
    """load_checkpoint, then check the weights fit the model its config describes.

    Returns (config, arrays, history, extra). Raises CheckpointError when the config is
    invalid or a parameter is missing, extra or of the wrong shape.
    """
    from visualdl.engine.nn.serialize import CheckpointError, check_params, load_checkpoint

    config, arrays, history, extra = load_checkpoint(path)
    extra = extra or {}
    try:
        config = validate_config(config)
    except ValueError as exc:
        raise CheckpointError(f"{path}: the saved config is invalid: {exc}") from None
    input_shape = tuple(input_shape if input_shape is not None else extra.get("input_shape", ()))
    num_classes = num_classes if num_classes is not None else extra.get("num_classes")
    if not input_shape or num_classes is None:
        raise CheckpointError(f"{path} does not record the model's input shape and number of classes")
    try:
        model = build_model(config, input_shape, num_classes, rng=np.random.default_rng(0))
    except ValueError as exc:
        raise CheckpointError(f"{path}: cannot build its model: {exc}") from None
    expected = {n: p.shape for n, p in model.named_params().items()}
    expected.update({f"buffer:{n}": b.shape for n, b in model_buffers(model).items()})
    check_params(arrays, expected, source=str(path))
    return config, arrays, history, extra


def load_model(path):
    """Load a saved model for inference -> (model, config, extra).

    extra holds input_shape, num_classes, class_names and the preprocessor dict.
    """
    config, arrays, _history, extra = load_checkpoint_for(path)
    model = build_model(config, extra["input_shape"], extra["num_classes"], rng=np.random.default_rng(0))
    for name, p in model.named_params().items():
        p[...] = arrays[name]
    for name, b in model_buffers(model).items():
        b[...] = arrays[f"buffer:{name}"]
    return model, config, extra


# BatchNorm keeps its running statistics outside `params` (they are not trained).
_BUFFER_NAMES = ("running_mean", "running_var")


def model_buffers(model) -> dict:
    out = {}
    for i, layer in enumerate(model.layers):
        for attr in _BUFFER_NAMES:
            value = getattr(layer, attr, None)
            if isinstance(value, np.ndarray):
                out[f"{i}.{attr}"] = value
    return out


def restore_buffers(model, saved: dict) -> None:
    for name, value in saved.items():
        index, attr = name.split(".", 1)
        setattr(model.layers[int(index)], attr, value)


def optimizer_state(opt) -> dict:
    if hasattr(opt, "state_dict"):
        return opt.state_dict()
    return {"t": int(getattr(opt, "t", 0))}


def load_optimizer_state(opt, state, params) -> None:
    if hasattr(opt, "load_state_dict"):
        opt.load_state_dict(state)
    elif "t" in state and hasattr(opt, "t"):
        opt.t = int(state["t"])
