"""Input features of the playground: the raw coordinates and a few fixed non-linear ones.

    FEATURES: name -> (title, f(x1, x2)) in display order
    expand(X, names) -> (N, F) float64, column j = FEATURES[names[j]] applied to X = (N, 2)
    FeatureMap(names).fit(X_train)  then  .transform(X) -> (N, F) float32, standardised

The standardisation (per column, (value - mean) / std) is fitted once on the training points
when the data set is made, and then kept fixed: adding a point while training does not move
the inputs under the weights. x1^2 on [-1, 1] lies in [0, 1]; after standardising it is centred.
"""
from __future__ import annotations

import numpy as np

FEATURES = {
    "x1": ("x1", lambda a, b: a),
    "x2": ("x2", lambda a, b: b),
    "x1^2": ("x1²", lambda a, b: a * a),
    "x2^2": ("x2²", lambda a, b: b * b),
    "x1*x2": ("x1·x2", lambda a, b: a * b),
    "sin(x1)": ("sin(x1)", lambda a, b: np.sin(a)),
    "sin(x2)": ("sin(x2)", lambda a, b: np.sin(b)),
}
DEFAULT_FEATURES = ("x1", "x2")


def check_names(names) -> tuple[str, ...]:
    names = tuple(names)
    if not names:
        raise ValueError("Choose at least one input feature")
    for n in names:
        if n not in FEATURES:
            raise ValueError(f"Unknown feature {n!r} (choose from {', '.join(FEATURES)})")
    if len(set(names)) != len(names):
        raise ValueError(f"Feature listed twice in {list(names)}")
    return names


def expand(X, names) -> np.ndarray:
    """X: (N, 2) points -> (N, F) float64 raw feature values, in the order of ``names``."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"Expected points (N, 2), got shape {X.shape}")
    names = check_names(names)
    a, b = X[:, 0], X[:, 1]
    return np.stack([FEATURES[n][1](a, b) for n in names], axis=1)


class FeatureMap:
    """names: the chosen features; mean, std: (F,) standardisation fitted on training points."""

    def __init__(self, names=DEFAULT_FEATURES, mean=None, std=None):
        self.names = check_names(names)
        f = len(self.names)
        self.mean = np.zeros(f) if mean is None else np.asarray(mean, np.float64)
        self.std = np.ones(f) if std is None else np.asarray(std, np.float64)

    def fit(self, X_train) -> "FeatureMap":
        """Learn each feature's mean and std on X_train (N, 2); a constant feature keeps std 1."""
        raw = expand(X_train, self.names)
        self.mean = raw.mean(axis=0)
        std = raw.std(axis=0)
        self.std = np.where(std > 1e-8, std, 1.0)
        return self

    def transform(self, X) -> np.ndarray:
        """X: (N, 2) -> (N, F) float32 standardised features (what the network's first layer sees)."""
        return ((expand(X, self.names) - self.mean) / self.std).astype(np.float32)

    @property
    def titles(self) -> list[str]:
        return [FEATURES[n][0] for n in self.names]

    def __len__(self) -> int:
        return len(self.names)
