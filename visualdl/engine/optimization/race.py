"""The optimizer race: the engine's own optimizers stepping a 2-element parameter on a surface.

    race = Race(surface, start=(-4, 1.5))
    race.add("sgd", lr=0.05); race.add("adam", lr=0.1)
    race.step()                      # one update of every running optimizer
    race.snapshot()                  # plain arrays for drawing (paths, losses, state)

Each racer holds ``make_optimizer(name, ...)`` from ``visualdl.engine.nn.optim`` and a parameter
dict {"w": (2,) float64}; opt.step(params, {"w": g}) updates w in place. What the optimizer
carries is read from opt.state["w"]: "m" (Momentum's velocity, Adam's first moment) and "n"
(AdaGrad's sum of g^2, RMSProp's and Adam's running average of g^2).

A racer stops on its own (others go on) when its gradient, point or loss is not finite, or the
point leaves the box |x - centre| <= BOX_FACTOR * map width: ``status`` says why.
"""
from __future__ import annotations

import math

import numpy as np

from visualdl.engine.nn.optim import OPTIMIZERS, make_optimizer
from visualdl.engine.optimization.surfaces import Surface

NAMES = ("sgd", "momentum", "adagrad", "rmsprop", "adam")
TITLES = {"sgd": "SGD", "momentum": "Momentum", "adagrad": "AdaGrad", "rmsprop": "RMSProp", "adam": "Adam"}
BOX_FACTOR = 100.0
MAX_LR = 1000.0
MAX_STEPS = 20000


def check_lr(value) -> float:
    """A learning rate the race accepts: finite, > 0 and at most MAX_LR; else ValueError naming it."""
    try:
        lr = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"Learning rate {value!r} is not a number") from None
    if not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"Learning rate {value!r} refused: it must be a number > 0")
    if lr > MAX_LR:
        raise ValueError(f"Learning rate {lr:g} refused: absurdly large (at most {MAX_LR:g})")
    return lr


def check_start(surface: Surface, p) -> tuple[float, float]:
    p = np.asarray(p, np.float64)
    if p.shape != (2,) or not surface.contains(p):
        x0, x1, y0, y1 = surface.bounds
        raise ValueError(f"Start point {tuple(np.round(p, 4).tolist())} is off the map "
                         f"(x in [{x0:g}, {x1:g}], y in [{y0:g}, {y1:g}])")
    with np.errstate(all="ignore"):
        f = surface.loss(p)
    if not np.isfinite(f):
        raise ValueError(f"f is not defined at the start point ({p[0]:.4g}, {p[1]:.4g}): choose another one")
    return float(p[0]), float(p[1])


def usable_start(surface: Surface) -> tuple[float, float]:
    """The surface's own start point, or (where f is undefined there) the nearest grid point where it is."""
    try:
        return check_start(surface, surface.start)
    except ValueError:
        pass
    xs, ys, Z = surface.grid(41)
    ok = np.argwhere(np.isfinite(Z))
    if len(ok) == 0:
        raise ValueError("f is not defined anywhere on the map") from None
    d = (xs[ok[:, 1]] - surface.start[0]) ** 2 + (ys[ok[:, 0]] - surface.start[1]) ** 2
    i, j = ok[int(np.argmin(d))]
    return check_start(surface, (xs[j], ys[i]))


