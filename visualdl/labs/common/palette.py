"""The one palette of the app: class k is drawn in CLASS_RGB[k] in every lab, and so is run k.

tab10: ten distinct colours, friendlier to colour-blind eyes than pure RGB, enough for CIFAR-10's
ten classes. Regions are the class colour mixed with white so points stay readable on top.
"""
from __future__ import annotations

import numpy as np

CLASS_RGB = np.array([
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
], dtype=np.uint8)
REGION_RGB = (0.45 * CLASS_RGB + 0.55 * 255).round().astype(np.uint8)


def class_rgb(c: int) -> tuple[int, int, int]:
    """(r, g, b) of class c (wraps after ten)."""
    return tuple(int(v) for v in CLASS_RGB[int(c) % len(CLASS_RGB)])


def class_hex(c: int) -> str:
    return "#%02x%02x%02x" % class_rgb(c)


def run_hex(k: int) -> str:
    """Colour of run k in overlaid curves (the live run is run 0)."""
    return class_hex(k)


# The one diverging scale (ColorBrewer RdBu ends): blue at -1, white at 0, red at +1.
DIVERGING_BLUE = np.array([33.0, 102.0, 172.0])
DIVERGING_RED = np.array([178.0, 24.0, 43.0])
WHITE = np.array([255.0, 255.0, 255.0])


def diverging_mix(t) -> np.ndarray:
    """t: (...) in [-1, 1] -> (..., 3) float RGB: blue for t < 0, white at 0, red for t > 0 (strength |t|)."""
    t = np.asarray(t, dtype=np.float64)[..., None]
    return np.where(t >= 0, WHITE + t * (DIVERGING_RED - WHITE), WHITE + (-t) * (DIVERGING_BLUE - WHITE))


DIVERGING_LUT = np.rint(diverging_mix(np.linspace(-1, 1, 256))).astype(np.uint8)  # (256, 3), for fast lookups
