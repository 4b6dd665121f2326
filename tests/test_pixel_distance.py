"""The pixel-distance demo: edits a person ignores are far apart in L2."""
from __future__ import annotations

import numpy as np
import pytest

from visualdl.engine import pixel_distance as pd


def _image(seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:32, 0:32]
    base = np.stack([xx * 6, yy * 6, (xx + yy) * 3], axis=2) + rng.integers(0, 40, (32, 32, 3))
    return np.clip(base, 0, 255).astype(np.uint8)


def test_l2_distance_is_computed_without_uint8_wraparound():
    a = np.zeros((2, 2, 3), np.uint8)
    b = np.full((2, 2, 3), 255, np.uint8)
    assert pd.l2_distance(a, b) == pytest.approx(255 * np.sqrt(12))
    assert pd.l2_distance(b, a) == pd.l2_distance(a, b)


def test_shift_moves_pixels_and_repeats_edges():
    img = _image()
    out = pd.shifted(img, dx=2, dy=1)
    np.testing.assert_array_equal(out[1:, 2:], img[:-1, :-2])
    np.testing.assert_array_equal(out[0, 2:], img[0, :-2])  # top row repeated, no wrap-around
    np.testing.assert_array_equal(out[1:, 0], img[:-1, 0])


def test_tint_and_occlusion_edit_what_they_say():
    img = _image()
    t = pd.tinted(img, 10, color=(1, 0, 0))
    np.testing.assert_array_equal(t[..., 0], np.clip(img[..., 0].astype(int) + 10, 0, 255))
    np.testing.assert_array_equal(t[..., 1:], img[..., 1:])
    o = pd.occluded(img, 4)
    assert (o[14:18, 14:18] == 0).all()
    assert (o[:14] == img[:14]).all() and (o[18:] == img[18:]).all()


def test_demo_equalizes_the_three_distances():
    img = _image()
    items = pd.pixel_distance_demo(img, occlusion=8)
    assert [it["name"] for it in items] == ["original", "shifted", "tinted", "occluded"]
    assert items[0]["distance"] == 0.0
    d_shift, d_tint, d_occ = (it["distance"] for it in items[1:])
    assert d_occ == pd.l2_distance(img, pd.occluded(img, 8))  # the occlusion sets the target
    assert d_tint == pytest.approx(d_occ, rel=0.02)
    # the shift is the best of the few candidate shifts, not tuned finely
    best = min(abs(pd.l2_distance(img, pd.shifted(img, *s)) - d_occ) for s in pd.SHIFTS)
    assert abs(d_shift - d_occ) == pytest.approx(best)
    for it in items:
        assert pd.l2_distance(items[0]["image"], it["image"]) == it["distance"]


def test_demo_without_equalizing_uses_the_given_edits():
    img = _image()
    items = pd.pixel_distance_demo(img, occlusion=5, equalize=False, dx=1, dy=0, tint=12)
    np.testing.assert_array_equal(items[1]["image"], pd.shifted(img, 1, 0))
    np.testing.assert_array_equal(items[2]["image"], pd.tinted(img, 12))
    np.testing.assert_array_equal(items[3]["image"], pd.occluded(img, 5))


def test_demo_rejects_non_rgb_images():
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        pd.pixel_distance_demo(np.zeros((32, 32), np.uint8))


def test_distances_to_many_images_match_one_by_one():
    imgs = np.stack([_image(s) for s in range(5)])
    d = pd.distances_to(imgs[0], imgs)
    assert d[0] == 0.0
    np.testing.assert_allclose(d, [pd.l2_distance(imgs[0], im) for im in imgs])
