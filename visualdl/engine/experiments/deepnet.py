"""A deep fully connected net fed one batch of unit-Gaussian data: what each initialization does.

    net = deep_net(num_layers=10, width=500, init="xavier", activation="tanh", batchnorm=False, seed=0)
    stats = deep_net_statistics(num_layers=10, width=500, batch=1000, init="xavier", activation="tanh")
    stats["layers"][i]: {"mean", "std", "saturated", "zero", "hist", "pre_hist", "bn_hist",
                         "grad_mean", "grad_std", "grad_hist", "identical_units", "identical_grads"}

Layer i (0-based) is Linear(width -> width) [- BatchNorm] - activation; its statistics describe the
activation's output h_i, shape (batch, width). The backward pass starts from an upstream gradient
dL/dh_last = G / batch with G unit Gaussian (a fixed random loss direction, seeded), and grad_* are
the statistics of dL/dh_i. The layers are the engine's own (visualdl.engine.nn.layers).
"""
from __future__ import annotations

import numpy as np

from visualdl.engine.nn import layers as L
from visualdl.engine.nn.histograms import histogram

# the course's five schemes: key -> (engine init method, std for "gaussian", label)
INIT_SCHEMES = {
    "zeros": ("zeros", 0.0, "W = 0"),
    "small": ("gaussian", 0.01, "N(0, 0.01²)"),
    "large": ("gaussian", 1.0, "N(0, 1)"),
    "xavier": ("xavier", 0.0, "Xavier: N(0, 1/fan_in)"),
    "kaiming": ("kaiming", 0.0, "Kaiming: N(0, 2/fan_in)"),
}
DEEP_ACTIVATIONS = {"tanh": L.Tanh, "relu": L.ReLU}
SATURATION = 0.99  # |tanh| beyond this counts as saturated (its slope is below 0.02 there)


def deep_net(num_layers=10, width=500, init="xavier", activation="tanh", batchnorm=False, seed=0,
             dtype=np.float32) -> L.Sequential:
    """Sequential of num_layers blocks Linear(width, width) [- BatchNorm(width)] - activation.

    init: a key of INIT_SCHEMES; activation: "tanh" or "relu". Weights come from `seed`.
    """
    num_layers, width = int(num_layers), int(width)
    if num_layers < 1 or width < 1:
        raise ValueError(f"deep_net needs at least 1 layer of 1 unit, got {num_layers} x {width}")
    if init not in INIT_SCHEMES:
        raise ValueError(f"Unknown init scheme: {init!r} (choose from {', '.join(INIT_SCHEMES)})")
    if activation not in DEEP_ACTIVATIONS:
        raise ValueError(f"Unknown activation: {activation!r} (choose from {', '.join(DEEP_ACTIVATIONS)})")
    method, std, _ = INIT_SCHEMES[init]
    rng = np.random.default_rng(seed)
    seq = []
    for _ in range(num_layers):
        seq.append(L.Linear(width, width, init=method, std=std, rng=rng, dtype=dtype))
        if batchnorm:
            seq.append(L.BatchNorm(width, dtype=dtype))
        seq.append(DEEP_ACTIVATIONS[activation](dtype=dtype))
    return L.Sequential(*seq)


def _spread(h) -> float:
    """Largest difference between any unit's values and unit 0's: 0 means every unit is identical."""
    h = np.asarray(h)
    with np.errstate(invalid="ignore", over="ignore"):
        return float(np.max(np.abs(h - h[:, :1]))) if h.size else 0.0


def _moments(a) -> tuple[float, float]:
    a = np.asarray(a, dtype=np.float64)
    return float(a.mean()), float(a.std())


def deep_net_statistics(num_layers=10, width=500, batch=1000, init="xavier", activation="tanh",
                        batchnorm=False, seed=0, bins=40, backward=True, cancel=None) -> dict | None:
    """Forward (and backward) statistics per layer; see the module docstring.

    Returns {"init", "activation", "batchnorm", "input_std", "layers": [...]}: per layer "mean", "std",
    "saturated" (fraction |h| > 0.99), "zero" (fraction h == 0), "hist" (of h), "pre_hist" (of the
    Linear output), "bn_hist" (of the BatchNorm output, or None), "identical_units" (all units of the
    layer computed the same values), and with backward: "grad_mean", "grad_std", "grad_hist",
    "identical_grads" (all units received the same gradient) and "weight_grad_std" (of dL/dW).
    cancel: a threading.Event checked between layers; when it is set the function returns None.
    """
    batch = int(batch)
    if batch < 2:
        raise ValueError(f"deep_net_statistics needs a batch of at least 2, got {batch}")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, int(width))).astype(np.float32)
    net = deep_net(num_layers, width, init, activation, batchnorm, seed=rng)
    acts, out = [], x
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in net.layers:  # Sequential.forward, one layer at a time so a cancel is heard
            if cancel is not None and cancel.is_set():
                return None
            out = layer.forward(out, train=True)
            acts.append(out)
    per = 3 if batchnorm else 2
    layers = []
    for i in range(int(num_layers)):
        pre, h = acts[per * i], acts[per * i + per - 1]
        mean, std = _moments(h)
        layers.append({
            "mean": mean, "std": std,
            "saturated": float(np.mean(np.abs(h) > SATURATION)),
            "zero": float(np.mean(h == 0)),
            "hist": histogram(h, bins), "pre_hist": histogram(pre, bins),
            "bn_hist": histogram(acts[per * i + 1], bins) if batchnorm else None,
            "identical_units": _spread(h) == 0.0,
        })
    if backward:
        g = (np.random.default_rng([int(seed), 1]).standard_normal(out.shape) / batch).astype(np.float32)
        with np.errstate(over="ignore", invalid="ignore"):
            net.backward(g, keep_output_grads=True)
        for i, row in enumerate(layers):
            d = net.output_grads[per * i + per - 1]
            row["grad_mean"], row["grad_std"] = _moments(d)
            row["grad_hist"] = histogram(d, bins)
            dW = net.layers[per * i].grads["W"]
            row["weight_grad_std"] = float(np.std(dW, dtype=np.float64))
            row["identical_grads"] = _spread(dW.T) == 0.0  # every unit's (row's) weight gradient alike
    return {"init": init, "activation": activation, "batchnorm": bool(batchnorm),
            "input_std": float(x.std()), "layers": layers}
