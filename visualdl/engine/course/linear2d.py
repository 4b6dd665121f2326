"""The editable linear classifier of lab 2: points in the plane, one line per class.

Class c scores a point x with s_c = w_c . x + b_c, so W is (C, 2) and b is (C,).
The set where s_c = 0 is a line; w_c is its normal and points to where class c
scores higher. Data loss is the mean over points of the multiclass SVM or
softmax loss (visualdl.engine.nn.losses), computed with the classical linear
classifier's own code (classical.linear.linear_loss_and_grads); its L2 term
comes from nn.regularization: reg_loss = 0.5 * reg * sum(W**2), so dW gets
+ reg * W (biases are not regularized). Everything is float64: the numbers are shown.
"""
from __future__ import annotations

import numpy as np

from visualdl.engine.classical.linear import linear_loss_and_grads
from visualdl.engine.nn.losses import loss_function, per_example_loss

LOSSES = ("svm", "softmax")  # the order lab 2 lists them; the formulas are nn.losses'


def class_scores(X, W, b):
    """X: (N, 2), W: (C, 2), b: (C,). Returns (N, C) scores X W^T + b."""
    return np.asarray(X, dtype=np.float64) @ np.asarray(W, dtype=np.float64).T + np.asarray(b, dtype=np.float64)


def per_point_loss(scores, y, loss="svm", margin=1.0):
    """scores: (N, C), y: (N,). Returns (N,) float64 each point's data loss
    (SVM: sum_j!=y max(0, s_j - s_y + margin); softmax: -log p_y, finite even where
    p_y underflows to 0). Their mean equals the engine loss's value."""
    fn = per_example_loss(loss)
    scores = np.asarray(scores, dtype=np.float64)
    return fn(scores, y, margin) if loss == "svm" else fn(scores, y)


class Linear2D:
    """W (C, 2), b (C,) float64, changed by the student (set_params) or by SGD (step)."""

    def __init__(self, num_classes=3, loss="svm", reg=0.0, seed=0, scale=1.0):
        if num_classes < 2:
            raise ValueError(f"Invalid number of classes: {num_classes}")
        self.num_classes = int(num_classes)
        self.loss = loss
        self.reg = reg
        self.W = np.zeros((self.num_classes, 2))
        self.b = np.zeros(self.num_classes)
        self.randomize(seed, scale)

    @property
    def loss(self) -> str:
        return self._loss

    @loss.setter
    def loss(self, value: str):
        loss_function(value)  # names the valid losses when this one is unknown
        self._loss = value

    @property
    def reg(self) -> float:
        return self._reg

    @reg.setter
    def reg(self, value: float):
        value = float(value)
        if not value >= 0:
            raise ValueError(f"Invalid L2 strength: {value}")
        self._reg = value

    def randomize(self, seed=None, scale=1.0):
        """New W ~ N(0, scale^2) per entry and b ~ N(0, (scale/2)^2)."""
        rng = np.random.default_rng(seed)
        self.W = rng.normal(0.0, scale, size=(self.num_classes, 2))
        self.b = rng.normal(0.0, scale / 2, size=self.num_classes)

    def set_params(self, W, b):
        W = np.array(W, dtype=np.float64)
        b = np.array(b, dtype=np.float64)
        if W.shape != (self.num_classes, 2) or b.shape != (self.num_classes,):
            raise ValueError(f"Need W ({self.num_classes}, 2) and b ({self.num_classes},), got {W.shape}, {b.shape}")
        self.W, self.b = W, b

    def scores(self, X):
        """X: (N, 2). Returns (N, C)."""
        return class_scores(X, self.W, self.b)

    def predict(self, X):
        """X: (N, 2). Returns (N,) int64 highest-scoring class (first on ties)."""
        return self.scores(X).argmax(1)

    def accuracy(self, X, y):
        return float(np.mean(self.predict(X) == np.asarray(y))) if len(y) else float("nan")

    def loss_and_grads(self, X, y):
        """X: (N, 2), y: (N,). Returns dict: data_loss, reg_loss, total, dW (C, 2), db (C,),
        scores (N, C), point_loss (N,)."""
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.int64)
        if X.shape[0] == 0:
            raise ValueError("No points: the loss of an empty set is undefined")
        out = linear_loss_and_grads(X, self.W, self.b, y, self.loss, self.reg)
        return {"data_loss": out["data_loss"], "reg_loss": out["reg_loss"], "total": out["loss"],
                "dW": out["dW"], "db": out["db"], "scores": out["scores"],
                "point_loss": per_point_loss(out["scores"], y, self.loss)}

    def step(self, X, y, lr):
        """One full-batch gradient-descent step of size lr. Returns the loss dict from before the step."""
        lr = float(lr)
        if not lr > 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        out = self.loss_and_grads(X, y)
        self.W = self.W - lr * out["dW"]
        self.b = self.b - lr * out["db"]
        return out

    def fit(self, X, y, steps=200, lr=0.1):
        """Runs `steps` gradient steps; returns the last loss dict."""
        out = None
        for _ in range(int(steps)):
            out = self.step(X, y, lr)
        return out

    def snapshot(self, X, y):
        """Frozen copy of everything a view draws for these points."""
        out = self.loss_and_grads(X, y)
        out.update(W=self.W.copy(), b=self.b.copy(), loss=self.loss, reg=self.reg)
        return out


