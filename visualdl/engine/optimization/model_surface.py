"""The real loss of a model as a 2D surface: a 2-weight logistic (2-class softmax) classifier.

Model: scores (0, w . x_i) for classes (0, 1), i.e. p(y = 1 | x) = sigmoid(w . x); no bias, so
the two weights (w1, w2) are the whole parameter vector and each point of the map is a model.

    L(w) = (1/N) sum_i L_i(w) + lam R(w)        L_i = -log p(y_i | x_i)   (the engine's softmax_loss)

R is the engine's Regularizer on the one weight matrix W = w (conventions there):
    l2: 0.5 lam |w|^2,   l1: lam |w|_1,   elastic: lam |w|_1 + 0.5 lam |w|^2 (one lam for both).

The exact gradient at a point uses the engine's ``softmax_loss`` and ``Regularizer``; a
minibatch gradient averages the per-example gradients of ``batch`` examples drawn without
replacement (every subset equally likely), so its expectation is the full data gradient.
The 300x300 map is evaluated vectorised in float32 chunks (about 1e-6 relative error; the
numbers the lab prints come from the engine in float64).
"""
from __future__ import annotations

import numpy as np

from visualdl.engine.nn.losses import softmax_loss
from visualdl.engine.optimization.surfaces import Surface
from visualdl.engine.nn.regularization import Regularizer

BATCH_SIZES = (1, 8, 64, None)  # None: the full batch
_CHUNK = 4096


def _softplus_neg(m: np.ndarray) -> np.ndarray:
    """log(1 + exp(-m)) computed stably as max(-m, 0) + log1p(exp(-|m|)); overwrites nothing of m."""
    t = np.abs(m)
    np.negative(t, out=t)
    np.exp(t, out=t)
    np.log1p(t, out=t)
    t += np.maximum(-m, 0.0)
    return t


def penalty(kind: str, lam: float, X, Y):
    """lam R(w) for w = (X, Y) element-wise over arrays (same conventions as ``Regularizer``)."""
    X, Y = np.asarray(X, np.float64), np.asarray(Y, np.float64)
    l2 = 0.5 * (X * X + Y * Y)
    l1 = np.abs(X) + np.abs(Y)
    if kind == "none" or lam == 0:
        return np.zeros(np.broadcast(X, Y).shape)
    return lam * {"l2": l2, "l1": l1, "elastic": l1 + l2}[kind]


def regularizer(kind: str, lam: float) -> Regularizer:
    return Regularizer(kind, strength=lam, l1_strength=lam if kind == "elastic" else 0.0)


