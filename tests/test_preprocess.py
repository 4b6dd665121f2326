"""Preprocessing: statistics from the training split only, NHWC uint8 in, NCHW float32 out."""
from __future__ import annotations

import json

import numpy as np
import pytest

from visualdl.data.preprocess import Preprocessor, fit_preprocessor


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (40, 32, 32, 3), dtype=np.uint8), rng.integers(0, 256, (7, 32, 32, 3),
                                                                                dtype=np.uint8)


def test_none_converts_layout_and_type_only(images):
    train, _ = images
    out = fit_preprocessor("none", train).transform(train)
    assert out.shape == (40, 3, 32, 32) and out.dtype == np.float32 and out.flags.c_contiguous
    assert out[3, 2, 5, 7] == train[3, 5, 7, 2]


def test_mean_image_uses_training_statistics(images):
    train, test = images
    p = fit_preprocessor("mean_image", train)
    mean_nchw = train.astype(np.float64).mean(0).transpose(2, 0, 1)
    np.testing.assert_allclose(p.transform(train).mean(0), 0, atol=1e-4)
    # test images are shifted by the TRAINING mean, not their own
    np.testing.assert_allclose(p.transform(test), test.transpose(0, 3, 1, 2) - mean_nchw, atol=1e-4)
    assert np.abs(p.transform(test).mean(0)).max() > 1


def test_channel_normalisation(images):
    train, test = images
    p = fit_preprocessor("channel", train)
    out = p.transform(train).astype(np.float64)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), 1, atol=1e-4)
    ref = (test.astype(np.float64) - train.reshape(-1, 3).mean(0)) / train.reshape(-1, 3).std(0)
    np.testing.assert_allclose(p.transform(test), ref.transpose(0, 3, 1, 2), rtol=1e-5, atol=1e-4)


def test_constant_channel_is_not_divided_by_zero():
    X = np.zeros((5, 32, 32, 3), np.uint8)
    X[..., 0] = 7
    out = fit_preprocessor("channel", X).transform(X)
    assert np.isfinite(out).all() and np.all(out == 0)


def test_points():
    rng = np.random.default_rng(1)
    X = (rng.normal(size=(100, 2)) * [3, 0.5] + [10, -2]).astype(np.float32)
    for kind in ("none", "mean_image", "channel"):
        out = fit_preprocessor(kind, X).transform(X)
        assert out.shape == (100, 2) and out.dtype == np.float32
    np.testing.assert_allclose(fit_preprocessor("channel", X).transform(X).std(0), 1, atol=1e-5)
    np.testing.assert_allclose(fit_preprocessor("mean_image", X).transform(X).mean(0), 0, atol=1e-5)


def test_dict_round_trip_through_json(images):
    train, test = images
    for kind in ("none", "mean_image", "channel"):
        p = fit_preprocessor(kind, train)
        q = Preprocessor.from_dict(json.loads(json.dumps(p.to_dict())))
        np.testing.assert_array_equal(p.transform(test), q.transform(test))


def test_bad_kind_is_named(images):
    with pytest.raises(ValueError, match="'zca'"):
        fit_preprocessor("zca", images[0])
