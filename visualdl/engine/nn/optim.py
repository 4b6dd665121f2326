"""Update rules, sorted in order of increasing complexity.

One interface for all of them:
    opt = Adam(lr=1e-3)
    opt.step(params, grads)   # params, grads: dicts name -> ndarray (same keys)
updates every params[name] IN PLACE (the caller owns those arrays) and keeps
per-parameter state (velocity, squared-gradient caches) keyed by name.
opt.lr = ... or opt.set_hyperparams(lr=..., mu=...) changes hyperparameters
between steps without resetting that state.

The formulas, as the course writes them (w: a parameter, g: its gradient):
    SGD:      w -= lr * g
    Momentum: m = mu * m + g;                   w -= lr * m
    AdaGrad:  n += g^2;                         w -= lr * g / (sqrt(n) + eps)
    RMSProp:  n = v * n + (1 - v) * g^2;        w -= lr * g / (sqrt(n) + eps)    (v = decay)
    Adam:     m = b1 * m + (1 - b1) * g;  n = b2 * n + (1 - b2) * g^2;
              m_hat = m / (1 - b1^t);     n_hat = n / (1 - b2^t)   (bias correction, t = step number;
                                                           Adam(bias_correction=False) uses m, n)
              w -= lr * m_hat / (sqrt(n_hat) + eps)
"""
from __future__ import annotations

import math

import numpy as np

# Defaults shown in one place (the GUI reads this table).
OPTIMIZERS = {
    "sgd": {"lr": 1e-2},
    "momentum": {"lr": 1e-2, "mu": 0.9},
    "adagrad": {"lr": 1e-2, "eps": 1e-7},
    "rmsprop": {"lr": 1e-3, "decay": 0.99, "eps": 1e-7},
    "adam": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
}


def _check_lr(lr):
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating)) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"Invalid learning rate: {lr}")
    return float(lr)


def _check_unit(name, value):
    """Decay-like hyperparameters must lie in [0, 1)."""
    if not (isinstance(value, (int, float, np.floating)) and 0 <= value < 1):
        raise ValueError(f"Invalid {name}: {value} (must be in [0, 1))")
    return float(value)


def _check_eps(value):
    if not (isinstance(value, (int, float, np.floating)) and math.isfinite(value) and value > 0):
        raise ValueError(f"Invalid eps: {value} (must be > 0)")
    return float(value)


class Optimizer:
    name = "optimizer"

    def __init__(self, **hyper):
        self.t = 0  # number of steps taken
        self.state: dict[str, dict[str, np.ndarray]] = {}
        defaults = dict(OPTIMIZERS[self.name])
        defaults.update(hyper)
        self._hyper: dict[str, float] = {}
        self.set_hyperparams(**defaults)

    # -- hyperparameters
    @property
    def lr(self) -> float:
        return self._hyper["lr"]

    @lr.setter
    def lr(self, value):
        self._hyper["lr"] = _check_lr(value)

    @property
    def hyperparams(self) -> dict:
        return dict(self._hyper)

    def set_hyperparams(self, **kw) -> None:
        """Change hyperparameters (e.g. lr=1e-4, mu=0.95); the state is kept."""
        allowed = OPTIMIZERS[self.name]
        for key in kw:
            if key not in allowed:
                raise ValueError(f"{type(self).__name__} has no hyperparameter {key!r} "
                                 f"(it has {', '.join(allowed)})")
        checked = {k: (_check_lr(v) if k == "lr" else _check_eps(v) if k == "eps" else _check_unit(k, v))
                   for k, v in kw.items()}
        self._hyper.update(checked)

    def __setattr__(self, key, value):
        # opt.mu = 0.95 goes through the same checks as set_hyperparams(mu=0.95)
        if key != "lr" and key in OPTIMIZERS.get(self.name, {}):
            self.set_hyperparams(**{key: value})
        else:
            super().__setattr__(key, value)

    def __getattr__(self, key):
        hyper = self.__dict__.get("_hyper", {})
        if key in hyper:
            return hyper[key]
        raise AttributeError(key)

    # -- stepping
    def _slot(self, name, slot, like):
        s = self.state.setdefault(name, {})
        if slot not in s:
            s[slot] = np.zeros_like(like)
        return s[slot]

    def step(self, params: dict, grads: dict) -> None:
        """Update params[name] in place using grads[name] for every name in grads."""
        missing = [k for k in grads if k not in params]
        if missing:
            raise KeyError(f"gradients for unknown parameters: {missing}")
        self.t += 1
        for name, g in grads.items():
            w = params[name]
            if w.shape != g.shape:
                raise ValueError(f"{name}: gradient shape {g.shape} does not match parameter {w.shape}")
            self._update(name, w, g)

    def _update(self, name, w, g):
        raise NotImplementedError

    # -- saving
    def state_dict(self) -> dict:
        return {"name": self.name, "t": self.t, "hyper": dict(self._hyper),
                "state": {k: {s: a.copy() for s, a in v.items()} for k, v in self.state.items()}}

    def load_state_dict(self, d: dict) -> None:
        if d.get("name") != self.name:
            raise ValueError(f"Optimizer state is for {d.get('name')!r}, not {self.name!r}")
        self.set_hyperparams(**d.get("hyper", {}))
        self.t = int(d.get("t", 0))
        self.state = {k: {s: np.array(a) for s, a in v.items()} for k, v in d.get("state", {}).items()}

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v:g}' for k, v in self._hyper.items())})"


