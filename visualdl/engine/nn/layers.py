"""Neural-network layers in NumPy: forward, backward, params, grads.

Every layer has
    forward(x, train=True) -> y     caches what backward needs
    backward(dy) -> dx              fills self.grads (same keys as self.params)
self.grads holds the gradient of the last backward call (it is replaced,
never accumulated). Each forward allows ONE backward: backward releases the
forward's cache (the big im2col buffers must not outlive a training step), and
a second backward raises RuntimeError instead of silently reusing stale data.

Shapes follow the course: vectors (N, D), images (N, C, H, W).

Memory layout (why the code transposes): inside a network, image
activations are *stored* with the batch innermost, as a (C, H, W, N) array,
and handed between layers as the transposed (N, C, H, W) view of it. The
im2col copies, col2im additions and pooling then run over N contiguous
values at a time, which measured 1.6-2.5x faster than channel-major
storage. The layers accept any layout (a plain NCHW array works) and give
the same numbers; only the speed differs. Vector activations are likewise
stored (D, N) and handed on as the (N, D) view.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import _parallel
from .init import initialize


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


# ---------------------------------------------------------------- affine


class Linear(Layer):
    """Fully connected: y = x W^T + b, i.e. f(x) = Wx + b for each row x.

    x: (N, D) -> y: (N, M); W: (M, D) = (out_features, in_features); b: (M,)
    """

    def __init__(self, in_features, out_features, *, init="kaiming", std=0.01, rng=None,
                 dtype=np.float32):
        super().__init__(dtype)
        if in_features < 1 or out_features < 1:
            raise ValueError(f"Linear needs positive sizes, got {in_features} -> {out_features}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        W = np.empty((self.out_features, self.in_features), self.dtype)
        self.params = {"W": initialize(W, init, std, rng), "b": np.zeros(self.out_features, self.dtype)}

    def forward(self, x, train=True):
        x = _as(x, self.dtype)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"Linear expects input (N, {self.in_features}), got {x.shape}")
        self.cache = x
        # (M, D) @ (D, N): the result is stored (M, N), batch innermost.
        yT = _parallel.matmul(self.params["W"], x.T)
        yT += self.params["b"][:, None]
        return yT.T

    def backward(self, dy):
        x, W = self._take_cache(), self.params["W"]
        self.grads = {"W": _parallel.matmul(dy.T, x), "b": dy.sum(axis=0)}
        if not self.need_input_grad:
            return None
        return _parallel.matmul(W.T, dy.T).T  # (D, N) storage, handed on as (N, D)

    def output_shape(self, input_shape):
        if tuple(input_shape) != (self.in_features,):
            raise ValueError(f"Linear expects input ({self.in_features},), got {tuple(input_shape)}")
        return (self.out_features,)

    def describe(self):
        return f"Linear({self.in_features} -> {self.out_features})"


# ---------------------------------------------------------------- convolution


# Elements of one im2col band (4 bytes each in float32): big enough for an
# efficient matrix product, small enough to stay out of the step's peak memory.
CONV_CHUNK_ELEMENTS = 1 << 20


def _transposed_copy(a):
    """A C-contiguous copy of a strided view, split over threads along the first axis."""
    out = np.empty(a.shape, a.dtype)
    _parallel.split_run(lambda s, e: np.copyto(out[s:e], a[s:e]), a.shape[0], a.size)
    return out


def _windows(a, k, stride, Ho, Wo):
    """All k x k windows of a (C, H, W, N) array as a (C, k, k, Ho, Wo, N) view (no copy)."""
    sc, sh, sw, sn = a.strides
    C, N = a.shape[0], a.shape[3]
    return as_strided(a, (C, k, k, Ho, Wo, N), (sc, sh, sw, sh * stride, sw * stride, sn),
                      writeable=False)


class Conv2D(Layer):
    """2-D convolution (cross-correlation, as in the course) via im2col and matrix products.

    The column matrix is built in bands of output rows (one product per band)
    so it never exists in full, nor does the padded input; backward rebuilds
    the bands from the input.

    x: (N, C, H, W) -> y: (N, F, H', W'), H' = (H - k + 2*pad) / stride + 1
    W: (F, C, k, k); b: (F,)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, *,
                 init="kaiming", std=0.01, rng=None, dtype=np.float32):
        super().__init__(dtype)
        if min(in_channels, out_channels, kernel_size, stride) < 1 or padding < 0:
            raise ValueError(
                f"Conv2D: invalid sizes in_channels={in_channels}, out_channels={out_channels}, "
                f"kernel_size={kernel_size}, stride={stride}, padding={padding}")
        self.C, self.F = int(in_channels), int(out_channels)
        self.k, self.stride, self.pad = int(kernel_size), int(stride), int(padding)
        W = np.empty((self.F, self.C, self.k, self.k), self.dtype)
        self.params = {"W": initialize(W, init, std, rng), "b": np.zeros(self.F, self.dtype)}

    def _geometry(self, H, W):
        Ho = _out_size(H, self.k, self.stride, self.pad, "Conv2D", "height")
        Wo = _out_size(W, self.k, self.stride, self.pad, "Conv2D", "width")
        return Ho, Wo

    def output_shape(self, input_shape):
        C, H, W = input_shape
        if C != self.C:
            raise ValueError(f"Conv2D expects {self.C} input channels, got {C}")
        return (self.F, *self._geometry(H, W))

    def _band_input(self, xt, r0, r1, slab_buf):
        """The input rows that output rows [r0, r1) see, zero-padded: (C, rows, W + 2*pad, N).

        Without padding this is a view of xt; with padding a copy into slab_buf
        (the padded input never exists in full).
        """
        k, s, p = self.k, self.stride, self.pad
        C, H, W, N = xt.shape
        top, bottom = r0 * s - p, (r1 - 1) * s + k - p  # input rows [top, bottom)
        if not p:
            return xt[:, top:bottom]
        slab = slab_buf[:C * (bottom - top) * (W + 2 * p) * N].reshape(C, bottom - top, W + 2 * p, N)
        lo = max(top, 0)
        hi = max(lo, min(bottom, H))  # a band may lie wholly in the padding
        slab[:, :, :p] = 0
        slab[:, :, p + W:] = 0
        slab[:, :lo - top] = 0
        slab[:, hi - top:] = 0
        slab[:, lo - top:hi - top, p:p + W] = xt[:, lo:hi]
        return slab

    def _im2col_band(self, xt, r0, r1, buf, slab_buf):
        """Columns of output rows [r0, r1): (C*k*k, (r1-r0)*Wo*N) in buf, one strided-view copy."""
        k = self.k
        N = xt.shape[3]
        Wo = (xt.shape[2] + 2 * self.pad - k) // self.stride + 1
        win = _windows(self._band_input(xt, r0, r1, slab_buf), k, self.stride, r1 - r0, Wo)
        cols = buf[:win.size].reshape(win.shape)
        np.copyto(cols, win)
        return cols.reshape(self.C * k * k, -1)

    def _plan(self, xt, Ho, Wo):
        """Split the output rows over the threads, each into bands with its own buffers.

        Returns a list, per thread, of (bands [(r0, r1), ...], column buffer, slab buffer).
        """
        C, H, W, N = xt.shape
        ckk = C * self.k * self.k
        threads = _parallel.num_threads() if ckk * Ho * Wo * N >= _parallel.MIN_PARALLEL_SIZE else 1
        threads = min(threads, Ho)
        # the threads' buffers together hold about CONV_CHUNK_ELEMENTS
        R = max(1, CONV_CHUNK_ELEMENTS // (threads * ckk * Wo * N))
        plan = []
        for t in range(threads):
            a, b = Ho * t // threads, Ho * (t + 1) // threads
            bands = [(r0, min(b, r0 + R)) for r0 in range(a, b, R)]
            rows = min(R, b - a)
            buf = np.empty(ckk * rows * Wo * N, self.dtype)
            rows_in = (rows - 1) * self.stride + self.k
            slab = np.empty(C * rows_in * (W + 2 * self.pad) * N, self.dtype) if self.pad else None
            plan.append((bands, buf, slab))
        return plan

    def forward(self, x, train=True):
        x = _as(x, self.dtype)
        if x.ndim != 4 or x.shape[1] != self.C:
            raise ValueError(f"Conv2D expects input (N, {self.C}, H, W), got {x.shape}")
        N, C, H, W = x.shape
        Ho, Wo = self._geometry(H, W)
        F = self.F
        xt = _fm(x)  # (C, H, W, N); contiguous when x came from a previous layer
        if not xt.flags.c_contiguous:
            # plain NCHW data (a first layer): one transposing copy, then every band
            # copy in forward and backward reads contiguous memory (measured faster)
            xt = _transposed_copy(xt)
        Wm, b = self.params["W"].reshape(F, -1), self.params["b"][:, None]
        y = np.empty((F, Ho, Wo, N), self.dtype)  # batch innermost
        y2 = y.reshape(F, -1)
        plan = self._plan(xt, Ho, Wo)

        # Each thread im2cols its own bands of output rows and multiplies them
        # (single-threaded BLAS) into its own slice of y: no hand-over per band.
        # The full column matrix (C*k*k x Ho*Wo*N) never exists.
        def run(t0, t1):
            for bands, buf, slab in plan[t0:t1]:
                for r0, r1 in bands:
                    cols = self._im2col_band(xt, r0, r1, buf, slab)
                    out = y2[:, r0 * Wo * N:r1 * Wo * N]
                    np.matmul(Wm, cols, out=out)
                    out += b

        with _parallel.single_threaded_blas():
            _parallel.split_run(run, len(plan), y.size if len(plan) > 1 else 0)
        # backward rebuilds the columns from the input instead of keeping them
        self.cache = xt
        return _bm(y)

    def backward(self, dy):
        xt = self._take_cache()
        C, H, W, N = xt.shape
        F = self.F
        Ho, Wo = dy.shape[2], dy.shape[3]
        dy2 = _fm(dy).reshape(F, Ho * Wo * N)  # a view when dy is stored batch-innermost
        Wm = self.params["W"].reshape(F, -1)
        plan = self._plan(xt, Ho, Wo)
        T = len(plan)
        dWs = [np.zeros_like(Wm) for _ in range(T)]  # one partial sum per thread
        db = np.empty(F, self.dtype)
        _parallel.split_run(lambda f0, f1: np.sum(dy2[f0:f1], axis=1, out=db[f0:f1]), F, dy2.size)
        need_dx = self.need_input_grad
        if need_dx:
            dxt = np.zeros((C, H, W, N), self.dtype)
        current = [None] * T  # the band each thread works on in this round, and its column gradients

        def band_products(t0, t1):
            for t in range(t0, t1):
                bands, buf, slab = plan[t]
                if current[t] is None:
                    continue
                r0, r1 = current[t][0]
                dy_band = dy2[:, r0 * Wo * N:r1 * Wo * N]
                cols = self._im2col_band(xt, r0, r1, buf, slab)
                dWs[t] += np.matmul(dy_band, cols.T)
                if need_dx:  # the columns are used up: their gradient takes their buffer
                    current[t] = ((r0, r1), np.matmul(Wm.T, dy_band, out=buf[:cols.size].reshape(cols.shape)))

        def col2im(c0, c1):  # threads own disjoint channels: no two write the same element
            for item in current:
                if item is not None:
                    (r0, r1), dcols = item
                    self._col2im_band(dcols, dxt, r0, r1, Wo, c0, c1)

        # rounds: every thread makes the products of its next band, then all
        # bands of the round are added back (split over channels)
        rounds = max(len(bands) for bands, _, _ in plan)
        with _parallel.single_threaded_blas():
            for j in range(rounds):
                for t, (bands, _, _) in enumerate(plan):
                    current[t] = (bands[j], None) if j < len(bands) else None
                _parallel.split_run(band_products, T, dy2.size if T > 1 else 0)
                if need_dx:
                    _parallel.split_run(col2im, C, dxt.size)
        dW = dWs[0]
        for part in dWs[1:]:
            dW += part
        self.grads = {"W": dW.reshape(self.params["W"].shape), "b": db}
        return _bm(dxt) if need_dx else None

    def _col2im_band(self, dcols, dxt, r0, r1, Wo, c0, c1):
        """Add the column gradients of output rows [r0, r1) back onto channels [c0, c1) of dx.

        Window element (i, j) of output (r, c) sits at input (r*s + i - pad, c*s + j - pad);
        elements that fall in the padding are dropped.
        """
        C, k, s, p = self.C, self.k, self.stride, self.pad
        H, W, N = dxt.shape[1], dxt.shape[2], dxt.shape[3]
        d6 = dcols.reshape(C, k, k, r1 - r0, Wo, N)

        def span(i, first, stop, size):
            """Output indices in [first, stop) whose input index r*s + i - p lies in [0, size)."""
            lo = max(first, -(-(p - i) // s))
            hi = min(stop, (size - 1 + p - i) // s + 1)
            return lo, hi

        for i in range(k):
            rlo, rhi = span(i, r0, r1, H)
            if rlo >= rhi:
                continue
            rows = slice(rlo * s + i - p, (rhi - 1) * s + i - p + 1, s)
            for j in range(k):
                clo, chi = span(j, 0, Wo, W)
                if clo >= chi:
                    continue
                cols = slice(clo * s + j - p, (chi - 1) * s + j - p + 1, s)
                dxt[c0:c1, rows, cols] += d6[c0:c1, i, j, rlo - r0:rhi - r0, clo:chi]

    def describe(self):
        return (f"Conv2D({self.C} -> {self.F}, {self.k}x{self.k}, stride {self.stride}, "
                f"pad {self.pad})")


# ---------------------------------------------------------------- pooling


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


# ---------------------------------------------------------------- activations


class ReLU(Layer):
    """y = max(0, x). The derivative at exactly 0 is taken as 0."""

    def forward(self, x, train=True):
        x = _as(x, self.dtype)
        y = np.empty_like(x)  # same memory layout as x
        yf, xf = _fm(y), _fm(x)
        _parallel.split_run(lambda a, b: np.maximum(xf[a:b], 0, out=yf[a:b]), len(xf), x.size)
        self.cache = y
        return y

    def backward(self, dy):
        return self._backward(dy, np.empty_like(self.cache) if self.cache is not None else None)

    def backward_owned(self, dy):
        y = self.cache
        same_layout = y is not None and dy.strides == y.strides and dy.flags.writeable
        return self._backward(dy, dy if same_layout else np.empty_like(y) if y is not None else None)

    def _backward(self, dy, dx):
        y = self._take_cache()
        dxf, yf, dyf = _fm(dx), _fm(y), _fm(dy)
        # d * (y > 0) is ~5x faster than np.where(y > 0, d, 0)
        _parallel.split_run(lambda a, b: np.multiply(dyf[a:b], yf[a:b] > 0, out=dxf[a:b]),
                            len(dxf), y.size)
        return dx


class _Elementwise(Layer):
    """y = f(x) entry by entry, in x's memory layout, in slabs over the engine's threads.

    Subclasses give _f(x, out) and _df(x, y, dy, out) (dx = dy * f'(x)) for one slab.
    """

    def forward(self, x, train=True):
        x = _as(x, self.dtype)
        y = np.empty_like(x)  # same memory layout as x
        xf, yf = _fm(x), _fm(y)
        _parallel.split_run(lambda a, b: self._f(xf[a:b], yf[a:b]), len(xf), 3 * x.size)
        self.cache = (x, y)
        return y

    def backward(self, dy):
        return self._backward(dy, owned=False)

    def backward_owned(self, dy):
        return self._backward(dy, owned=True)

    def _backward(self, dy, owned):
        x, y = self._take_cache()
        dx = dy if owned and dy.strides == y.strides and dy.flags.writeable else np.empty_like(y)
        xf, yf, dyf, dxf = _fm(x), _fm(y), _fm(dy), _fm(dx)
        _parallel.split_run(lambda a, b: self._df(xf[a:b], yf[a:b], dyf[a:b], dxf[a:b]), len(xf), 3 * y.size)
        return dx


class LeakyReLU(_Elementwise):
    """y = x for x > 0, slope * x otherwise."""

    def __init__(self, slope=0.01, *, dtype=np.float32):
        super().__init__(dtype)
        self.slope = float(slope)

    def _f(self, x, out):
        s = self.dtype.type(self.slope)
        if 0 <= self.slope <= 1:  # then max(x, slope*x) picks the right branch
            np.multiply(x, s, out=out)
            np.maximum(out, x, out=out)
        else:
            np.copyto(out, np.where(x > 0, x, x * s))

    def _df(self, x, y, dy, out):
        slope = np.where(x > 0, self.dtype.type(1), self.dtype.type(self.slope))
        np.multiply(dy, slope, out=out)

    def describe(self):
        return f"LeakyReLU(slope {self.slope:g})"


class ELU(_Elementwise):
    """y = x for x > 0, alpha * (exp(x) - 1) otherwise; dy/dx = 1 or y + alpha."""

    def __init__(self, alpha=1.0, *, dtype=np.float32):
        super().__init__(dtype)
        self.alpha = float(alpha)

    def _f(self, x, out):
        np.minimum(x, 0, out=out)  # exp of the non-positive part only: no overflow for large x
        np.expm1(out, out=out)
        out *= self.dtype.type(self.alpha)
        np.copyto(out, x, where=x > 0)

    def _df(self, x, y, dy, out):
        slope = y + self.dtype.type(self.alpha)
        np.copyto(slope, 1, where=x > 0)
        np.multiply(dy, slope, out=out)

    def describe(self):
        return f"ELU(alpha {self.alpha:g})"


class Sigmoid(_Elementwise):
    """y = 1 / (1 + exp(-x)), computed as (1 + tanh(x/2)) / 2 so it never overflows; dy/dx = y(1-y)."""

    def _f(self, x, out):
        np.multiply(x, 0.5, out=out)
        np.tanh(out, out=out)
        out += 1
        out *= 0.5

    def _df(self, x, y, dy, out):
        slope = 1 - y
        slope *= y
        np.multiply(dy, slope, out=out)


class Tanh(_Elementwise):
    """y = tanh(x); dy/dx = 1 - y^2."""

    def _f(self, x, out):
        np.tanh(x, out=out)

    def _df(self, x, y, dy, out):
        slope = y * y
        np.subtract(1, slope, out=slope)
        np.multiply(dy, slope, out=out)


# ---------------------------------------------------------------- normalization, dropout, reshape


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


# ---------------------------------------------------------------- container


class Sequential(Layer):
    """Layers applied in order.

    .layers             the layers
    .activations        outputs of each layer from the last forward (references, not copies)
    .output_grads       d(loss)/d(output of each layer), after backward(dy, keep_output_grads=True)
    named_params()      {"0.W": W of layer 0, ...} (the live arrays)
    named_grads()       same keys, gradients of the last backward
    summary(input_shape) one readable row per layer
    backward(dy, input_grad=None): the first layer's input gradient is only
        computed (and returned) when asked for (input_grad=True, or
        need_input_grad set on the Sequential); training never needs it.
    """

    def __init__(self, *layers):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        dtypes = {layer.dtype for layer in layers}
        if len(dtypes) > 1:
            raise ValueError(f"All layers of a Sequential must share one dtype, got {sorted(map(str, dtypes))}")
        super().__init__(dtypes.pop() if dtypes else np.float32)
        self.layers = list(layers)
        self.activations: list[np.ndarray] = []
        self.output_grads: list[np.ndarray] = []
        self.need_input_grad = False  # training never needs the gradient w.r.t. the data

    @property
    def params(self):
        return self.named_params()

    @params.setter
    def params(self, value):  # the base class assigns {}; the real params live in the layers
        pass

    @property
    def grads(self):
        return self.named_grads()

    @grads.setter
    def grads(self, value):
        pass

    def named_params(self) -> dict[str, np.ndarray]:
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params.items()}

    def named_grads(self) -> dict[str, np.ndarray]:
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()}

    def forward(self, x, train=True):
        # a fresh list at once: the previous step's outputs can be freed as this one runs
        self.activations = acts = []
        for layer in self.layers:
            x = layer.forward(x, train)
            acts.append(x)
        return x

    def backward(self, dy, input_grad=None, keep_output_grads=False):
        """dy: gradient of the loss w.r.t. the output. Fills every layer's grads.

        Returns dx (gradient w.r.t. the input) when input_grad (default:
        self.need_input_grad, False for a Sequential) is true, else None.
        keep_output_grads=True also keeps, in self.output_grads[i], the gradient
        w.r.t. layer i's output (for views; it costs memory, since no layer may
        then overwrite a gradient it receives); None where it was not computed
        (below the first layer with parameters). Otherwise output_grads is [].
        """
        if input_grad is None:
            input_grad = self.need_input_grad
        last = len(self.layers) - 1
        # below the first layer with parameters no input gradient is needed at all
        first = next((i for i, layer in enumerate(self.layers) if layer.params), last)
        self.output_grads = kept = [None] * len(self.layers) if keep_output_grads else []
        for i in range(last, -1, -1):
            layer = self.layers[i]
            if keep_output_grads:
                kept[i] = dy
            if i < first and not input_grad:
                break
            layer.need_input_grad = i > first or input_grad
            # gradients made by our own layers may be overwritten; the caller's dy may not
            owned = i < last and not keep_output_grads
            dy = layer.backward_owned(dy) if owned else layer.backward(dy)
        return dy if input_grad else None

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = layer.output_shape(shape)
        return shape

    def summary(self, input_shape) -> list[dict]:
        """One dict per layer: index, name (readable), type, output_shape (no batch axis), params (count).

        Raises ValueError naming the layer whose geometry does not fit.
        """
        rows, shape = [], tuple(input_shape)
        for i, layer in enumerate(self.layers):
            try:
                shape = layer.output_shape(shape)
            except ValueError as e:
                raise ValueError(f"layer {i} ({layer.describe()}): {e}") from None
            rows.append({"index": i, "name": layer.describe(), "type": type(layer).__name__,
                         "output_shape": tuple(int(d) for d in shape), "params": layer.num_params()})
        return rows

    def num_params(self) -> int:
        return sum(layer.num_params() for layer in self.layers)

    def describe(self):
        return "Sequential(" + ", ".join(layer.describe() for layer in self.layers) + ")"
