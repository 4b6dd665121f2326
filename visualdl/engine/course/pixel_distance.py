"""Why pixel distance misleads: small, meaning-preserving edits move an image far in L2.

An image, a copy shifted by a few pixels, a tinted copy and a copy with a patch
occluded all show the same thing to a person, yet their L2 distances to the
original are large; by default the tint and the shift are chosen so the three
edits sit at about the same L2 distance as the occlusion, as in the course's figure.
Pixels are compared as float64 so uint8 arithmetic cannot wrap.
"""
from __future__ import annotations

import numpy as np


def l2_distance(a, b):
    """a, b: images of the same shape (any dtype). Returns the L2 distance as a float
    (``distances_to`` with one image: the module's one L2 formula)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"Images differ in shape: {a.shape} vs {b.shape}")
    return float(distances_to(a, b[None])[0])


def _check_image(img):
    img = np.asarray(img)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"Expected an (H, W, 3) image, got shape {img.shape}")
    return img.astype(np.uint8) if img.dtype != np.uint8 else img


def shifted(img, dx=2, dy=2):
    """img: (H, W, 3) uint8. Returns the image moved dx pixels right and dy down;
    the uncovered border repeats the edge pixels (no wrap-around, no black bars)."""
    img = _check_image(img)
    h, w = img.shape[:2]
    rows = np.clip(np.arange(h) - dy, 0, h - 1)
    cols = np.clip(np.arange(w) - dx, 0, w - 1)
    return img[rows][:, cols]


def tinted(img, amount, color=(1.0, 0.6, -0.6)):
    """img: (H, W, 3) uint8. Adds amount * color to every pixel (clipped to 0..255)."""
    img = _check_image(img)
    delta = float(amount) * np.asarray(color, dtype=np.float64)
    return np.clip(img.astype(np.float64) + delta, 0, 255).round().astype(np.uint8)


def occluded(img, size, top=None, left=None, value=(0, 0, 0)):
    """img: (H, W, 3) uint8. Returns a copy with a size x size patch set to `value`
    (centred by default)."""
    img = _check_image(img)
    h, w = img.shape[:2]
    size = int(max(0, min(size, h, w)))
    top = (h - size) // 2 if top is None else int(top)
    left = (w - size) // 2 if left is None else int(left)
    out = img.copy()
    out[top:top + size, left:left + size] = np.asarray(value, dtype=np.uint8)
    return out


def _tint_for_distance(img, target, color):
    """Smallest tint amount whose distance reaches target (bisection; clipping makes it non-linear)."""
    lo, hi = 0.0, 255.0
    if l2_distance(img, tinted(img, hi, color)) < target:
        return hi
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if l2_distance(img, tinted(img, mid, color)) < target:
            lo = mid
        else:
            hi = mid
    return hi


def _occlusion_for_distance(img, target):
    """Patch size (centred, black) whose distance is closest to target."""
    h = min(img.shape[:2])
    dists = [abs(l2_distance(img, occluded(img, s)) - target) for s in range(h + 1)]
    return int(np.argmin(dists))


SHIFTS = [(1, 0), (0, 1), (1, 1), (2, 0), (0, 2), (2, 1), (1, 2), (2, 2), (3, 0), (0, 3), (3, 3)]


def pixel_distance_demo(img, occlusion=8, equalize=True, dx=2, dy=2, tint=40.0):
    """The demo's four images and their L2 distances to the original.

    img: (H, W, 3) uint8. With equalize=True (the course's figure) a centred
    black occlusion x occlusion patch sets the target distance; the tint
    amount is solved to reach it and the shift (a few pixels, from SHIFTS) is
    the one whose distance comes closest. A shift cannot be tuned finely, so
    on striped or noisy images its distance can stay far from the others:
    the returned distances are the true ones either way.
    Returns a list of dicts in display order: {"name", "image" (H, W, 3) uint8,
    "distance" float, "param" str}.
    """
    img = _check_image(img)
    color = (1.0, 0.6, -0.6)
    hidden = occluded(img, occlusion)
    if equalize:
        target = l2_distance(img, hidden)
        tint = _tint_for_distance(img, target, color)
        dx, dy = min(SHIFTS, key=lambda s: abs(l2_distance(img, shifted(img, *s)) - target))
    variants = [
        ("original", img, "-"),
        ("shifted", shifted(img, dx, dy), f"{dx} px right, {dy} px down"),
        ("tinted", tinted(img, tint, color), f"tint {tint:.0f}"),
        ("occluded", hidden, f"{occlusion}x{occlusion} patch"),
    ]
    return [{"name": name, "image": im, "distance": l2_distance(img, im), "param": param}
            for name, im, param in variants]


def distances_to(img, images):
    """img: (H, W, 3); images: (N, H, W, 3), any dtype. Returns (N,) float64 L2 distances to img.

    Pixels are compared as float64 so uint8 arithmetic cannot wrap; images are taken
    2000 at a time so the float64 copy stays small.
    """
    img = np.asarray(img, dtype=np.float64).ravel()
    flat = np.asarray(images).reshape(len(images), -1)
    if flat.shape[1] != img.size:
        raise ValueError(f"Images differ in shape: {np.shape(images)[1:]} vs the reference's {img.size} values")
    out = np.empty(len(flat))
    for start in range(0, len(flat), 2000):
        block = flat[start:start + 2000].astype(np.float64)
        block -= img
        out[start:start + 2000] = np.sqrt(np.einsum("ij,ij->i", block, block))
    return out
