"""A run's history on the GUI side, kept as growing NumPy columns (no Qt).

Per-iteration rows come from ``Trainer.step()`` dicts; the rows that finished an epoch also carry
``train_acc``/``val_acc``. The iteration columns are sized once for the bound below (doubling only
for a larger append), and the plots read views of them without copying. A long run stays bounded
(``visualdl.engine.nn.thinning``): the newest ``ITERATIONS_EXACT`` iterations are exact; past twice
that, older rows are thinned to the min and max raw loss of each small bucket (epochs: of train and
validation accuracy), so spikes stay on the curves. The smoothed loss of a thinned row is the value
it had when it was recorded (a later smoothing change recomputes it over the kept rows). Exports of a
thinned run say so: a leading ``#`` line in the CSV, a "thinned" entry in the JSON.
"""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np

from visualdl.atomic import write_atomic
from visualdl.engine.nn.metrics import debiased_ema
from visualdl.engine.nn.thinning import Bound

ITERATION_COLUMNS = ("iteration", "epoch", "loss", "data_loss", "reg_loss", "batch_acc", "lr", "update_ratio")
SMOOTHED = "smoothed_loss"  # filled by RunLog from the loss column
SMOOTHED_ACC = "smoothed_batch_acc"  # filled by RunLog from the batch_acc column (same smoothing)
EPOCH_COLUMNS = ("epoch", "iteration", "train_acc", "val_acc")


class Columns:
    """Named float64 columns with room for ``capacity`` rows, doubled when an append needs more:
    ``cols["loss"]`` is a view of the filled part."""

    def __init__(self, names, capacity: int = 1024):
        self.names = tuple(names)
        # Sized once for the rows a bounded history holds: the buffer is not reallocated while a run
        # fills up to its bound (doubling remains the fallback for a larger append).
        self._data = np.empty((len(self.names), max(1, int(capacity))))
        self.n = 0

    def append(self, rows: list[dict]) -> None:
        if not rows:
            return
        need = self.n + len(rows)
        if need > self._data.shape[1]:
            grown = np.empty((len(self.names), max(need, 2 * self._data.shape[1])))
            grown[:, : self.n] = self._data[:, : self.n]
            self._data = grown
        block = np.array([[_num(r.get(k)) for k in self.names] for r in rows], dtype=np.float64)
        self._data[:, self.n:need] = block.T
        self.n = need

    def keep(self, rows: np.ndarray) -> None:
        """Keep only the rows at these (sorted) indices, in order."""
        kept = self._data[:, rows]
        self.n = kept.shape[1]
        self._data[:, : self.n] = kept

    def __getitem__(self, name: str) -> np.ndarray:
        return self._data[self.names.index(name), : self.n]

    def __len__(self) -> int:
        return self.n

    def rows(self) -> list[dict]:
        cols = [self[name].tolist() for name in self.names]
        return [{k: (v if math.isfinite(v) else None) for k, v in zip(self.names, vals)} for vals in zip(*cols)]


