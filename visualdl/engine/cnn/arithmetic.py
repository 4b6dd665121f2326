"""Convolution arithmetic: output sizes, parameter counts and a layer-by-layer shape table.

Sizes follow the course (square inputs and windows, one stride and one padding for both axes):

    output size = (n - f + 2*pad) / stride + 1        (n: input size, f: filter or window size)

A size that is not a whole number is refused, never rounded: a 7x7 input with a 3x3 filter and
stride 3 gives (7 - 3) / 3 + 1 = 2.33, so that filter does not tile the input.

Parameters of a conv layer: n_filters * (f * f * c_in) weights plus one bias per filter. The
course's slide on 5x5x3 filters, 4 of them, prints 360; the right count is 4 * (5*5*3 + 1) = 304
(each filter has ONE bias, not one per weight position).

``describe_stack(input_shape, layers)`` walks a list of layer specs (dicts):

    {"type": "conv", "filters": F, "size": f, "stride": 1, "pad": 0}
    {"type": "pool", "size": 2, "stride": 2, "mode": "max"}      (mode: "max" or "avg")
    {"type": "relu"}   {"type": "act", "name": "tanh"}             (any elementwise activation)
    {"type": "batchnorm"}  {"type": "dropout"}  {"type": "flatten"}
    {"type": "fc", "units": D}                                      (flattens its input first)

and returns one dict per layer: index, type, label, output_shape ((C, H, W) for volumes, (D,) after
flatten/fc), params (weights + biases, gamma + beta for batch norm), formula (how params is
counted, e.g. "6 × (5·5·3 + 1)") and macs (multiply-adds for
one example: conv H'*W'*F*C*f*f, fc D_in*D_out; elementwise layers count 0).
"""
from __future__ import annotations

from numbers import Integral

__all__ = ["conv_output_size", "pool_output_size", "conv_param_count", "fc_param_count", "describe_stack",
           "stack_totals", "LAYER_TYPES"]

LAYER_TYPES = ("conv", "pool", "relu", "act", "batchnorm", "dropout", "flatten", "fc")