def _clip_line(p0, d, bounds):
    """Liang-Barsky: the part of the line p0 + t d inside the box, or None."""
    xmin, xmax, ymin, ymax = bounds
    t0, t1 = -np.inf, np.inf
    for p, dp, lo, hi in ((p0[0], d[0], xmin, xmax), (p0[1], d[1], ymin, ymax)):
        if abs(dp) < 1e-12:
            if p < lo or p > hi:
                return None
            continue
        ta, tb = (lo - p) / dp, (hi - p) / dp
        t0, t1 = max(t0, min(ta, tb)), min(t1, max(ta, tb))
    if t0 > t1:
        return None
    return p0 + t0 * d, p0 + t1 * d


def class_lines(W, b, bounds, arrow_fraction=0.12):
    """Geometry of each class's line w_c . x + b_c = 0 inside a view box.

    W: (C, 2), b: (C,), bounds: (xmin, xmax, ymin, ymax).
    Returns a list of C dicts (None where w_c = 0 or the line misses the box):
        {"class": c, "p1": (2,), "p2": (2,) the segment's ends,
         "arrow_start": (2,) a point on the segment (class c at fraction (c+1)/(C+1)
         of its length, so the arrows of different classes do not pile up),
         "arrow_end": (2,) start + a
         length of arrow_fraction * box diagonal along w_c / |w_c|
         (the side where class c's score grows),
         "head": (3, 2) the arrowhead as a polyline (left barb, tip, right barb)}.
    """
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    xmin, xmax, ymin, ymax = bounds
    diag = float(np.hypot(xmax - xmin, ymax - ymin))
    lines = []
    for c in range(W.shape[0]):
        w = W[c]
        norm = float(np.hypot(*w))
        if norm < 1e-12:
            lines.append(None)
            continue
        p0 = -b[c] * w / norm ** 2  # the line's point closest to the origin
        seg = _clip_line(p0, np.array([-w[1], w[0]]) / norm, bounds)
        if seg is None:
            lines.append(None)
            continue
        mid = seg[0] + (c + 1) / (W.shape[0] + 1) * (seg[1] - seg[0])
        u = w / norm
        length = arrow_fraction * diag
        tip = mid + length * u
        back, side = tip - 0.3 * length * u, 0.18 * length * np.array([-u[1], u[0]])
        lines.append({"class": c, "p1": seg[0], "p2": seg[1], "arrow_start": mid, "arrow_end": tip,
                      "head": np.array([back + side, tip, back - side])})
    return lines


def aim_class(W, b, c, anchor, target):
    """Turn class c's normal w_c to point from `anchor` toward `target` (what dragging
    an arrowhead means), keeping |w_c| and keeping the line through `anchor`.

    W: (C, 2), b: (C,), anchor/target: (2,) points. Returns new copies (W, b);
    unchanged copies when target == anchor (no direction to aim at).
    """
    W = np.array(W, dtype=np.float64)
    b = np.array(b, dtype=np.float64)
    anchor = np.asarray(anchor, dtype=np.float64)
    direction = np.asarray(target, dtype=np.float64) - anchor
    length = float(np.hypot(*direction))
    if length < 1e-12:
        return W, b
    W[c] = float(np.hypot(*W[c])) * direction / length
    b[c] = -float(W[c] @ anchor)  # w_c . anchor + b_c = 0: the line still passes through the anchor
    return W, b
