"""Hand-made filters on images, the sliding window written out, and pooling of a small array.

Everything is cross-correlation, as in the course and in ``layers.Conv2D``: the output at (i, j) is
the dot product of the kernel with the input window whose top-left corner is (i*stride, j*stride)
in the zero-padded input (no kernel flip).

    KERNEL_NAMES, kernel_preset(name, size=3) -> (size, size) float64
    pad2d(x, pad)                       (H, W) -> (H + 2*pad, W + 2*pad), zeros around
    correlate2d(x, k, stride, pad)      (H, W), (f, f) -> (H', W'), H' = (H - f + 2*pad)/stride + 1
    apply_kernel(image, k, stride, pad, mode)
        image (H, W) or (C, H, W); mode "sum": ONE conv filter whose C slices all equal k, i.e. the
        per-channel maps summed -> (H', W'); mode "per_channel": k on each channel -> (C, H', W')
    relu(x)                             max(0, x), same shape
    to_grey(image_hwc)                  (H, W, 3) uint8 -> (H, W) float64 luminance in [0, 1]
    sliding_steps(x, k, stride, pad, bias=0)
        one dict per output cell, row by row: out (i, j), rows/cols of the receptive field in padded
        coordinates [r0, r1) x [c0, c1), terms [(input, weight), ...] row-major, value = sum + bias
    pool2d(x, size, stride, mode)       (H, W) -> (H', W') max or average of each window
    pool_argmax(x, size, stride)        (H', W', 2) int: the (row, col) in x of each window's maximum
                                        (the first one in row-major order on ties)
Sizes that do not fit raise the ValueError of ``conv_output_size`` / ``pool_output_size``.
"""
from __future__ import annotations

import numpy as np

from visualdl.engine.cnn.arithmetic import conv_output_size, pool_output_size

__all__ = ["KERNEL_NAMES", "KERNEL_TITLES", "kernel_preset", "pad2d", "correlate2d", "apply_kernel", "relu",
           "to_grey", "sliding_steps", "pool2d", "pool_argmax"]

_BINOMIAL = {3: np.array([1.0, 2.0, 1.0]), 5: np.array([1.0, 4.0, 6.0, 4.0, 1.0])}
_DERIV = {3: np.array([-1.0, 0.0, 1.0]), 5: np.array([-1.0, -2.0, 0.0, 2.0, 1.0])}

KERNEL_TITLES = {
    "identity": "Identity (copies the input)",
    "box_blur": "Box blur (mean of the window)",
    "gaussian": "Gaussian blur (binomial weights)",
    "sharpen": "Sharpen",
    "sobel_x": "Sobel x (vertical edges)",
    "sobel_y": "Sobel y (horizontal edges)",
    "laplacian": "Laplacian (all edges, sums to 0)",
}
KERNEL_NAMES = tuple(KERNEL_TITLES)


def _delta(size: int) -> np.ndarray:
    k = np.zeros((size, size))
    k[size // 2, size // 2] = 1.0
    return k


def kernel_preset(name: str, size: int = 3) -> np.ndarray:
    """(size, size) float64 kernel; size 3 or 5.

    5x5 versions: binomial Gaussian [1 4 6 4 1]/16 per axis, Sobel = smoothing [1 4 6 4 1] x
    derivative [-1 -2 0 2 1], sharpen = 2*identity - Gaussian, Laplacian = the 3x3 one centred in zeros.
    """
    if name not in KERNEL_TITLES:
        raise ValueError(f"Unknown kernel {name!r} (choose from {', '.join(KERNEL_NAMES)})")
    if size not in (3, 5):
        raise ValueError(f"Kernel size must be 3 or 5, got {size!r}")
    smooth, deriv = _BINOMIAL[size], _DERIV[size]
    gauss = np.outer(smooth, smooth) / smooth.sum() ** 2
    if name == "identity":
        return _delta(size)
    if name == "box_blur":
        return np.full((size, size), 1.0 / size**2)
    if name == "gaussian":
        return gauss
    if name == "sharpen":
        if size == 3:
            return np.array([[0.0, -1, 0], [-1, 5, -1], [0, -1, 0]])
        return 2 * _delta(5) - gauss
    if name == "sobel_x":
        return np.outer(smooth, deriv)
    if name == "sobel_y":
        return np.outer(deriv, smooth)
    lap = np.array([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]])
    return lap if size == 3 else np.pad(lap, 1)