def _positive(name: str, value, allow_zero: bool = False) -> int:
    """value as an int, or ValueError naming it when it is not a positive (or, allow_zero, >= 0) integer."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            kind = "a non-negative" if allow_zero else "a positive"
            raise ValueError(f"{name} must be {kind} whole number, got {value!r}")
    value = int(value)
    if value < 0 or (value == 0 and not allow_zero):
        kind = ">= 0" if allow_zero else ">= 1"
        raise ValueError(f"{name} must be {kind}, got {value}")
    return value


def _window_output(n, f, stride, pad, what: str, window: str) -> int:
    n = _positive("input size", n)
    f = _positive(f"{window} size", f)
    stride = _positive("stride", stride)
    pad = _positive("padding", pad, allow_zero=True)
    padded = n + 2 * pad
    if f > padded:
        raise ValueError(f"{what}: the {f}x{f} {window} is larger than the {'padded ' if pad else ''}input "
                         f"({n} + 2*{pad} = {padded})")
    span = n - f + 2 * pad
    if span % stride:
        raise ValueError(f"{what}: ({n} - {f} + 2*{pad}) / {stride} + 1 = {span / stride + 1:.2f} is not a "
                         f"whole number: a {f}x{f} {window} with stride {stride} does not fit a {n}x{n} input "
                         f"{'padded by ' + str(pad) if pad else 'without padding'}")
    return span // stride + 1


def conv_output_size(n, f, stride=1, pad=0) -> int:
    """Output width (= height) of a conv layer: (n - f + 2*pad) / stride + 1.

    Raises ValueError (with the numbers) when that is not a whole number, when f > n + 2*pad,
    or when n, f, stride are not positive integers or pad is negative / not an integer.
    """
    return _window_output(n, f, stride, pad, "Convolution", "filter")


def pool_output_size(n, size, stride, pad=0) -> int:
    """Output width of a pooling layer: (n - size + 2*pad) / stride + 1, same rules as conv_output_size."""
    return _window_output(n, size, stride, pad, "Pooling", "window")


def conv_param_count(f, c_in, n_filters, bias=True) -> int:
    """Learned numbers of a conv layer: n_filters * (f*f*c_in + 1) with bias, n_filters * f*f*c_in without.

    conv_param_count(5, 3, 4) == 304: each of the 4 filters has 5*5*3 = 75 weights and 1 bias.
    """
    f = _positive("filter size", f)
    c_in = _positive("input depth", c_in)
    n_filters = _positive("number of filters", n_filters)
    return n_filters * (f * f * c_in + (1 if bias else 0))


def fc_param_count(d_in, d_out, bias=True) -> int:
    """Learned numbers of a fully connected layer: d_out * (d_in + 1) with bias."""
    d_in, d_out = _positive("fc input size", d_in), _positive("fc units", d_out)
    return d_out * (d_in + (1 if bias else 0))


def _get(spec: dict, key: str, default=None, allow_zero=False):
    value = spec.get(key, default)
    if value is None:
        raise ValueError(f"missing {key!r}")
    return _positive(key, value, allow_zero)


def _layer(i: int, spec, shape: tuple) -> dict:
    if not isinstance(spec, dict):
        raise ValueError(f"expected a dict spec, got {spec!r}")
    kind = spec.get("type")
    if kind not in LAYER_TYPES:
        raise ValueError(f"unknown layer type {kind!r} (choose from {', '.join(LAYER_TYPES)})")
    params = macs = 0
    formula = "0"
    if kind in ("conv", "pool"):
        if len(shape) != 3:
            raise ValueError(f"a {kind} layer needs a (C, H, W) volume, got shape {shape}")
        c, h, w = shape
        size = _get(spec, "size")
        stride = _get(spec, "stride", 1 if kind == "conv" else size)
        pad = _get(spec, "pad", 0, allow_zero=True)
        fn = conv_output_size if kind == "conv" else pool_output_size
        ho, wo = fn(h, size, stride, pad), fn(w, size, stride, pad)
        if kind == "conv":
            f = _get(spec, "filters")
            params = conv_param_count(size, c, f, spec.get("bias", True))
            macs = ho * wo * f * c * size * size
            formula = f"{f} × ({size}·{size}·{c}" + (" + 1)" if spec.get("bias", True) else ")")
            out = (f, ho, wo)
            label = f"CONV {f} {size}x{size}, stride {stride}, pad {pad}"
        else:
            mode = spec.get("mode", "max")
            if mode not in ("max", "avg"):
                raise ValueError(f"pool mode must be 'max' or 'avg', got {mode!r}")
            out = (c, ho, wo)
            label = f"{mode.upper()} POOL {size}x{size}, stride {stride}" + (f", pad {pad}" if pad else "")
    elif kind == "fc":
        d_in = 1
        for d in shape:
            d_in *= d
        units = _get(spec, "units")
        params = units * (d_in + (1 if spec.get("bias", True) else 0))
        macs = d_in * units
        formula = f"{units} × ({d_in}" + (" + 1)" if spec.get("bias", True) else ")")
        out = (units,)
        label = f"FC {d_in} -> {units}"
    elif kind == "flatten":
        d = 1
        for s in shape:
            d *= s
        out, label = (d,), "FLATTEN"
    elif kind == "batchnorm":
        params, out, label = 2 * shape[0], shape, "BATCH NORM"
        formula = f"2 × {shape[0]}"
    else:
        out = shape
        label = {"relu": "RELU", "dropout": "DROPOUT"}.get(kind) or str(spec.get("name", "activation")).upper()
    return {"index": i, "type": kind, "label": label, "output_shape": tuple(int(s) for s in out),
            "params": int(params), "macs": int(macs), "formula": formula}


def describe_stack(input_shape, layers) -> list[dict]:
    """One row per layer (see the module docstring). input_shape: (C, H, W) or (D,).

    Raises ValueError "layer i (type): reason" for the first layer that does not fit.
    """
    try:
        shape = tuple(_positive("input dimension", s) for s in input_shape)
    except TypeError:
        raise ValueError(f"input shape must be (C, H, W) or (D,), got {input_shape!r}") from None
    if len(shape) not in (1, 3):
        raise ValueError(f"input shape must be (C, H, W) or (D,), got {shape}")
    rows = []
    for i, spec in enumerate(layers):
        try:
            row = _layer(i, spec, shape)
        except ValueError as exc:
            kind = spec.get("type", "?") if isinstance(spec, dict) else "?"
            raise ValueError(f"layer {i} ({kind}): {exc}") from None
        rows.append(row)
        shape = row["output_shape"]
    return rows


def stack_totals(rows: list[dict]) -> dict:
    """{"params": sum, "macs": sum, "output_shape": last layer's} of describe_stack's rows."""
    return {"params": sum(r["params"] for r in rows), "macs": sum(r["macs"] for r in rows),
            "output_shape": rows[-1]["output_shape"] if rows else None}
