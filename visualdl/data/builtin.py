"""The built-in image set: 32x32 colour pictures of 10 simple classes, generated in a fraction of a second.

It lets every image view work on a fresh install without CIFAR-10. Each image
has a random position, size, colour jitter, background and pixel noise, so a
model must learn shapes and textures, not memorise one picture per class:
learnable, but not trivial (a linear classifier does well, not perfectly).

    make_builtin_images(n, seed) -> (X, y)
        X: (n, 32, 32, 3) uint8 NHWC
        y: (n,) int64 in [0, 10), balanced classes, shuffled
"""
from __future__ import annotations

import numpy as np

# name, foreground base colour (RGB) or None for two random contrasting colours
CLASSES = [
    ("red disc", (220, 40, 40)),
    ("blue square", (40, 70, 230)),
    ("green triangle", (40, 200, 60)),
    ("yellow ring", (230, 210, 40)),
    ("magenta cross", (210, 50, 210)),
    ("horizontal stripes", None),
    ("vertical stripes", None),
    ("diagonal stripes", None),
    ("checkerboard", None),
    ("dots", None),
]
CLASS_NAMES = [name for name, _ in CLASSES]
SIZE = 32
PIXEL_NOISE = 14.0  # std of the Gaussian noise added to every pixel (0..255 scale)
COLOUR_JITTER = 55  # each channel of a shape's colour moves by up to this much

_yy, _xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) + 0.5


def _shape_mask(label: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 32, 32) bool: where the class's shape or texture is drawn in the foreground colour."""
    u = lambda lo, hi: rng.uniform(lo, hi, (n, 1, 1)).astype(np.float32)  # noqa: E731
    yy, xx = _yy[None], _xx[None]
    if label < 5:  # a shape at a random place and size
        cx, cy, s = u(10, 22), u(10, 22), u(5, 10)
        dx, dy = xx - cx, yy - cy
        if label == 0:
            return dx**2 + dy**2 <= s**2
        if label == 1:
            s = s * 0.85
            return (np.abs(dx) <= s) & (np.abs(dy) <= s)
        if label == 2:  # apex up: half width grows from 0 at the top to s at the bottom
            return (np.abs(dy) <= s) & (np.abs(dx) <= (dy + s) / 2)
        if label == 3:
            d2 = dx**2 + dy**2
            return (d2 <= s**2) & (d2 >= (0.55 * s) ** 2)
        w = s / 3
        return ((np.abs(dx) <= w) & (np.abs(dy) <= s)) | ((np.abs(dy) <= w) & (np.abs(dx) <= s))
    period, phase = u(4, 9), u(0, 9)
    if label == 5:
        return (yy + phase) % period < period / 2
    if label == 6:
        return (xx + phase) % period < period / 2
    if label == 7:
        return (xx + yy + phase) % period < period / 2
    if label == 8:
        p2 = u(0, 9)
        return (np.floor((xx + phase) / period) + np.floor((yy + p2) / period)) % 2 == 0
    p2, r = u(0, 9), u(1.4, 2.4)
    period = period + 2  # dots need room around them
    return ((xx + phase) % period - period / 2) ** 2 + ((yy + p2) % period - period / 2) ** 2 <= r**2


def _draw_class(label: int, n: int, rng: np.random.Generator) -> np.ndarray:
    mask = _shape_mask(label, n, rng)[..., None]
    base = CLASSES[label][1]
    if base is not None:
        fg = np.clip(np.array(base) + rng.uniform(-COLOUR_JITTER, COLOUR_JITTER, (n, 3)), 0, 255)
        bg = rng.uniform(0, 110, (n, 3))  # darker than the saturated shape colours
    else:  # textures: any colour pair with enough contrast
        fg = rng.uniform(0, 255, (n, 3))
        bg = np.clip(255 - fg + rng.uniform(-60, 60, (n, 3)), 0, 255)
    fg = fg[:, None, None, :].astype(np.float32)
    bg = bg[:, None, None, :].astype(np.float32)
    img = np.where(mask, fg, bg)
    img += PIXEL_NOISE * rng.standard_normal(img.shape, dtype=np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def make_builtin_images(n: int = 1000, seed: int = 0):
    """Generate ``n`` images of the 10 classes (balanced, shuffled); same seed -> same images."""
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"Invalid number of images: {n!r}")
    rng = np.random.default_rng(seed)
    counts = np.full(len(CLASSES), n // len(CLASSES))
    counts[: n % len(CLASSES)] += 1
    X = np.empty((n, SIZE, SIZE, 3), np.uint8)
    y = np.repeat(np.arange(len(CLASSES)), counts).astype(np.int64)
    start = 0
    for label, count in enumerate(counts):
        # chunks bound the float32 temporaries (2000 images ~ 25 MB)
        for lo in range(0, count, 2000):
            m = min(2000, count - lo)
            X[start + lo: start + lo + m] = _draw_class(label, m, rng)
        start += count
    order = rng.permutation(n)
    return X[order], y[order]