class Racer:
    """One optimizer on the surface. path: (K+1, 2) points so far; losses: (K+1,) f at each of them.

    Both live in preallocated buffers (MAX_STEPS + 1 rows), so a snapshot is one cheap copy.
    """

    def __init__(self, name: str, start, **hyper):
        self.name = name
        self.hyper = dict(OPTIMIZERS[name])
        self.hyper.update(hyper)
        self.bias_correction = True
        self.reset(start)

    def reset(self, start) -> None:
        self.opt = make_optimizer(self.name, **self.hyper)
        if self.name == "adam":
            self.opt.bias_correction = self.bias_correction
        self.w = np.array(start, dtype=np.float64)
        self._path = np.empty((MAX_STEPS + 1, 2))
        self._losses = np.empty(MAX_STEPS + 1)
        self._grads = np.empty((MAX_STEPS, 2))  # the gradient used by step k (row k - 1)
        self._path[0] = self.w
        self._k = 1  # points stored
        self._nl = 0  # losses stored (the race adds the start's)
        self.grad = np.zeros(2)
        self.status: str | None = None  # why it stopped (diverged, ...)

    @property
    def title(self) -> str:
        return TITLES[self.name]

    @property
    def steps(self) -> int:
        return self._k - 1

    @property
    def path(self) -> np.ndarray:
        """(steps + 1, 2) view of the points visited, the start first."""
        return self._path[:self._k]

    @property
    def grads(self) -> np.ndarray:
        """(steps, 2): the gradient each update used (noisy when the race adds noise)."""
        return self._grads[:self._k - 1]

    @property
    def losses(self) -> np.ndarray:
        return self._losses[:self._nl]

    def add_loss(self, f: float) -> None:
        self._losses[self._nl] = f
        self._nl += 1

    def _append(self, x: float, y: float, f: float) -> None:
        self._path[self._k] = (x, y)
        self._k += 1
        self.add_loss(f)

    def set_hyperparams(self, **kw) -> None:
        """Change hyperparameters mid-run (the engine checks them); state is kept."""
        if "lr" in kw:
            kw["lr"] = check_lr(kw["lr"])
        self.opt.set_hyperparams(**kw)
        self.hyper.update(kw)

    def set_bias_correction(self, on: bool) -> None:
        self.bias_correction = bool(on)
        if self.name == "adam":
            self.opt.bias_correction = self.bias_correction

    def state(self) -> dict:
        """Copies of what the engine optimizer carries: {"m": (2,), "n": (2,)} where it has them."""
        s = self.opt.state.get("w", {})
        return {k: v.copy() for k, v in s.items()}

    def stop(self, why: str) -> None:
        self.status = why

    def step(self, surface: Surface, rng=None, noise: float = 0.0, batch=None) -> bool:
        """One update; returns False (and sets status) when this racer stops."""
        if self.status is not None:
            return False
        if self.steps >= MAX_STEPS:
            self.stop(f"{self.title}: stopped after {MAX_STEPS:,} steps")
            return False
        try:
            g = surface.noisy_grad(self.w, rng, noise, batch=batch) if rng is not None else surface.grad(self.w)
        except (ValueError, ArithmeticError) as exc:
            self.stop(f"{self.title} stopped at step {self.steps}: {exc}")
            return False
        if not np.all(np.isfinite(g)):
            self.stop(f"{self.title} diverged at step {self.steps}: the gradient is not finite")
            return False
        self.grad = g
        self._grads[self._k - 1] = g
        with np.errstate(all="ignore"):
            self.opt.step({"w": self.w}, {"w": g})
        x, y = float(self.w[0]), float(self.w[1])
        if not (math.isfinite(x) and math.isfinite(y)):
            self.stop(f"{self.title} diverged at step {self.steps + 1}: the point is not finite "
                      f"(lr {self.opt.lr:g} is too high)")
            return False
        with np.errstate(all="ignore"):
            try:
                f = surface.loss(self.w)
            except (ValueError, ArithmeticError):
                f = float("nan")
        self._append(x, y, f)
        x0, x1, y0, y1 = surface.bounds
        box = BOX_FACTOR * max(x1 - x0, y1 - y0)
        if abs(x - (x0 + x1) / 2) > box or abs(y - (y0 + y1) / 2) > box:
            self.stop(f"{self.title} diverged at step {self.steps}: ({x:.3g}, {y:.3g}) left the box "
                      f"{box:g} around the map (lr {self.opt.lr:g} is too high)")
            return False
        if not math.isfinite(f):
            self.stop(f"{self.title} stopped at step {self.steps}: the loss is not finite at ({x:.3g}, {y:.3g})")
            return False
        return True


class Race:
    """Racers on one surface from one start point. noise: std of Gaussian gradient noise (synthetic
    surfaces); batch: minibatch size on the model surface (None = full batch)."""

    def __init__(self, surface: Surface, start=None, seed: int = 0):
        self.surface = surface
        self.start = check_start(surface, surface.start if start is None else start)
        self.racers: dict[str, Racer] = {}
        self.noise, self.batch = 0.0, None
        self.rng = np.random.default_rng(seed)
        self.seed = seed

    def add(self, name: str, **hyper) -> Racer:
        if name not in NAMES:
            raise ValueError(f"Unknown optimizer: {name!r} (choose from {', '.join(NAMES)})")
        racer = Racer(name, self.start, **hyper)
        racer.add_loss(self.surface.loss(racer.w))
        self.racers[name] = racer
        return racer

    def remove(self, name: str) -> None:
        self.racers.pop(name, None)

    def reset(self, start=None, surface: Surface | None = None) -> None:
        if surface is not None:
            self.surface = surface
        if start is not None or surface is not None:
            self.start = check_start(self.surface, self.surface.start if start is None else start)
        self.rng = np.random.default_rng(self.seed)
        for racer in self.racers.values():
            racer.reset(self.start)
            racer.add_loss(self.surface.loss(racer.w))

    def set_noise(self, noise: float = 0.0, batch=None) -> None:
        if not (math.isfinite(noise) and noise >= 0):
            raise ValueError(f"Invalid gradient noise: {noise}")
        if batch is not None and int(batch) < 1:
            raise ValueError(f"Invalid batch size: {batch}")
        self.noise, self.batch = float(noise), None if batch is None else int(batch)

    @property
    def running(self) -> list[Racer]:
        return [r for r in self.racers.values() if r.status is None]

    def step(self) -> list[str]:
        """One update of every running racer; returns the messages of racers that stopped now."""
        stopped = []
        stochastic = self.noise > 0 or self.batch is not None
        for racer in self.running:
            if not racer.step(self.surface, self.rng if stochastic else None, self.noise, self.batch):
                stopped.append(racer.status)
        return stopped

    def snapshot(self) -> dict:
        """{"start", "surface_key", "racers": {name: {path (K+1, 2), losses (K+1,), grads (K, 2), grad,
        state, steps, status, hyper}}}: fresh arrays, safe to hand to another thread."""
        return {"start": self.start, "surface_key": self.surface.key, "racers": {
            name: {"path": r.path.copy(), "losses": r.losses.copy(), "grad": r.grad.copy(),
                   "grads": r.grads.copy(),
                   "state": r.state(), "steps": r.steps, "status": r.status, "hyper": dict(r.hyper),
                   "bias_correction": r.bias_correction, "title": r.title}
            for name, r in self.racers.items()}}
