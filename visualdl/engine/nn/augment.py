"""Data augmentation for image minibatches: random horizontal flips and small shifts.

Applied to the preprocessed float batch (N, C, H, W), so a pixel shifted in
from outside the image is 0, which after mean subtraction means "average
colour" rather than black.
"""
from __future__ import annotations

import numpy as np


def augment_batch(x: np.ndarray, rng: np.random.Generator, flip: bool = True, max_shift: int = 2) -> np.ndarray:
    """Randomly flip and shift each image of a batch.

    Inputs:
    - x: (N, C, H, W) float images (not modified)
    - rng: generator for the random choices (the trainer's, so a seeded run repeats)
    - flip: mirror each image left-right with probability 1/2
    - max_shift: shift each image by dx, dy drawn uniformly from [-max_shift, max_shift]
    Returns a new (N, C, H, W) array of the same dtype.
    """
    if x.ndim != 4:
        raise ValueError(f"augment_batch expects images (N, C, H, W); got shape {x.shape}")
    n, _, h, w = x.shape
    max_shift = int(max_shift)
    if max_shift < 0 or max_shift >= min(h, w):
        raise ValueError(f"Invalid max_shift: {max_shift} (must be in [0, {min(h, w) - 1}])")
    flips = rng.random(n) < 0.5 if flip else np.zeros(n, dtype=bool)
    shifts = rng.integers(-max_shift, max_shift + 1, size=(n, 2)) if max_shift else np.zeros((n, 2), int)

    s = max_shift
    padded = np.zeros(x.shape[:2] + (h + 2 * s, w + 2 * s), dtype=x.dtype)
    padded[:, :, s:s + h, s:s + w] = x
    out = np.empty_like(x)
    for i in range(n):
        # A shift by (dy, dx) is a crop of the zero-padded image starting at (s - dy, s - dx).
        dy, dx = shifts[i]
        crop = padded[i, :, s - dy:s - dy + h, s - dx:s - dx + w]
        out[i] = crop[:, :, ::-1] if flips[i] else crop
    return out
