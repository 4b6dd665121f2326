"""The one container every dataset comes in, shared by the engine, the CLI and the app.

Shapes:
    images: X_* (N, 32, 32, 3) uint8 (kept uint8 in memory; the trainer
            converts each minibatch to float32 NCHW after preprocessing)
    points: X_* (N, 2) float32
    y_*:    (N,) int64 class indices in [0, num_classes)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class DataSplits:
    name: str
    kind: str  # "image" or "points"
    class_names: list[str]
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    meta: dict = field(default_factory=dict)  # how it was made (params, seed, source path)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one example as the model sees it: (3, 32, 32) for images, (2,) for points."""
        if self.kind == "image":
            h, w, c = self.X_train.shape[1:]
            return (c, h, w)
        return tuple(self.X_train.shape[1:])
