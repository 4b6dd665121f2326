"""2D loss surfaces for the optimizer race: values on a grid, analytic gradients at a point.

Every surface f(x, y) offers
    value(X, Y) -> array        X, Y: arrays of one shape (a 300x300 grid is one call)
    grad(p) -> (2,) array       the exact gradient at p = (x, y), analytic (checked in tests)
    noisy_grad(p, rng, noise) -> (2,) array    what an optimizer sees: grad + N(0, noise^2 I)
    bounds (xmin, xmax, ymin, ymax), start (x, y), log_colour (the range is wide)

The synthetic ones, as the course draws its problems:
    bowl        0.5 (x^2 + 25 y^2)                 ill-conditioned: curvature 1 along x, 25 along y
    saddle      x^2 - y^2 + 0.1 y^4                a saddle at 0; the y^4 bowl far out (y = +-sqrt 5) stops runs
    rosenbrock  (1 - x)^2 + 100 (y - x^2)^2         the banana valley, minimum (1, 1)
    local_min   x^4/4 - x^2 + x/2 + y^2            local minimum near x = 1.27, the global one near x = -1.52
    plateau     1 - exp(-(x^2 + 3 y^2) / 4)        nearly flat far from the minimum at 0
The model surface (logistic loss of a 2-weight classifier) is in ``model_surface``; a typed
f(x, y) is in ``expr_surface``.
"""
from __future__ import annotations

import numpy as np


class Surface:
    key = "surface"
    title = "surface"
    formula = ""
    bounds = (-3.0, 3.0, -3.0, 3.0)
    start = (-2.0, 2.0)
    log_colour = False
    minima: tuple = ()  # known minima (x, y), drawn as stars

    def value(self, X, Y):
        raise NotImplementedError

    def grad(self, p) -> np.ndarray:
        raise NotImplementedError

    def loss(self, p) -> float:
        """f at one point p = (x, y), a Python float."""
        return float(self.value(np.float64(p[0]), np.float64(p[1])))

    def noisy_grad(self, p, rng: np.random.Generator | None = None, noise: float = 0.0, batch=None) -> np.ndarray:
        """The gradient an optimizer is given: exact, plus Gaussian noise of std ``noise`` per axis.

        (``batch`` is for the model surface, whose noise comes from minibatches.)"""
        g = self.grad(p)
        if noise > 0 and rng is not None:
            g = g + rng.normal(0.0, noise, 2)
        return g

    def contains(self, p) -> bool:
        x0, x1, y0, y1 = self.bounds
        return bool(np.all(np.isfinite(p)) and x0 <= p[0] <= x1 and y0 <= p[1] <= y1)

    def grid(self, resolution: int = 300):
        """xs (R,), ys (R,), Z (R, R) with Z[i, j] = f(xs[j], ys[i]) (row = y)."""
        x0, x1, y0, y1 = self.bounds
        xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
        X, Y = np.meshgrid(xs, ys)
        with np.errstate(all="ignore"):
            Z = np.asarray(self.value(X, Y), dtype=np.float64)
        Z = np.where(np.isfinite(Z), Z, np.nan) * np.ones_like(X)
        return xs, ys, Z

    def __repr__(self):
        return f"{type(self).__name__}({self.key!r})"


class _Analytic(Surface):
    """A synthetic surface given by vectorised f(x, y) and its gradient (fx, fy)."""

    def __init__(self, key, title, formula, f, df, bounds, start, log_colour=False, minima=()):
        self.key, self.title, self.formula = key, title, formula
        self._f, self._df = f, df
        self.bounds, self.start, self.log_colour, self.minima = bounds, start, log_colour, minima

    def value(self, X, Y):
        return self._f(np.asarray(X, np.float64), np.asarray(Y, np.float64))

    def grad(self, p) -> np.ndarray:
        x, y = float(p[0]), float(p[1])
        return np.array(self._df(x, y), dtype=np.float64)


def _local_min_roots():
    r = np.roots([1.0, 0.0, -2.0, 0.5]).real  # f'(x) = x^3 - 2x + 1/2
    f = r ** 4 / 4 - r ** 2 + r / 2
    return tuple((float(x), 0.0) for x in r[np.argsort(f)] if x ** 2 * 3 - 2 > 0)  # minima only


SYNTHETIC = {
    "bowl": _Analytic(
        "bowl", "Ill-conditioned bowl", "0.5 (x^2 + 25 y^2)",
        lambda x, y: 0.5 * (x * x + 25 * y * y), lambda x, y: (x, 25 * y),
        (-5.0, 5.0, -2.0, 2.0), (-4.5, 1.5), minima=((0.0, 0.0),)),
    "saddle": _Analytic(
        "saddle", "Saddle point", "x^2 - y^2 + 0.1 y^4",
        lambda x, y: x * x - y * y + 0.1 * y ** 4, lambda x, y: (2 * x, -2 * y + 0.4 * y ** 3),
        (-3.0, 3.0, -3.0, 3.0), (-2.8, 0.001), minima=((0.0, 5 ** 0.5), (0.0, -5 ** 0.5))),
    "rosenbrock": _Analytic(
        "rosenbrock", "Rosenbrock's valley", "(1 - x)^2 + 100 (y - x^2)^2",
        lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
        lambda x, y: (-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)),
        (-2.0, 2.0, -1.0, 3.0), (-1.5, 2.5), log_colour=True, minima=((1.0, 1.0),)),
    "local_min": _Analytic(
        "local_min", "Local minimum beside the global one", "x^4/4 - x^2 + x/2 + y^2",
        lambda x, y: x ** 4 / 4 - x * x + x / 2 + y * y, lambda x, y: (x ** 3 - 2 * x + 0.5, 2 * y),
        (-2.5, 2.5, -2.0, 2.0), (2.3, 1.5), minima=_local_min_roots()),
    "plateau": _Analytic(
        "plateau", "Plateau", "1 - exp(-(x^2 + 3 y^2) / 4)",
        lambda x, y: 1 - np.exp(-(x * x + 3 * y * y) / 4),
        lambda x, y: (np.exp(-(x * x + 3 * y * y) / 4) * x / 2, np.exp(-(x * x + 3 * y * y) / 4) * 1.5 * y),
        (-5.0, 5.0, -4.0, 4.0), (4.5, 3.0), minima=((0.0, 0.0),)),
}


def synthetic(key: str) -> Surface:
    if key not in SYNTHETIC:
        raise ValueError(f"Unknown surface: {key!r} (choose from {', '.join(SYNTHETIC)})")
    return SYNTHETIC[key]
