"""Preprocessing fitted on the training split only, then applied unchanged to validation and test.

    fit_preprocessor(kind, X_train) -> Preprocessor
    Preprocessor.transform(X) -> float32
        images: X (N, 32, 32, 3) uint8 NHWC  ->  (N, 3, 32, 32) float32 NCHW
        points: X (N, 2)                     ->  (N, 2) float32

Kinds:
    "none"        raw values as float32 (pixels stay 0..255)
    "mean_image"  subtract the mean training image (per pixel and channel);
                  for points, the mean training point
    "channel"     per-channel mean and std of the training set: (x - mean_c) / std_c;
                  for points, per-feature standardisation

Fitting on the training split only matters: statistics taken from validation
or test data would leak information about them into the model.
"""
from __future__ import annotations

import numpy as np

KINDS = ("none", "mean_image", "channel")


class Preprocessor:
    """A fitted transform: ``kind``, ``mean`` and ``std`` (broadcastable to NCHW or (N, D))."""

    def __init__(self, kind: str, mean: np.ndarray | None = None, std: np.ndarray | None = None,
                 image: bool = True):
        if kind not in KINDS:
            raise ValueError(f"Unknown preprocessing: {kind!r} (choose from {', '.join(KINDS)})")
        self.kind = kind
        self.image = bool(image)
        self.mean = None if mean is None else np.asarray(mean, np.float32)
        self.std = None if std is None else np.asarray(std, np.float32)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """X: (N, H, W, C) images or (N, D) points -> float32 (N, C, H, W) or (N, D), a new array."""
        X = np.asarray(X)
        if self.image:
            if X.ndim != 4:
                raise ValueError(f"Expected images (N, H, W, C), got shape {X.shape}")
            out = np.empty((X.shape[0], X.shape[3], X.shape[1], X.shape[2]), np.float32)
            out[...] = X.transpose(0, 3, 1, 2)  # one pass: converts and reorders
        else:
            if X.ndim != 2:
                raise ValueError(f"Expected points (N, D), got shape {X.shape}")
            out = X.astype(np.float32, copy=True)
        if self.mean is not None:
            out -= self.mean
        if self.std is not None:
            out /= self.std
        return out

    def to_dict(self) -> dict:
        """Plain JSON-able dict (lists); ``Preprocessor.from_dict`` rebuilds the same transform."""
        return {
            "kind": self.kind,
            "image": self.image,
            "mean": None if self.mean is None else self.mean.tolist(),
            "std": None if self.std is None else self.std.tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Preprocessor":
        return cls(d["kind"], d.get("mean"), d.get("std"), d.get("image", True))

    def __repr__(self) -> str:
        return f"Preprocessor(kind={self.kind!r}, image={self.image})"


def fit_preprocessor(kind: str, X_train: np.ndarray) -> Preprocessor:
    """Learn the statistics of ``kind`` from X_train (N, H, W, C) images or (N, D) points."""
    if kind not in KINDS:
        raise ValueError(f"Unknown preprocessing: {kind!r} (choose from {', '.join(KINDS)})")
    X_train = np.asarray(X_train)
    image = X_train.ndim == 4
    if len(X_train) == 0:
        raise ValueError("Cannot fit preprocessing on an empty training set")
    if kind == "none":
        return Preprocessor(kind, image=image)
    # accumulate in float64 over chunks: exact for 50000 uint8 images, bounded memory
    total = np.zeros(X_train.shape[1:], np.float64)
    total_sq = np.zeros(X_train.shape[1:], np.float64)
    for lo in range(0, len(X_train), 4096):
        chunk = X_train[lo: lo + 4096].astype(np.float64)
        total += chunk.sum(axis=0)
        if kind == "channel":
            total_sq += (chunk**2).sum(axis=0)
    n = len(X_train)
    if kind == "mean_image":
        mean = total / n
        return Preprocessor(kind, mean.transpose(2, 0, 1) if image else mean, image=image)
    axes = (0, 1) if image else ()  # per channel: pool over pixels as well
    count = n * (X_train.shape[1] * X_train.shape[2] if image else 1)
    mean = total.sum(axis=axes) / count
    var = total_sq.sum(axis=axes) / count - mean**2
    std = np.sqrt(np.maximum(var, 0.0))
    std = np.where(std > 1e-8, std, 1.0)  # a constant channel is centred, not divided by ~0
    if image:
        mean, std = mean.reshape(-1, 1, 1), std.reshape(-1, 1, 1)
    return Preprocessor(kind, mean, std, image=image)


def preprocessor_from_dict(d: dict) -> Preprocessor:
    return Preprocessor.from_dict(d)
