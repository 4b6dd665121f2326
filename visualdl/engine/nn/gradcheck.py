"""Numerical gradient checking with centred differences (use float64).

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h)     error O(h^2)

rel_error(a, b) = max_i |a_i - b_i| / max_i (|a_i| + |b_i|): the worst
entry's error relative to the gradient's scale. (CS231n divides entry by
entry, `elementwise_rel_error`; that blows up on entries that are ~0 by
cancellation, as in batch norm, where float64 roundoff of ~1e-10 in the
difference quotient alone gives 1e-6. Both agree on O(1) entries.)
In float64 with h = 1e-5 a correct gradient gives about 1e-9 or less,
except next to a kink (ReLU or max at a tie, |w| at 0, a hinge margin of
exactly 0), where the two sides of the difference see different slopes;
test data should stay away from kinks.
"""
from __future__ import annotations

import numpy as np


def rel_error(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ, {a.shape} vs {b.shape}")
    if a.size == 0:
        return 0.0
    scale = max(1e-8, float(np.max(np.abs(a) + np.abs(b))))
    return float(np.max(np.abs(a - b))) / scale


def elementwise_rel_error(a, b) -> float:
    """CS231n's version: max over entries of |a - b| / max(1e-8, |a| + |b|)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ, {a.shape} vs {b.shape}")
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)), initial=0.0))


def numerical_gradient(f, x, h=1e-5, df=None):
    """Gradient of f at x by centred differences; x is perturbed in place and restored.

    f: callable f(x) -> a scalar, or an array when df (same shape as f's output) is given:
       then the gradient of sum(f(x) * df) is returned (the backward of an array function).
    x: float64 array; returns an array shaped like x.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old
        if df is None:
            grad[i] = (float(fp) - float(fm)) / (2 * h)
        else:
            grad[i] = np.sum((np.asarray(fp, np.float64) - np.asarray(fm, np.float64)) * df) / (2 * h)
    return grad


def check_layer(layer, x, *, train=True, h=1e-5, seed=0, before_forward=None) -> dict:
    """Compare a layer's backward with numerical gradients; returns {"x": err, "<param>": err, ...}.

    layer: built with dtype=np.float64; x: float64 input.
    The scalar checked is sum(layer.forward(x) * dout) with a random dout.
    before_forward: optional callable run before every forward (e.g. to reseed Dropout).
    """
    x = np.array(x, dtype=np.float64)

    def fwd(inp):
        if before_forward is not None:
            before_forward()
        return layer.forward(inp, train=train)

    out = fwd(x)
    # a seed stream of its own: a dout equal to (a multiple of) x would make
    # e.g. batch norm's gradient vanish and the check meaningless
    dout = np.random.default_rng((seed, 0xD0)).standard_normal(out.shape)
    layer.need_input_grad = True  # also makes a Sequential return its input gradient
    dx = layer.backward(dout)
    grads = {k: np.array(v) for k, v in layer.grads.items()}
    errors = {"x": rel_error(dx, numerical_gradient(lambda v: np.array(fwd(v)), x, h, dout))}
    for name, p in layer.params.items():
        num = numerical_gradient(lambda v: np.array(fwd(x)), p, h, dout)
        errors[name] = rel_error(grads[name], num)
    return errors
