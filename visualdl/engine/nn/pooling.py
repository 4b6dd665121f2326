"""Pooling layers: MaxPool2D, AvgPool2D (x: (N, C, H, W) -> (N, C, H', W')).

Part of visualdl.engine.nn.layers (which re-exports them); the conventions are in its docstring.
"""
from __future__ import annotations

import numpy as np

from . import _parallel
from ._layer_base import Layer, _as, _bm, _fm, _out_size


class _Pool2D(Layer):
    kind = "pool"

    def __init__(self, size=2, stride=2, *, dtype=np.float32):
        super().__init__(dtype)
        if size < 1 or stride < 1:
            raise ValueError(f"{type(self).__name__}: invalid size {size} or stride {stride}")
        self.size, self.stride = int(size), int(stride)

    def _geometry(self, H, W):
        name = type(self).__name__
        return (_out_size(H, self.size, self.stride, 0, name, "height"),
                _out_size(W, self.size, self.stride, 0, name, "width"))

    def output_shape(self, input_shape):
        C, H, W = input_shape
        return (C, *self._geometry(H, W))

    def _views(self, a, Ho, Wo):
        """The size*size strided views a[:, i::stride, j::stride] of a (C, H, W, N) array."""
        s = self.stride
        return [(i, j, a[:, i:i + s * (Ho - 1) + 1:s, j:j + s * (Wo - 1) + 1:s])
                for i in range(self.size) for j in range(self.size)]

    def describe(self):
        return f"{type(self).__name__}({self.size}x{self.size}, stride {self.stride})"


class MaxPool2D(_Pool2D):
    """Max pooling. x: (N, C, H, W) -> (N, C, H', W'), H' = (H - size) / stride + 1.

    The gradient goes to the first maximum of each window (row-major order).
    """

    def forward(self, x, train=True):
        x = _as(x, self.dtype)
        N, C, H, W = x.shape
        Ho, Wo = self._geometry(H, W)
        views = [v for _, _, v in self._views(_fm(x), Ho, Wo)]
        out = np.empty((C, Ho, Wo, N), self.dtype)
        wins = np.empty((C, Ho, Wo, N), np.uint8)  # index of the winning window element
        if len(views) == 4:
            def run(a, b):
                # 2x2 as a tournament: which of each pair won, then which pair won
                v0, v1, v2, v3 = (v[a:b] for v in views)
                o, t = out[a:b], np.empty_like(out[a:b])
                first = np.greater(v1, v0)  # strictly: ties keep the earlier element
                np.maximum(v0, v1, out=o)
                second = np.greater(v3, v2)
                np.maximum(v2, v3, out=t)
                pair = np.greater(t, o)
                np.maximum(o, t, out=o)
                # index = first + pair * (2 + second - first), in uint8 arithmetic
                # (np.copyto with where= measured twice as slow)
                f8, s8, p8 = first.view(np.uint8), second.view(np.uint8), pair.view(np.uint8)
                s8 += np.uint8(2)
                s8 -= f8
                s8 *= p8
                np.add(f8, s8, out=wins[a:b])
        else:
            def run(a, b):
                o, g = out[a:b], wins[a:b]
                o[...] = views[0][a:b]
                g[...] = 0
                for code, v in enumerate(views[1:], start=1):
                    v = v[a:b]
                    np.copyto(g, code, where=v > o)  # strictly: ties keep the earlier element
                    np.maximum(o, v, out=o)

        _parallel.split_run(run, C, out.size * len(views))
        self.cache = (wins, x.shape)
        return _bm(out)

    def backward(self, dy):
        wins, (N, C, H, W) = self._take_cache()
        Ho, Wo = dy.shape[2], dy.shape[3]
        dyt = _fm(dy)
        overlap = self.stride < self.size
        covered = self.stride == self.size  # the geometry check makes the windows tile the input
        dxt = np.empty((C, H, W, N), self.dtype) if covered else np.zeros((C, H, W, N), self.dtype)
        views = [v for _, _, v in self._views(dxt, Ho, Wo)]

        def run(a, b):
            d = dyt[a:b]
            for code, v in enumerate(views):
                if overlap:
                    v[a:b] += d * (wins[a:b] == code)
                else:
                    np.multiply(d, wins[a:b] == code, out=v[a:b])

        _parallel.split_run(run, C, dxt.size * 2)
        return _bm(dxt)


class AvgPool2D(_Pool2D):
    """Average pooling. x: (N, C, H, W) -> (N, C, H', W'), H' = (H - size) / stride + 1."""

    def forward(self, x, train=True):
        x = _as(x, self.dtype)
        N, C, H, W = x.shape
        Ho, Wo = self._geometry(H, W)
        views = self._views(_fm(x), Ho, Wo)
        out = np.zeros((C, Ho, Wo, N), self.dtype)

        def run(a, b):
            for _, _, v in views:
                out[a:b] += v[a:b]
            out[a:b] *= 1.0 / len(views)

        _parallel.split_run(run, C, out.size * len(views))
        self.cache = x.shape
        return _bm(out)

    def backward(self, dy):
        N, C, H, W = self._take_cache()
        Ho, Wo = dy.shape[2], dy.shape[3]
        dyt = _fm(dy) * (1.0 / (self.size * self.size))
        dxt = np.zeros((C, H, W, N), self.dtype)
        views = self._views(dxt, Ho, Wo)

        def run(a, b):
            for _, _, v in views:
                v[a:b] += dyt[a:b]

        _parallel.split_run(run, C, dxt.size * 2)
        return _bm(dxt)
