"""Regularization of the weight matrices (never biases or batch-norm parameters).

Conventions (the factor 0.5 makes the L2 gradient simply strength * W):
    "none":    R = 0
    "l2":      R = 0.5 * strength * sum(W^2)                          dR/dW = strength * W
    "l1":      R = strength * sum(|W|)                                dR/dW = strength * sign(W)
    "elastic": R = l1_strength * sum(|W|) + 0.5 * strength * sum(W^2)
|W| has a kink at W = 0; its gradient there is taken as 0.
max_norm (any kind): after each update, every row of W (the incoming
weights of one unit, or one conv filter) is scaled down to norm <= max_norm.
"""
from __future__ import annotations

import numpy as np

REG_KINDS = ("none", "l2", "l1", "elastic")


def is_weight(name: str) -> bool:
    """Weight matrices are the params named W ("0.W", "3.W"); biases and BN params are not."""
    return name.rsplit(".", 1)[-1] == "W"


class Regularizer:
    def __init__(self, kind="none", strength=0.0, l1_strength=0.0, max_norm=None):
        if kind not in REG_KINDS:
            raise ValueError(f"Unknown regularization: {kind!r} (choose from {', '.join(REG_KINDS)})")
        for name, value in (("strength", strength), ("l1_strength", l1_strength)):
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"Invalid regularization {name}: {value}")
        if max_norm is not None and not (np.isfinite(max_norm) and max_norm > 0):
            raise ValueError(f"Invalid max norm: {max_norm}")
        self.kind, self.strength, self.l1_strength = kind, float(strength), float(l1_strength)
        self.max_norm = None if max_norm is None else float(max_norm)
        # "l1" uses `strength` as its only strength; "elastic" uses both.
        self._l2 = self.strength if kind in ("l2", "elastic") else 0.0
        self._l1 = {"l1": self.strength, "elastic": self.l1_strength}.get(kind, 0.0)

    def loss_and_grads(self, params: dict) -> tuple[float, dict]:
        """params: name -> array. Returns (reg_loss, {weight name: dR/dW}) for the weights only."""
        loss, grads = 0.0, {}
        if self._l1 == 0 and self._l2 == 0:
            return 0.0, grads
        for name, W in params.items():
            if not is_weight(name):
                continue
            g = np.zeros_like(W)
            if self._l2:
                loss += 0.5 * self._l2 * float(np.sum(W * W, dtype=np.float64))
                g += W.dtype.type(self._l2) * W
            if self._l1:
                loss += self._l1 * float(np.sum(np.abs(W), dtype=np.float64))
                g += W.dtype.type(self._l1) * np.sign(W)
            grads[name] = g
        return loss, grads

    def apply_constraints(self, params: dict) -> None:
        """Max-norm: scale each row of every weight (in place) so its L2 norm is <= max_norm."""
        if self.max_norm is None:
            return
        for name, W in params.items():
            if not is_weight(name):
                continue
            rows = W.reshape(W.shape[0], -1)
            norms = np.sqrt(np.sum(rows * rows, axis=1, dtype=np.float64))
            scale = np.minimum(1.0, self.max_norm / np.maximum(norms, 1e-12))
            W *= scale.astype(W.dtype).reshape((-1,) + (1,) * (W.ndim - 1))

    def __repr__(self):
        return (f"Regularizer(kind={self.kind!r}, strength={self.strength}, "
                f"l1_strength={self.l1_strength}, max_norm={self.max_norm})")