def pad2d(x, pad: int) -> np.ndarray:
    """(H, W) -> (H + 2*pad, W + 2*pad) float64 with a border of zeros."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"pad2d expects a 2-D array, got shape {x.shape}")
    return np.pad(x, int(pad)) if pad else x.copy()


def _geometry(x: np.ndarray, f: int, stride: int, pad: int, pool: bool = False) -> tuple[int, int]:
    fn = pool_output_size if pool else conv_output_size
    return fn(x.shape[0], f, stride, pad), fn(x.shape[1], f, stride, pad)


def _square_kernel(kernel) -> np.ndarray:
    k = np.asarray(kernel, dtype=np.float64)
    if k.ndim != 2 or k.shape[0] != k.shape[1]:
        raise ValueError(f"A kernel must be a square 2-D array, got shape {k.shape}")
    if not np.all(np.isfinite(k)):
        raise ValueError("A kernel must hold finite numbers (found NaN or inf)")
    return k


def correlate2d(x, kernel, stride: int = 1, pad: int = 0) -> np.ndarray:
    """(H, W) input, (f, f) kernel -> (H', W') float64, out[i, j] = sum(window(i, j) * kernel)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"correlate2d expects a 2-D input, got shape {x.shape}")
    k = _square_kernel(kernel)
    f = k.shape[0]
    ho, wo = _geometry(x, f, stride, pad)
    xp = pad2d(x, pad)
    windows = np.lib.stride_tricks.sliding_window_view(xp, (f, f))[::stride, ::stride][:ho, :wo]
    return np.einsum("ijab,ab->ij", windows, k)


def apply_kernel(image, kernel, stride: int = 1, pad: int = 0, mode: str = "sum") -> np.ndarray:
    """image (H, W) or (C, H, W) -> (H', W') for mode "sum" (one conv filter: the kernel on every
    channel, summed) or (C, H', W') for mode "per_channel". A 2-D image gives (H', W') either way."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 2:
        return correlate2d(image, kernel, stride, pad)
    if image.ndim != 3:
        raise ValueError(f"apply_kernel expects (H, W) or (C, H, W), got shape {image.shape}")
    if mode not in ("sum", "per_channel"):
        raise ValueError(f"mode must be 'sum' or 'per_channel', got {mode!r}")
    maps = np.stack([correlate2d(ch, kernel, stride, pad) for ch in image])
    return maps.sum(0) if mode == "sum" else maps


def relu(x) -> np.ndarray:
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


def to_grey(image_hwc) -> np.ndarray:
    """(H, W, 3) uint8 RGB -> (H, W) float64 in [0, 1], luminance 0.299 R + 0.587 G + 0.114 B."""
    img = np.asarray(image_hwc)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"to_grey expects an (H, W, 3) RGB image, got shape {img.shape}")
    return img.astype(np.float64) @ np.array([0.299, 0.587, 0.114]) / 255.0


def sliding_steps(x, kernel, stride: int = 1, pad: int = 0, bias: float = 0.0, start: int = 0,
                  stop: int | None = None) -> list[dict]:
    """The convolution one output cell at a time (for the animation); see the module docstring.

    start/stop pick the steps [start, stop) of the H' * W' in row-major order (a big input need not
    write out every step to show one)."""
    x = np.asarray(x, dtype=np.float64)
    k = _square_kernel(kernel)
    f = k.shape[0]
    ho, wo = _geometry(x, f, stride, pad)
    xp = pad2d(x, pad)
    steps = []
    for index in range(max(0, start), min(ho * wo, ho * wo if stop is None else stop)):
        i, j = divmod(index, wo)
        r0, c0 = i * stride, j * stride
        window = xp[r0:r0 + f, c0:c0 + f]
        terms = list(zip(window.ravel().tolist(), k.ravel().tolist()))
        steps.append({"out": (i, j), "rows": (r0, r0 + f), "cols": (c0, c0 + f), "terms": terms,
                      "value": float(sum(a * b for a, b in terms) + bias)})
    return steps


def _pool_windows(x, size: int, stride: int) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"pooling expects a 2-D array, got shape {x.shape}")
    ho, wo = _geometry(x, size, stride, 0, pool=True)
    return np.lib.stride_tricks.sliding_window_view(x, (size, size))[::stride, ::stride][:ho, :wo]


def pool2d(x, size: int = 2, stride: int = 2, mode: str = "max") -> np.ndarray:
    """(H, W) -> (H', W') float64: the max ("max") or mean ("avg") of each size x size window."""
    if mode not in ("max", "avg"):
        raise ValueError(f"pool mode must be 'max' or 'avg', got {mode!r}")
    w = _pool_windows(x, size, stride)
    return w.max(axis=(2, 3)) if mode == "max" else w.mean(axis=(2, 3))


def pool_argmax(x, size: int = 2, stride: int = 2) -> np.ndarray:
    """(H', W', 2) int64: input (row, col) of each window's maximum (first in row-major order on ties)."""
    w = _pool_windows(x, size, stride)
    ho, wo = w.shape[:2]
    flat = w.reshape(ho, wo, size * size).argmax(-1)
    rows = np.arange(ho)[:, None] * stride + flat // size
    cols = np.arange(wo)[None, :] * stride + flat % size
    return np.stack([rows, cols], -1).astype(np.int64)