class SGD(Optimizer):
    name = "sgd"

    def __init__(self, lr=OPTIMIZERS["sgd"]["lr"]):
        super().__init__(lr=lr)

    def _update(self, name, w, g):
        w -= w.dtype.type(self.lr) * g


class Momentum(Optimizer):
    name = "momentum"

    def __init__(self, lr=OPTIMIZERS["momentum"]["lr"], mu=OPTIMIZERS["momentum"]["mu"]):
        super().__init__(lr=lr, mu=mu)

    def _update(self, name, w, g):
        m = self._slot(name, "m", w)
        m *= m.dtype.type(self.mu)
        m += g
        w -= w.dtype.type(self.lr) * m


class AdaGrad(Optimizer):
    name = "adagrad"

    def __init__(self, lr=OPTIMIZERS["adagrad"]["lr"], eps=OPTIMIZERS["adagrad"]["eps"]):
        super().__init__(lr=lr, eps=eps)

    def _update(self, name, w, g):
        n = self._slot(name, "n", w)
        n += g * g
        w -= w.dtype.type(self.lr) * g / (np.sqrt(n) + w.dtype.type(self.eps))


class RMSProp(Optimizer):
    name = "rmsprop"

    def __init__(self, lr=OPTIMIZERS["rmsprop"]["lr"], decay=OPTIMIZERS["rmsprop"]["decay"],
                 eps=OPTIMIZERS["rmsprop"]["eps"]):
        super().__init__(lr=lr, decay=decay, eps=eps)

    def _update(self, name, w, g):
        n = self._slot(name, "n", w)
        v = n.dtype.type(self.decay)
        n *= v
        n += (1 - v) * (g * g)
        w -= w.dtype.type(self.lr) * g / (np.sqrt(n) + w.dtype.type(self.eps))


class Adam(Optimizer):
    name = "adam"

    def __init__(self, lr=OPTIMIZERS["adam"]["lr"], beta1=OPTIMIZERS["adam"]["beta1"],
                 beta2=OPTIMIZERS["adam"]["beta2"], eps=OPTIMIZERS["adam"]["eps"], bias_correction=True):
        super().__init__(lr=lr, beta1=beta1, beta2=beta2, eps=eps)
        self.bias_correction = bool(bias_correction)  # False: m_hat = m, n_hat = n (to show why it is needed)

    def _update(self, name, w, g):
        m, n = self._slot(name, "m", w), self._slot(name, "n", w)
        dt = w.dtype.type
        b1, b2 = dt(self.beta1), dt(self.beta2)
        m *= b1
        m += (1 - b1) * g
        n *= b2
        n += (1 - b2) * (g * g)
        if not self.bias_correction:
            m_hat, n_hat = m, n
        else:
            m_hat = m / dt(1 - self.beta1 ** self.t)
            n_hat = n / dt(1 - self.beta2 ** self.t)
        w -= dt(self.lr) * m_hat / (np.sqrt(n_hat) + dt(self.eps))


_CLASSES = {cls.name: cls for cls in (SGD, Momentum, AdaGrad, RMSProp, Adam)}


def make_optimizer(name: str, **hyper) -> Optimizer:
    """make_optimizer("adam", lr=1e-3) -> Adam; unknown names or hyperparameters raise ValueError."""
    key = str(name).lower()
    if key not in _CLASSES:
        raise ValueError(f"Unknown optimizer: {name!r} (choose from {', '.join(_CLASSES)})")
    opt = _CLASSES[key]()
    opt.set_hyperparams(**hyper)
    return opt
