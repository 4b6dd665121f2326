"""The playground net read from its weights: activations, forward pass, one neuron, the formulas.

A fully connected net is a list of (W, b) with W: (out, in) and b: (out,), as the engine's
Linear stores them (y = x W^T + b). Hidden layers apply the activation; the last layer gives
the class scores.

    ACTIVATIONS: key -> title;  activate(name, z) -> same shape (the engine's layer defaults:
        leaky ReLU slope 0.01, ELU alpha 1)
    linear_layers(params) -> [(W, b), ...] from Trainer/Sequential params {"0.W", "0.b", ...}
    forward(layers, x, activation) -> (pre, post, scores): lists of (N, units) per hidden layer
    forward_columns(layers, xT, activation) -> (post, scores) with points as columns (grids)
    neuron_output(x, w, b, activation) -> (s = w.x + b, activation(s))
    formula(sizes, activation) -> {"text", "shapes", "layers": [...], "total"}
"""
from __future__ import annotations

import numpy as np

from visualdl.engine.nn import _parallel

ACTIVATIONS = {
    "relu": "ReLU",
    "leaky_relu": "Leaky ReLU",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "elu": "ELU",
}
LEAKY_SLOPE = 0.01  # visualdl.engine.nn.layers.LeakyReLU's default, used by build_model
ELU_ALPHA = 1.0
_WRITTEN = {"relu": "max(0, {})", "leaky_relu": "max(0.01·{0}, {0})", "tanh": "tanh({})",
            "sigmoid": "σ({})", "elu": "elu({})"}


def activate(name: str, z):
    """Apply activation ``name`` entry by entry to z (any shape) -> new array, z's dtype."""
    z = np.asarray(z)
    if name == "relu":
        return np.maximum(z, 0)
    if name == "leaky_relu":
        return np.where(z > 0, z, LEAKY_SLOPE * z)
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return 0.5 * (1 + np.tanh(0.5 * z))  # = 1 / (1 + exp(-z)), never overflows
    if name == "elu":
        return np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0)))
    raise ValueError(f"Unknown activation {name!r} (choose from {', '.join(ACTIVATIONS)})")


def linear_layers(params: dict) -> list[tuple[np.ndarray, np.ndarray]]:
    """{"0.W", "0.b", "2.W", ...} (Sequential.named_params order) -> [(W, b)] of the Linear layers in order."""
    idx = sorted({int(k.split(".")[0]) for k in params if k.endswith(".W")})
    return [(params[f"{i}.W"], params[f"{i}.b"]) for i in idx]


def forward(layers, x, activation: str):
    """x: (N, D) -> (pre, post, scores).

    pre[l], post[l]: (N, units of hidden layer l) before and after the activation;
    scores: (N, C). Everything in x's float dtype.
    """
    pre, post = [], []
    h = np.asarray(x)
    for W, b in layers[:-1]:
        z = _affine(h, W, b)
        pre.append(z)
        h = activate(activation, z)
        post.append(h)
    W, b = layers[-1]
    return pre, post, _affine(h, W, b)


def forward_columns(layers, xT, activation: str):
    """The same pass with points as columns: xT (D, N) -> (post, scores) with post[l]: (units, N),
    scores: (C, N). For a grid this layout makes each unit's map a plain reshape (no transposes)."""
    post = []
    h = np.asarray(xT)
    for W, b in layers[:-1]:
        z = _parallel.matmul(np.ascontiguousarray(W), h)
        z += b[:, None]
        h = activate(activation, z)
        post.append(h)
    W, b = layers[-1]
    scores = _parallel.matmul(np.ascontiguousarray(W), h)
    scores += b[:, None]
    return post, scores


def _affine(h, W, b):
    """h W^T + b through the engine's matmul (BLAS kept on this thread: no spinning BLAS workers)."""
    out = _parallel.matmul(h, np.ascontiguousarray(W.T))
    out += b
    return out


def neuron_output(x, w, b: float, activation: str) -> tuple[float, float]:
    """One neuron: x, w: (D,) inputs and weights, b the bias -> (s = sum_i w_i x_i + b, f(s))."""
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    if x.shape != w.shape or x.ndim != 1:
        raise ValueError(f"Inputs {x.shape} and weights {w.shape} must be vectors of one length")
    s = float(np.dot(w, x) + b)
    return s, float(activate(activation, np.array(s)))


def formula(sizes, activation: str = "relu") -> dict:
    """sizes: [D, h1, ..., C] (input, hidden units, classes).

    Returns {"text": "f = W2 max(0, W1 x)", "shapes": "x: 2 · W1: 16×2 · W2: 3×16",
             "layers": [{"name": "W1", "rows", "cols", "weights", "biases", "params"}], "total": int}.
    As in the course the biases are left out of the formula (they are counted in params).
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"Invalid layer sizes {sizes}: need [inputs, ..., classes], all >= 1")
    if activation not in _WRITTEN:
        raise ValueError(f"Unknown activation {activation!r} (choose from {', '.join(ACTIVATIONS)})")
    n = len(sizes) - 1
    text = "W1 x"
    for k in range(2, n + 1):
        text = f"W{k} " + _WRITTEN[activation].format(text)
    layers = []
    for k in range(1, n + 1):
        rows, cols = sizes[k], sizes[k - 1]
        layers.append({"name": f"W{k}", "rows": rows, "cols": cols, "weights": rows * cols, "biases": rows,
                       "params": rows * cols + rows})
    shapes = " · ".join([f"x: {sizes[0]}"] + [f"{d['name']}: {d['rows']}×{d['cols']}" for d in layers])
    return {"text": "f = " + text, "shapes": shapes, "layers": layers, "total": sum(d["params"] for d in layers)}
