"""Activation functions as the course draws them, and the dead-ReLU experiment.

    activation_curve("tanh", x) -> (f(x), f'(x))          computed by the engine's own layers
    saturated_regions(x, slope, threshold=0.01) -> [(x0, x1), ...] where |f'(x)| < threshold
    dead_fractions(model, x) -> fraction of never-active units of each ReLU layer over the batch x
    dead_relu_run(data, lr, iterations, ...) generator: yields {"iteration", "loss", "dead": [...]}
"""
from __future__ import annotations

import numpy as np

from visualdl.engine.nn import layers as L

ACTIVATION_NAMES = {"sigmoid": "Sigmoid", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "Leaky ReLU",
                    "elu": "ELU"}
# the course's points, one per function
ACTIVATION_NOTES = {
    "sigmoid": "Squashes to (0, 1). Saturated units kill gradients (slope < 0.01 for |x| > 4.6, "
               "at most 0.25 anywhere); outputs are not zero-centred, so the next layer's weight "
               "gradients all share one sign; exp() is a bit costly.",
    "tanh": "Squashes to (-1, 1): zero-centred, but still kills gradients when saturated "
            "(slope < 0.01 for |x| > 3).",
    "relu": "max(0, x): does not saturate for x > 0, cheap, converges much faster than sigmoid/tanh "
            "in practice; not zero-centred, and a unit whose input stays negative never updates "
            "again: a dead ReLU (too high a learning rate, or bad initialization).",
    "leaky_relu": "max(αx, x): never saturates and never dies (slope α on the negative side).",
    "elu": "x for x > 0, α(exp(x) - 1) otherwise: all benefits of ReLU, outputs closer to zero mean; "
           "the negative saturation adds some robustness to noise; needs exp().",
}


def activation_layer(name: str, slope: float = 0.01, alpha: float = 1.0, dtype=np.float64):
    """The engine layer for `name` (a key of ACTIVATION_NAMES)."""
    if name == "leaky_relu":
        return L.LeakyReLU(slope, dtype=dtype)
    if name == "elu":
        return L.ELU(alpha, dtype=dtype)
    layer = {"sigmoid": L.Sigmoid, "tanh": L.Tanh, "relu": L.ReLU}.get(name)
    if layer is None:
        raise ValueError(f"Unknown activation: {name!r} (choose from {', '.join(ACTIVATION_NAMES)})")
    return layer(dtype=dtype)


def activation_curve(name: str, x, slope: float = 0.01, alpha: float = 1.0):
    """x: (n,) -> (y (n,), dy/dx (n,)) from the engine layer's forward and backward (dy = 1), float64."""
    layer = activation_layer(name, slope, alpha)
    x = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    y = layer.forward(x, train=True)
    d = layer.backward(np.ones_like(x))
    return np.array(y[:, 0]), np.array(d[:, 0])


def saturated_regions(x, slope, threshold: float = 0.01) -> list[tuple[float, float]]:
    """Intervals of x (sorted ascending) where |slope| < threshold: where a unit passes back
    less than 1% of the gradient it receives."""
    x, flat = np.asarray(x, dtype=np.float64), np.abs(np.asarray(slope, dtype=np.float64)) < threshold
    regions, start = [], None
    for i, f in enumerate(flat):
        if f and start is None:
            start = i
        if (not f or i == len(flat) - 1) and start is not None:
            end = i if f else i - 1
            regions.append((float(x[start]), float(x[end])))
            start = None
    return regions


def dead_fractions(model, x) -> list[float]:
    """Fraction of units of each ReLU layer of `model` that output 0 for EVERY example of x.

    x: a batch the model accepts (already preprocessed). Evaluation mode (no dropout, BN running stats).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        model.forward(x, train=False)
    out = []
    for layer, h in zip(model.layers, model.activations):
        if isinstance(layer, L.ReLU):
            per_unit = np.asarray(h).reshape(h.shape[0], h.shape[1], -1)  # (N, units, spatial)
            alive = (per_unit > 0).any(axis=(0, 2))
            out.append(float(1.0 - alive.mean()))
    return out


def dead_relu_config(lr: float, hidden=(100, 100), seed: int = 0) -> dict:
    """The dead-ReLU experiment's model: a ReLU MLP trained by plain SGD at rate lr."""
    return {"model": {"preset": "three_layer", "hidden": list(hidden), "activation": "relu", "init": "kaiming"},
            "optim": {"name": "sgd", "lr": float(lr)}, "reg": {"kind": "none", "strength": 0.0},
            "batch_size": 64, "seed": int(seed), "preprocess": "channel"}


def dead_relu_run(data, lr: float, iterations: int = 200, hidden=(100, 100), probe: int = 500, every: int = 10,
                  seed: int = 0, cancel=None):
    """Train dead_relu_config(lr) on `data` (a DataSplits); every `every` steps yield
    {"iteration", "loss", "dead": [fraction never active over `probe` training examples, per ReLU layer]}.
    Stops early when training diverges (the last dict then has "stopped"). cancel: a threading.Event."""
    from visualdl.engine.nn.trainer import Trainer

    trainer = Trainer(dead_relu_config(lr, hidden, seed), data, train_eval_size=1)
    x_probe = trainer.preprocessor.transform(data.X_train[:probe])
    yield {"iteration": 0, "loss": float("nan"), "dead": dead_fractions(trainer.model, x_probe)}
    for it in range(1, int(iterations) + 1):
        if cancel is not None and cancel.is_set():
            return
        m = trainer.step()
        if "stopped" in m or it % every == 0 or it == iterations:
            row = {"iteration": it, "loss": m["loss"], "dead": dead_fractions(trainer.model, x_probe)}
            if "stopped" in m:
                row["stopped"] = m["stopped"]
                yield row
                return
            yield row
