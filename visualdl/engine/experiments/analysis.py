"""Data and result analysis for lab 7: preprocessing views, PCA of pixel vectors, confusion matrices.

    zero_centre(X), normalise(X)            (N, D) -> (N, D), as the course's three panels
    pixel_vectors(images) -> (N, H*W*C) float64
    pca_2d(X) -> {"projection" (N, 2), "components" (2, D), "explained" (2,), "mean" (D,)}
    channel_mean_image(images) -> (H, W, C) mean image, and per-channel means (C,)
    confusion_matrix(y_true, y_pred, C) -> (C, C) int64 counts, rows = true class, columns = predicted
    row_normalise(M) -> each row divided by its sum (rows of zeros stay zero)
    cell_members(y_true, y_pred, i, j) -> indices of examples of true class i predicted as j
    softmax(scores) -> probabilities (N, C)
"""
from __future__ import annotations

import numpy as np


def zero_centre(X) -> np.ndarray:
    """X: (N, D) -> X - mean over examples (each feature then has mean 0)."""
    X = np.asarray(X, dtype=np.float64)
    return X - X.mean(axis=0)


def normalise(X) -> np.ndarray:
    """X: (N, D) -> zero-centred, then each feature divided by its std (a constant feature stays 0)."""
    Xc = zero_centre(X)
    std = Xc.std(axis=0)
    return Xc / np.where(std > 0, std, 1.0)


def pixel_vectors(images) -> np.ndarray:
    """images: (N, H, W, C) -> (N, H*W*C) float64 rows (one pixel vector per image)."""
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"pixel_vectors expects images (N, H, W, C), got shape {images.shape}")
    return images.reshape(len(images), -1).astype(np.float64)


def pca_2d(X, exact_limit: int = 400, power_iterations: int = 4, seed: int = 0) -> dict:
    """X: (N, D) -> the 2 principal directions of the centred data, by NumPy SVD.

    When min(N, D) <= exact_limit: the economy SVD of the centred (N, D) matrix, Xc = U S Vt (the
    rows of Vt are the principal directions). Larger data (1,000 CIFAR images are 1000 x 3072, an
    SVD of ~15 s on a busy 2-core machine): a randomized range finder: a 12-column Gaussian sketch
    Y = Xc Omega, `power_iterations` rounds of Y <- Xc (Xc^T Y) with QR re-orthonormalisation, then
    the SVD of the small (12, D) matrix B = Q^T Xc (Halko, Martinsson & Tropp 2011), taken through
    the SVD of the 12 x 12 matrix B B^T = U S^2 U^T (then Vt = S^-1 U^T B; LAPACK on the wide B took
    0.4 s); the top directions agree with the exact SVD to ~1e-6 on data whose spectrum falls fast,
    as images' does.

    Returns {"projection": (N, 2) coordinates, "components": (2, D) unit rows, "explained": (2,) fraction
    of the total variance each explains, "mean": (D,)}. Needs N >= 2.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or len(X) < 2:
        raise ValueError(f"pca_2d needs (N >= 2, D) data, got shape {X.shape}")
    mean = X.mean(axis=0)
    Xc = X - mean
    if min(Xc.shape) <= exact_limit:
        _, S, Vt = np.linalg.svd(Xc, full_matrices=False)
    else:
        rng = np.random.default_rng(seed)
        Q, _ = np.linalg.qr(Xc @ rng.standard_normal((Xc.shape[1], 12)))
        for _ in range(int(power_iterations)):
            Q, _ = np.linalg.qr(Xc @ (Xc.T @ Q))
        B = Q.T @ Xc
        U, S2, _ = np.linalg.svd(B @ B.T)
        S = np.sqrt(np.maximum(S2, 0.0))
        keep = S > S[0] * 1e-12 if S[0] > 0 else np.zeros(len(S), bool)
        S, Vt = S[keep], (U[:, keep].T @ B) / S[keep, None]
    total = float(np.einsum("ij,ij->", Xc, Xc))
    k = min(2, len(S))
    comps = np.zeros((2, X.shape[1]))
    comps[:k] = Vt[:k]
    explained = np.zeros(2)
    if total > 0:
        explained[:k] = S[:k] ** 2 / total
    return {"projection": Xc @ comps.T, "components": comps, "explained": explained, "mean": mean}


def channel_mean_image(images):
    """images: (N, H, W, C) -> (mean image (H, W, C) float64, per-channel mean (C,) float64)."""
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"channel_mean_image expects images (N, H, W, C), got shape {images.shape}")
    mean_image = images.mean(axis=0, dtype=np.float64)
    return mean_image, mean_image.mean(axis=(0, 1))


def confusion_matrix(y_true, y_pred, num_classes: int) -> np.ndarray:
    """(C, C) int64: M[i, j] = number of examples of true class i predicted as class j."""
    y_true, y_pred = np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} differ in shape")
    C = int(num_classes)
    bad = (y_true < 0) | (y_true >= C) | (y_pred < 0) | (y_pred >= C)
    if bad.any():
        raise ValueError(f"labels must lie in 0..{C - 1}; found {int(np.concatenate([y_true, y_pred]).max())}")
    return np.bincount(y_true * C + y_pred, minlength=C * C).reshape(C, C).astype(np.int64)


def row_normalise(M) -> np.ndarray:
    """Each row divided by its sum: row i = where examples of class i went (a zero row stays zero)."""
    M = np.asarray(M, dtype=np.float64)
    sums = M.sum(axis=1, keepdims=True)
    return M / np.where(sums > 0, sums, 1.0)


def cell_members(y_true, y_pred, i: int, j: int) -> np.ndarray:
    """Indices of the examples of true class i predicted as class j."""
    return np.flatnonzero((np.asarray(y_true) == i) & (np.asarray(y_pred) == j))


def softmax(scores) -> np.ndarray:
    """scores: (N, C) -> probabilities (N, C), stable (the row max is subtracted first)."""
    s = np.asarray(scores, dtype=np.float64)
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
