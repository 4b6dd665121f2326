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

Where they live: this module holds Linear, Conv2D and Sequential; the pooling,
activation and normalization/dropout/reshape layers live in pooling.py,
activations.py and normalization.py beside it and are re-exported here, so
``layers.ReLU`` etc. keep working; _layer_base.py has the Layer base class.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import _parallel
from ._layer_base import Layer, _as, _bm, _dtype, _fm, _out_size  # noqa: F401 (_dtype: part of this module's face)
from .activations import ELU, LeakyReLU, ReLU, Sigmoid, Tanh, _Elementwise  # noqa: F401
from .init import initialize
from .normalization import BatchNorm, Dropout, Flatten  # noqa: F401
from .pooling import AvgPool2D, MaxPool2D, _Pool2D  # noqa: F401

__all__ = ["Layer", "Linear", "Conv2D", "MaxPool2D", "AvgPool2D", "ReLU", "LeakyReLU", "ELU", "Sigmoid", "Tanh",
           "BatchNorm", "Dropout", "Flatten", "Sequential", "CONV_CHUNK_ELEMENTS"]


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
