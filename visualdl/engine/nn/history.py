"""A Trainer's history: one dict per step and one per epoch, bounded for long runs (no Qt).

    history.add_iteration(metrics)      # Trainer.step() does this
    history.iterations[-1]              # the last step's dict; history.epochs[-1]: the last epoch's
    history.to_dict() / History.from_dict(d)
"""
from __future__ import annotations

import copy
import math

import numpy as np

from visualdl.engine.nn.thinning import Bound


class History:
    """What happened so far.

    - iterations: list of step() dicts (one per minibatch update)
    - epochs: list of {"epoch", "iteration", "train_acc", "val_acc"}

    Both stay bounded (``visualdl.engine.nn.thinning``): the newest ``ITERATIONS_EXACT`` iterations
    (``EPOCHS_EXACT`` epochs) are kept exactly; past twice that, older rows are thinned to the min and
    max loss (train and validation accuracy) of small buckets, so an hour of fast training keeps its
    spikes without millions of rows. ``to_dict()`` says how many rows were thinned away ("thinned").
    """

    # Rows are dicts (~0.5 kB each): at most 2 x 2,500 iteration rows, ~2.7 MB, reached within
    # minutes even on CIFAR-10, after which a run's memory stays flat (bench/soak.py).
    ITERATIONS_EXACT, EPOCHS_EXACT = 2_500, 5_000

    def __init__(self):
        self.iterations: list[dict] = []
        self.epochs: list[dict] = []
        self._bounds = {"iterations": Bound(self.ITERATIONS_EXACT, 2 * self.ITERATIONS_EXACT, 1),
                        "epochs": Bound(self.EPOCHS_EXACT, 2 * self.EPOCHS_EXACT, 2)}

    def add_iteration(self, metrics: dict) -> None:
        self.iterations.append(metrics)
        self._bound("iterations", ("loss",))

    def add_epoch(self, row: dict) -> None:
        self.epochs.append(row)
        self._bound("epochs", ("train_acc", "val_acc"))

    def _bound(self, name: str, keys: tuple) -> None:
        rows, bound = getattr(self, name), self._bounds[name]
        if bound.due(len(rows)):
            cols = [np.array([_float(r.get(k)) for r in rows]) for k in keys]
            positions = np.array([_float(r.get("iteration")) for r in rows])
            rows[:] = [rows[i] for i in bound.plan(cols, positions)]

    @property
    def thinned(self) -> dict | None:
        """{"iterations": ..., "epochs": ...} descriptions of what was thinned away, or None (all rows exact)."""
        out = {name: b.describe() for name, b in self._bounds.items() if b.describe()}
        return out or None

    def to_dict(self) -> dict:
        d = {"iterations": copy.deepcopy(self.iterations), "epochs": copy.deepcopy(self.epochs)}
        if self.thinned:
            d["thinned"] = self.thinned
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        if not isinstance(d, dict) or not isinstance(d.get("iterations"), list) \
                or not isinstance(d.get("epochs"), list):
            raise ValueError("Invalid history: expected a dict with lists 'iterations' and 'epochs'")
        h = cls()
        h.iterations = copy.deepcopy(d["iterations"])
        h.epochs = copy.deepcopy(d["epochs"])
        for name, info in (d.get("thinned") or {}).items():
            if name in h._bounds and isinstance(info, dict):
                h._bounds[name].restore(info)
        return h

    def __len__(self) -> int:
        return len(self.iterations)


def _float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