def _num(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


class RunLog:
    """One run's curves: iterations (+ smoothed loss) and epochs, with its config and label."""

    # 10 float64 columns of at most 2 x 10,000 rows (+ one append): ~1.7 MB, reached in minutes at
    # dashboard speed, after which the memory of a run stays flat (bench/soak.py).
    ITERATIONS_EXACT, EPOCHS_EXACT = 10_000, 5_000
    SLACK = 1024  # rows one append may add beyond the bound before it thins

    def __init__(self, label: str = "run", config: dict | None = None, smoothing: float = 0.6):
        self.label = label
        self.config = config or {}
        self.iterations = Columns(ITERATION_COLUMNS + (SMOOTHED, SMOOTHED_ACC),
                                  2 * self.ITERATIONS_EXACT + self.SLACK)
        self.epochs = Columns(EPOCH_COLUMNS)  # few rows (one per epoch): grows by doubling
        self.smoothing = smoothing
        self._ema_state = self._acc_ema_state = None
        self._bounds = (Bound(self.ITERATIONS_EXACT, 2 * self.ITERATIONS_EXACT, 1),
                        Bound(self.EPOCHS_EXACT, 2 * self.EPOCHS_EXACT, 2))

    def append(self, rows: list[dict]) -> None:
        """Add Trainer.step() dicts (epoch-end rows also fill the epoch columns)."""
        start = len(self.iterations)
        self.iterations.append(rows)
        self.epochs.append([r for r in rows if "train_acc" in r or "val_acc" in r])
        smoothed = self.iterations[SMOOTHED]
        smoothed[start:], self._ema_state = debiased_ema(self.iterations["loss"][start:], self.smoothing,
                                                          self._ema_state)
        self.iterations[SMOOTHED_ACC][start:], self._acc_ema_state = debiased_ema(
            self.iterations["batch_acc"][start:], self.smoothing, self._acc_ema_state)
        for cols, bound, keys in ((self.iterations, self._bounds[0], ("loss",)),
                                  (self.epochs, self._bounds[1], ("train_acc", "val_acc"))):
            if bound.due(len(cols)):
                cols.keep(bound.plan([cols[k] for k in keys], cols["iteration"]))

    @property
    def thinned(self) -> dict | None:
        """What was thinned away ({"iterations": ..., "epochs": ...}), or None when every row is exact."""
        out = {name: b.describe() for name, b in zip(("iterations", "epochs"), self._bounds) if b.describe()}
        return out or None

    def copy(self, label: str | None = None) -> "RunLog":
        """An independent copy (kept runs for comparison keep their curves while training goes on)."""
        import copy as _copy

        other = _copy.deepcopy(self)
        if label is not None:
            other.label = label
        return other

    def set_smoothing(self, smoothing: float) -> None:
        """Recompute the smoothed loss for a new smoothing factor (O(n), once per slider change)."""
        self.iterations[SMOOTHED][:], self._ema_state = debiased_ema(self.iterations["loss"], smoothing)
        self.iterations[SMOOTHED_ACC][:], self._acc_ema_state = debiased_ema(self.iterations["batch_acc"], smoothing)
        self.smoothing = smoothing

    @property
    def smoothed_loss(self) -> np.ndarray:
        return self.iterations[SMOOTHED]

    @property
    def smoothed_batch_acc(self) -> np.ndarray:
        """Each minibatch's accuracy, smoothed like the loss: a training-accuracy trend from the first
        iterations on (the exact train/val accuracies arrive only at epoch ends)."""
        return self.iterations[SMOOTHED_ACC]

    def __len__(self) -> int:
        return len(self.iterations)

    def to_dict(self) -> dict:
        iterations = [{k: v for k, v in row.items() if k not in (SMOOTHED, SMOOTHED_ACC)}
                      for row in self.iterations.rows()]
        out = {"label": self.label, "config": self.config, "iterations": iterations, "epochs": self.epochs.rows()}
        if self.thinned:
            out["thinned"] = self.thinned
        return out

    # ---------------------------------------------------------------- files
    def write_csv(self, path) -> Path:
        """One row per iteration; train_acc/val_acc filled on the rows that ended an epoch.
        A thinned run (see the module docstring) starts with one ``#`` line saying what was thinned."""
        path = Path(path)
        by_iteration = {int(it): (tr, va) for it, tr, va in zip(self.epochs["iteration"], self.epochs["train_acc"],
                                                                 self.epochs["val_acc"])}
        header = list(ITERATION_COLUMNS) + ["train_acc", "val_acc", SMOOTHED]

        def write(fh):
            writer = csv.writer(fh)
            if self.thinned:
                fh.write(f"# thinned: {json.dumps(self.thinned)}\n")
            writer.writerow(header)
            cols = [self.iterations[c].tolist() for c in ITERATION_COLUMNS]
            smoothed = self.smoothed_loss.tolist()
            for i, vals in enumerate(zip(*cols)):
                tr, va = by_iteration.get(int(vals[0]), (math.nan, math.nan))
                row = list(vals) + [tr, va, smoothed[i]]
                writer.writerow(["" if (isinstance(v, float) and math.isnan(v)) else
                                 (int(v) if c == "iteration" else repr(float(v)))
                                 for c, v in zip(header, row)])

        _atomic_text(path, write, newline="")
        return path

    def write_json(self, path) -> Path:
        path = Path(path)
        _atomic_text(path, lambda fh: json.dump(self.to_dict(), fh, indent=1, allow_nan=False))
        return path


def _atomic_text(path: Path, write, newline=None) -> None:
    """Write through a temporary file in the same folder, then rename (never a half-written file)."""
    write_atomic(path, write, "w", encoding="utf-8", newline=newline)
