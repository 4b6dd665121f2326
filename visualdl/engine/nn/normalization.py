"""BatchNorm, Dropout and Flatten: the layers that normalize, drop or reshape.

Part of visualdl.engine.nn.layers (which re-exports them); the conventions are in its docstring.
"""
from __future__ import annotations

import numpy as np

from . import _parallel
from ._layer_base import Layer, _as, _bm, _fm


class BatchNorm(Layer):
    """Batch normalization over the batch (and, for images, every pixel) of each feature.

    x: (N, D) or (N, C, H, W) -> same shape; gamma, beta: (D,) or (C,)
    train=True: normalize with this batch's mean and (biased) variance and update
        running = momentum * running + (1 - momentum) * batch
    train=False: normalize with the running statistics.
    """

    def __init__(self, num_features, *, momentum=0.9, eps=1e-5, dtype=np.float32):
        super().__init__(dtype)
        self.D = int(num_features)
        self.momentum, self.eps = float(momentum), float(eps)
        self.params = {"gamma": np.ones(self.D, self.dtype), "beta": np.zeros(self.D, self.dtype)}
        self.running_mean = np.zeros(self.D, self.dtype)
        self.running_var = np.ones(self.D, self.dtype)

    def output_shape(self, input_shape):
        if input_shape[0] != self.D:
            raise ValueError(f"BatchNorm expects {self.D} features, got input {tuple(input_shape)}")
        return tuple(input_shape)

    def forward(self, x, train=True):
        x = _as(x, self.dtype)
        if x.ndim not in (2, 4) or x.shape[1] != self.D:
            raise ValueError(f"BatchNorm expects (N, {self.D}) or (N, {self.D}, H, W), got {x.shape}")
        xt = _fm(x)
        x2 = xt.reshape(self.D, -1)  # (features, samples): a view for batch-innermost storage
        D, M = x2.shape
        gamma, beta = self.params["gamma"], self.params["beta"]
        y2 = np.empty((D, M), self.dtype)
        if not train:
            self.cache = None  # no backward through the running statistics
            scale = gamma / np.sqrt(self.running_var + self.eps)
            shift = beta - self.running_mean * scale

            def run(a, b):
                np.multiply(x2[a:b], scale[a:b, None], out=y2[a:b])
                y2[a:b] += shift[a:b, None]

            _parallel.split_run(run, D, x2.size)
            return _bm(y2.reshape(xt.shape))
        if M < 2:
            raise ValueError(f"BatchNorm in training needs more than one value per feature, got input {x.shape}")
        xhat = np.empty((D, M), self.dtype)
        mean, var = np.empty(D, self.dtype), np.empty(D, self.dtype)

        def run(a, b):  # threads own disjoint features
            xs, xh = x2[a:b], xhat[a:b]
            mean[a:b] = xs.mean(axis=1)
            np.subtract(xs, mean[a:b, None], out=xh)
            var[a:b] = np.einsum("ij,ij->i", xh, xh) / M  # biased variance, no temporary
            xh *= (1.0 / np.sqrt(var[a:b] + self.eps))[:, None]
            np.multiply(xh, gamma[a:b, None], out=y2[a:b])
            y2[a:b] += beta[a:b, None]

        _parallel.split_run(run, D, 4 * x2.size)
        m = self.momentum
        self.running_mean = (m * self.running_mean + (1 - m) * mean).astype(self.dtype)
        self.running_var = (m * self.running_var + (1 - m) * var).astype(self.dtype)
        self.cache = (xhat, 1.0 / np.sqrt(var + self.eps), xt.shape)
        return _bm(y2.reshape(xt.shape))

    def backward(self, dy):
        xhat, inv_std, shape_t = self._take_cache()
        dy2 = _fm(dy).reshape(self.D, -1)
        D, M = dy2.shape
        dbeta = np.empty(D, self.dtype)
        dgamma = np.empty(D, self.dtype)
        need_dx = self.need_input_grad
        dx2 = np.empty((D, M), self.dtype) if need_dx else None
        gamma = self.params["gamma"]

        def run(a, b):
            d, xh = dy2[a:b], xhat[a:b]
            dbeta[a:b] = d.sum(axis=1)
            dgamma[a:b] = np.einsum("ij,ij->i", d, xh)
            if not need_dx:
                return
            # the chain rule through mean and variance, compactly:
            # dx = gamma*inv_std/M * (M*dy - sum(dy) - xhat*sum(dy*xhat))
            g = gamma[a:b] * inv_std[a:b]
            np.multiply(d, g[:, None], out=dx2[a:b])
            xh *= (-g * dgamma[a:b] / M)[:, None]  # xhat is ours to overwrite: the cache is released
            dx2[a:b] += xh
            dx2[a:b] -= (g * dbeta[a:b] / M)[:, None]

        _parallel.split_run(run, D, 4 * dy2.size)
        self.grads = {"gamma": dgamma, "beta": dbeta}
        return _bm(dx2.reshape(shape_t)) if need_dx else None

    def describe(self):
        return f"BatchNorm({self.D})"


class Dropout(Layer):
    """Inverted dropout: p is the probability of DROPPING a unit (as in PyTorch).

    train=True: y = x * mask / (1 - p), mask ~ Bernoulli(1 - p), so E[y] = x.
    train=False: y = x (identity).
    """

    def __init__(self, p=0.5, *, seed=None, dtype=np.float32):
        super().__init__(dtype)
        if not 0 <= p < 1:
            raise ValueError(f"Invalid dropout probability: {p} (must be in [0, 1))")
        self.p = float(p)
        self.rng = np.random.default_rng(seed)

    def forward(self, x, train=True):
        x = _as(x, self.dtype)
        if not train or self.p == 0:
            self.mask = None
            self.cache = True
            return x
        xt = _fm(x)  # draw the mask in the storage order of x, so the product keeps it
        keep = self.rng.random(xt.shape, dtype=self.dtype) >= self.p
        # kept as an attribute (not only in the cache) so a view can show it
        self.mask = _bm(keep * self.dtype.type(1.0 / (1.0 - self.p)))
        self.cache = True
        return x * self.mask

    def backward(self, dy):
        self._take_cache()
        return dy if self.mask is None else dy * self.mask

    def describe(self):
        return f"Dropout(p {self.p:g})"


class Flatten(Layer):
    """(N, C, H, W) -> (N, C*H*W), features in C, H, W order (as NCHW reshape)."""

    def forward(self, x, train=True):
        x = _as(x, self.dtype)
        self.cache = x.shape
        N = x.shape[0]
        if x.flags.c_contiguous:
            return x.reshape(N, -1)
        # batch-innermost storage: (C, H, W, N) -> (D, N) is free, hand on its (N, D) view
        return _fm(x).reshape(-1, N).T

    def backward(self, dy):
        x_shape = self._take_cache()
        N = dy.shape[0]
        if dy.T.flags.c_contiguous:
            return _bm(dy.T.reshape(*x_shape[1:], N))
        return dy.reshape(x_shape)

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)