class ModelSurface(Surface):
    """X: (N, 2) inputs, y: (N,) labels in {0, 1}; reg: "none", "l2", "l1" or "elastic"; lam >= 0."""

    key = "model"
    log_colour = False

    def __init__(self, X, y, reg: str = "none", lam: float = 0.0, name: str = "toy data",
                 bounds=(-8.0, 8.0, -8.0, 8.0)):
        X = np.asarray(X, np.float64)
        y = np.asarray(y, np.int64)
        if X.ndim != 2 or X.shape[1] != 2 or y.shape != (len(X),) or len(X) == 0:
            raise ValueError(f"Need X (N, 2) and y (N,), got {X.shape} and {y.shape}")
        if not set(np.unique(y)) <= {0, 1}:
            labels = sorted(set(y.tolist()))
            raise ValueError(f"The 2-weight model needs 2 classes (labels 0 and 1), got labels {labels}")
        if reg not in ("none", "l2", "l1", "elastic"):
            raise ValueError(f"Unknown regularization: {reg!r}")
        if not (np.isfinite(lam) and lam >= 0):
            raise ValueError(f"Invalid regularization strength: {lam}")
        self.X, self.y, self.reg, self.lam = X, y, reg, float(lam)
        self.sign = 2.0 * y - 1.0  # +1 for class 1, -1 for class 0
        self.bounds = tuple(float(b) for b in bounds)
        self.start = (0.75 * self.bounds[0], 0.75 * self.bounds[3])
        self.title = f"Logistic model on {name}"
        self.formula = "(1/N) sum_i -log p(y_i | x_i; w) + lam R(w)"
        self._reg = regularizer(reg, self.lam)
        self.minima = ()

    @property
    def n(self) -> int:
        return len(self.y)

    # --- values
    def per_example_loss(self, w, idx=None) -> np.ndarray:
        """L_i(w) = -log p(y_i | x_i; w) for every example (or those in idx): (N,) or (len(idx),)."""
        X, s = (self.X, self.sign) if idx is None else (self.X[idx], self.sign[idx])
        return np.logaddexp(0.0, -s * (X @ np.asarray(w, np.float64)))

    def data_loss_grid(self, W1, W2) -> np.ndarray:
        """(1/N) sum_i L_i at every (W1, W2) of two same-shape arrays."""
        W1, W2 = np.broadcast_arrays(np.asarray(W1, np.float64), np.asarray(W2, np.float64))
        flat = np.stack([W1.ravel(), W2.ravel()], axis=1)
        out = np.empty(len(flat))
        # float32 for speed (the map only; numbers shown come from loss_parts in float64)
        sx = (self.X * self.sign[:, None]).astype(np.float32)  # margin of example i is w . sx_i
        flat = flat.astype(np.float32)
        for a in range(0, len(flat), _CHUNK):
            m = flat[a:a + _CHUNK, 0:1] * sx[:, 0]
            m += flat[a:a + _CHUNK, 1:2] * sx[:, 1]
            out[a:a + _CHUNK] = _softplus_neg(m).mean(axis=1, dtype=np.float64)
        return out.reshape(W1.shape)

    def value(self, X, Y):
        return self.data_loss_grid(X, Y) + penalty(self.reg, self.lam, X, Y)

    def loss_parts(self, w) -> tuple[float, float]:
        """(data loss, lam R(w)) at w, both from the engine (softmax_loss, Regularizer)."""
        w = np.asarray(w, np.float64)
        data, _ = softmax_loss(self._scores(w), self.y)
        reg, _ = self._reg.loss_and_grads({"W": w.copy()})
        return float(data), float(reg)

    def loss(self, p) -> float:
        d, r = self.loss_parts(p)
        return d + r

    # --- gradients
    def _scores(self, w, idx=None):
        X = self.X if idx is None else self.X[idx]
        z = X @ np.asarray(w, np.float64)
        return np.stack([np.zeros_like(z), z], axis=1)

    def data_grad(self, w, idx=None) -> np.ndarray:
        """Gradient of the mean loss over all examples (or over the examples idx)."""
        y = self.y if idx is None else self.y[idx]
        X = self.X if idx is None else self.X[idx]
        _, dscores = softmax_loss(self._scores(w, idx), y)
        return dscores[:, 1] @ X  # dz_i/dw = x_i, and only class 1's score depends on w

    def reg_grad(self, w) -> np.ndarray:
        _, grads = self._reg.loss_and_grads({"W": np.asarray(w, np.float64).copy()})
        return grads.get("W", np.zeros(2))

    def grad(self, p) -> np.ndarray:
        return self.data_grad(p) + self.reg_grad(p)

    def minibatch_grad(self, w, batch: int | None, rng: np.random.Generator) -> np.ndarray:
        """Data gradient on `batch` examples drawn without replacement (None or >= N: all), plus the reg gradient."""
        if batch is None or batch >= self.n:
            return self.grad(w)
        if batch < 1:
            raise ValueError(f"Invalid batch size: {batch}")
        idx = rng.choice(self.n, size=int(batch), replace=False)
        return self.data_grad(w, idx) + self.reg_grad(w)

    def noisy_grad(self, p, rng=None, noise=0.0, batch: int | None = None) -> np.ndarray:
        """On the model surface the noise is the minibatch's: ``noise`` is ignored."""
        if rng is None:
            return self.grad(p)
        return self.minibatch_grad(p, batch, rng)

    def lipschitz(self) -> float:
        """An upper bound of the data loss's curvature: 0.25 * largest eigenvalue of X^T X / N."""
        return 0.25 * float(np.linalg.eigvalsh(self.X.T @ self.X / self.n)[-1])


def toy_model_surface(name: str = "moons", n_points: int = 200, seed: int = 0, reg="none", lam=0.0,
                      noise: float | None = None) -> ModelSurface:
    """The model surface on a 2-class toy set of ``visualdl.data.toy`` (all its points)."""
    from visualdl.data.toy import TITLES, make_toy

    X, y = make_toy(name, n_points=n_points, n_classes=2, noise=noise, seed=seed)
    return ModelSurface(X, y, reg, lam, name=TITLES.get(name, name).replace(" (2D)", ""))
