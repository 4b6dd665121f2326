"""The linear classifier of the course's first part: scores f(x) = W x + b.

    clf = LinearClassifier(num_classes, loss="softmax" | "svm", reg=L2 strength)
    clf.train(X, y, lr=..., num_iters=..., batch_size=...) -> history
    clf.scores(X) -> (N, C) = X W^T + b with W (C, D), b (C,);  clf.templates() -> (C, 32, 32, 3)
    linear_loss_and_grads(X, W, b, y, loss, reg) -> scores, losses, dW, db: THE linear classifier
        maths, shared with lab 2's 2D model (course.linear2d)
    template_images(templates, channels_first=False) -> (C, H, W, 3) uint8, each class stretched

The data loss comes from ``nn.losses`` and the L2 term from ``nn.regularization``:
no formula is written here.
"""
from __future__ import annotations

import numpy as np

from visualdl.data.errors import Cancelled
from visualdl.engine.nn.losses import loss_function
from visualdl.engine.nn.regularization import Regularizer


class LinearClassifier:
    """Linear scores f(x) = W x + b, W (C, D), trained by minibatch SGD (or any engine optimizer).

    loss: "softmax" (cross-entropy) or "svm" (multiclass hinge, margin 1);
    reg: L2 strength with the engine's convention R = 0.5 * reg * sum(W^2),
    so dR/dW = reg * W (CS231n's reg * sum(W^2) equals ours with twice the reg).
    X is flattened per example; for images pass (N, 32, 32, 3) data (already
    centred, e.g. minus the mean image) so ``templates()`` gives images.
    """

    def __init__(self, num_classes: int, loss: str = "softmax", reg: float = 0.0, std: float = 1e-4,
                 seed: int = 0, dtype=np.float32):
        loss_function(loss)  # names the valid losses when this one is unknown
        if not (np.isfinite(reg) and reg >= 0):
            raise ValueError(f"Invalid regularization strength: {reg}")
        if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
            raise ValueError(f"Invalid number of classes: {num_classes!r}")
        self.num_classes, self.loss, self.reg = int(num_classes), loss, float(reg)
        self.std, self.seed, self.dtype = float(std), seed, np.dtype(dtype)
        self.W = None  # (C, D), created on the first train() when D is known
        self.b = None  # (C,)
        self.input_shape = None
        self.history = {"iteration": [], "loss": [], "epoch_acc": []}

    def _init(self, D):
        rng = np.random.default_rng(self.seed)
        self.W = (self.std * rng.standard_normal((self.num_classes, D))).astype(self.dtype)
        self.b = np.zeros(self.num_classes, self.dtype)

    def _flat(self, X):
        X = np.asarray(X)
        if self.input_shape is None:
            self.input_shape = X.shape[1:]
        return X.reshape(len(X), -1).astype(self.dtype, copy=False)

    def loss_and_grads(self, X, y):
        """X: (N, D), y: (N,) -> (loss, dW (C, D), db (C,)), loss = data loss + 0.5 * reg * |W|^2."""
        Xf = self._flat(X)
        if self.W is None:
            self._init(Xf.shape[1])
        out = linear_loss_and_grads(Xf, self.W, self.b, y, self.loss, self.reg)
        return out["loss"], out["dW"], out["db"]

    def train(self, X, y, lr: float = 1e-7, num_iters: int = 1500, batch_size: int = 200,
              optimizer: str = "sgd", X_val=None, y_val=None, seed: int = 0, progress=None, cancel=None,
              **optim_hyper) -> dict:
        """Minibatch training with ``visualdl.engine.nn.optim`` (``optimizer`` name, lr, extra hyperparameters).

        Batches are drawn with replacement (as CS231n does). history:
        {"iteration": [...], "loss": [...]} every iteration, and "epoch_acc":
        [(iteration, train batch acc, val acc or None)] every ~epoch.
        """
        from visualdl.engine.nn.optim import make_optimizer

        if isinstance(num_iters, bool) or not isinstance(num_iters, (int, np.integer)) or num_iters < 0:
            raise ValueError(f"Invalid number of iterations: {num_iters!r}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"Invalid batch size: {batch_size!r}")
        y = np.asarray(y).astype(np.int64)
        N = len(y)
        D = int(np.prod(np.asarray(X).shape[1:]))
        if self.W is None:
            self._init(D)
        opt = make_optimizer(optimizer, lr=lr, **optim_hyper)
        rng = np.random.default_rng(seed)
        per_epoch = max(1, N // batch_size)
        params = {"W": self.W, "b": self.b}
        for it in range(num_iters):
            if cancel is not None and cancel.is_set():
                raise Cancelled("training cancelled")
            batch = rng.integers(0, N, batch_size)
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported just below
                loss, dW, db = self.loss_and_grads(X[batch], y[batch])
            if not np.isfinite(loss):
                raise FloatingPointError(f"Loss became {loss} at iteration {it}: learning rate {lr} too large?")
            with np.errstate(over="ignore", invalid="ignore"):
                opt.step(params, {"W": dW, "b": db})
            self.history["iteration"].append(it)
            self.history["loss"].append(loss)
            if (it + 1) % per_epoch == 0 or it == num_iters - 1:
                train_acc = float(np.mean(self.predict(X[batch]) == y[batch]))
                val_acc = None if X_val is None else self.accuracy(X_val, y_val)
                self.history["epoch_acc"].append((it, train_acc, val_acc))
            if progress is not None and (it % 10 == 0 or it == num_iters - 1):
                progress(it + 1, num_iters, f"iteration {it + 1}, loss {loss:.3f}")
        return self.history

    def scores(self, X) -> np.ndarray:
        """X: (N, ...) -> (N, C) class scores."""
        if self.W is None:
            raise RuntimeError("LinearClassifier: train it before asking for scores")
        out = np.empty((len(X), self.num_classes), self.dtype)
        for a in range(0, len(X), 4096):  # bounded temporaries for large X
            out[a:a + 4096] = self._flat(X[a:a + 4096]) @ self.W.T + self.b
        return out

    def predict(self, X) -> np.ndarray:
        return self.scores(X).argmax(axis=1).astype(np.int64)

    def accuracy(self, X, y) -> float:
        return float(np.mean(self.predict(X) == np.asarray(y)))

    def templates(self, shape=None) -> np.ndarray:
        """(C, *shape) rows of W reshaped to the input shape (default: the training examples'
        shape, e.g. (C, 32, 32, 3)); float, to be rescaled for display (see ``template_images``)."""
        if self.W is None:
            raise RuntimeError("LinearClassifier: train it before asking for templates")
        shape = tuple(shape or self.input_shape or (self.W.shape[1],))
        return self.W.reshape((self.num_classes, *shape)).copy()

    def template_images(self, shape=None) -> np.ndarray:
        """templates() as uint8 images, each class stretched on its own (see ``template_images``)."""
        return template_images(self.templates(shape))


def linear_loss_and_grads(X, W, b, y, loss: str = "softmax", reg: float = 0.0) -> dict:
    """THE linear classifier's loss and gradients (LinearClassifier and the 2D model of lab 2).

    X: (N, D), W: (C, D), b: (C,), y: (N,) int labels; loss: a name of ``nn.losses.LOSSES``;
    reg: L2 strength, applied by ``nn.regularization`` (R = 0.5 * reg * sum(W^2), dR/dW = reg * W;
    biases are not regularized). Returns dict: scores (N, C) = X W^T + b, data_loss, reg_loss,
    loss (their sum, Python floats), dscores (N, C), dW (C, D), db (C,) in W's dtype.
    """
    scores = X @ W.T + b
    data_loss, dscores = loss_function(loss)(scores, y)
    dscores = dscores.astype(W.dtype, copy=False)
    reg_loss, reg_grads = Regularizer("l2", reg).loss_and_grads({"W": W})
    dW = dscores.T @ X
    if "W" in reg_grads:
        dW += reg_grads["W"]
    data_loss, reg_loss = float(data_loss), float(reg_loss)
    return {"scores": scores, "data_loss": data_loss, "reg_loss": reg_loss, "loss": data_loss + reg_loss,
            "dscores": dscores, "dW": dW, "db": dscores.sum(axis=0)}


def template_images(templates, channels_first: bool = False) -> np.ndarray:
    """Weight templates as pictures. templates: (C, H, W, 3) rows of W reshaped to the input
    shape, or (C, 3, H, W) with ``channels_first``; any (C, ...) shape works.

    Returns (C, ...) uint8, channels last, each class stretched to 0..255 over its own min..max
    (full contrast per template; the course's notebook instead scales all classes by one global
    min and max).
    """
    t = np.asarray(templates, dtype=np.float64)
    if channels_first:
        if t.ndim != 4:
            raise ValueError(f"channels_first needs (C, channels, H, W) templates, got shape {t.shape}")
        t = t.transpose(0, 2, 3, 1)
    flat = t.reshape(len(t), -1)
    keep = (-1,) + (1,) * (t.ndim - 1)
    lo = flat.min(axis=1).reshape(keep)
    hi = flat.max(axis=1).reshape(keep)
    return np.round(255 * (t - lo) / np.maximum(hi - lo, 1e-12)).astype(np.uint8)
