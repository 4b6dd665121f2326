"""The built-in image set: shapes, determinism, balance, and learnable-but-not-trivial."""
from __future__ import annotations

import numpy as np
import pytest

from visualdl.data import DATASETS, DataError, load_dataset
from visualdl.data.builtin import CLASS_NAMES, make_builtin_images


def test_shape_dtype_balance_and_names():
    X, y = make_builtin_images(1003, seed=0)
    assert X.shape == (1003, 32, 32, 3) and X.dtype == np.uint8 and y.dtype == np.int64
    counts = np.bincount(y, minlength=10)
    assert counts.max() - counts.min() <= 1
    assert len(CLASS_NAMES) == 10 and len(set(CLASS_NAMES)) == 10
    assert X.min() == 0 and X.max() == 255  # uses the whole range (noise is clipped)


def test_same_seed_same_images_other_seed_other_images():
    a, ya = make_builtin_images(200, seed=5)
    b, yb = make_builtin_images(200, seed=5)
    c, _ = make_builtin_images(200, seed=6)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(a, c)


def test_images_of_a_class_vary():
    X, y = make_builtin_images(400, seed=1)
    for c in range(10):
        imgs = X[y == c].astype(np.float32)
        # no two images of a class are near copies: position, size, colour jitter and noise
        d = np.abs(imgs[:, None] - imgs[None]).mean(axis=(2, 3, 4))
        np.fill_diagonal(d, np.inf)
        assert d.min() > 5, CLASS_NAMES[c]


def test_red_disc_is_red_in_the_middle_of_its_shape():
    X, y = make_builtin_images(500, seed=2)
    discs = X[y == CLASS_NAMES.index("red disc")].astype(np.float32)
    # the brightest-red pixel of each image is much redder than it is blue
    r, b = discs[..., 0], discs[..., 2]
    idx = r.reshape(len(r), -1).argmax(1)
    assert (r.reshape(len(r), -1)[np.arange(len(r)), idx] - b.reshape(len(r), -1)[np.arange(len(r)), idx]).mean() > 100


def test_learnable_but_not_trivial():
    """A nearest-neighbour classifier beats chance clearly but is far from perfect."""
    d = load_dataset("builtin", n_train=2000, n_val=0, n_test=300, seed=0)
    Xtr = d.X_train.reshape(len(d.X_train), -1).astype(np.float32)
    Xte = d.X_test.reshape(len(d.X_test), -1).astype(np.float32)
    dist = (Xte**2).sum(1)[:, None] + (Xtr**2).sum(1)[None] - 2 * Xte @ Xtr.T
    acc = (d.y_train[dist.argmin(1)] == d.y_test).mean()
    assert 0.2 < acc < 0.95, acc


def test_load_dataset_builtin_sizes_and_independent_test_split():
    d = load_dataset("builtin", n_train=100, n_val=20, n_test=30, seed=0)
    assert (len(d.X_train), len(d.X_val), len(d.X_test)) == (100, 20, 30)
    assert d.kind == "image" and d.input_shape == (3, 32, 32) and d.class_names == CLASS_NAMES
    e = load_dataset("builtin", n_train=50, n_val=20, n_test=30, seed=0)
    np.testing.assert_array_equal(d.X_test, e.X_test)  # the test set does not depend on n_train
    assert DATASETS["builtin"]["params"]["n_train"] > 0
    with pytest.raises(DataError, match="n_train"):
        load_dataset("builtin", n_train=0)
