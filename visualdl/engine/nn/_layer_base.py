"""What every layer module shares: the Layer base class, the dtype check and the
feature-major views (see visualdl.engine.nn.layers for the memory layout they serve).
"""
from __future__ import annotations

import numpy as np


def _dtype(dtype):
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise ValueError(f"Layers compute in float32 or float64, not {dt}")
    return dt


def _as(x, dtype):
    x = np.asarray(x)
    return x if x.dtype == dtype else x.astype(dtype)


def _fm(x):
    """Feature-major view: (N, D) -> (D, N); (N, C, H, W) -> (C, H, W, N)."""
    return x.T if x.ndim == 2 else x.transpose(1, 2, 3, 0)


def _bm(a):
    """Inverse of _fm: back to the batch-first interface view."""
    return a.T if a.ndim == 2 else a.transpose(3, 0, 1, 2)


def _out_size(size, k, stride, pad, what, axis):
    """Output length along one axis: (size - k + 2*pad) / stride + 1, which must be a whole number."""
    span = size - k + 2 * pad
    if k < 1 or stride < 1 or pad < 0:
        raise ValueError(f"{what}: invalid geometry kernel {k}, stride {stride}, padding {pad}")
    if span < 0:
        raise ValueError(
            f"{what}: the {k}x{k} window does not fit the input {axis} {size} with padding {pad} "
            f"({size} - {k} + 2*{pad} = {span} < 0)")
    if span % stride:
        raise ValueError(
            f"{what}: input {axis} {size}, window {k}, stride {stride}, padding {pad}: "
            f"({size} - {k} + 2*{pad}) / {stride} + 1 is not an integer")
    return span // stride + 1


class Layer:
    """Base class: no parameters, shape unchanged."""

    def __init__(self, dtype=np.float32):
        self.dtype = _dtype(dtype)
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        # Sequential switches this off on its first layer: the gradient with
        # respect to the data is never used in training and costs a full pass.
        self.need_input_grad = True
        self.cache = None  # what backward needs from the last forward

    def _take_cache(self):
        """The cache of the last forward, released so big buffers don't outlive the step."""
        cache = self.cache
        if cache is None:
            raise RuntimeError(f"{self.describe()}: backward() needs a forward(x, train=True) first "
                               "(each forward allows one backward)")
        self.cache = None
        return cache

    def forward(self, x, train=True):
        raise NotImplementedError

    def backward(self, dy):
        raise NotImplementedError

    def backward_owned(self, dy):
        """backward(dy) for a dy nobody else reads (Sequential passes its own
        intermediate gradients): a layer may then write dx over dy, saving memory."""
        return self.backward(dy)

    def output_shape(self, input_shape):
        """input_shape without the batch axis -> output shape without the batch axis."""
        return tuple(input_shape)

    def num_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    def describe(self) -> str:
        return type(self).__name__ + "()"

    def __repr__(self):
        return self.describe()
