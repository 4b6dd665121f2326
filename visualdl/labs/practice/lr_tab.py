"""Experiment 5: learning-rate babysitting: one model at several rates, and the lr range test."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QVBoxLayout, QWidget

from visualdl.engine.experiments.lr import LR_SWEEP_DEFAULT, lr_range_test, lr_sweep
from visualdl.labs.common.palette import run_hex
from visualdl.labs.common.widgets import combo, guard_wheel_in, spin
from visualdl.labs.practice.common import ExperimentPage, JobRunner, make_plot, pen, side_panel, wrap_label

LR_NAMES = ("very high", "high", "low", "good")


def lr_config(preset: str = "two_layer") -> dict:
    return {"model": {"preset": preset}, "optim": {"name": "sgd"}, "reg": {"kind": "none", "strength": 0.0},
            "batch_size": 64, "seed": 0, "preprocess": "channel"}


def _data(ctl, source: str, n: int):
    from visualdl.data import load_dataset

    if source == "builtin":
        return load_dataset("builtin", n_train=n, n_val=10, n_test=10, cancel=ctl.cancel_event)
    return load_dataset(source, n_points=n)


def sweep_job(ctl, source: str, n: int, lrs: list, iterations: int):
    """Worker job: lr_sweep; yields {"kind": "sweep", "losses": [[(it, loss), ...] per rate]}."""
    data = _data(ctl, source, n)
    curves = [[] for _ in lrs]
    for row in lr_sweep(data, lr_config(), lrs, iterations, cancel=ctl.cancel_event):
        for k, loss in enumerate(row["losses"]):
            if loss is not None:
                curves[k].append((row["iteration"], loss))
        ctl.report_progress(row["iteration"], iterations, "training at every rate")
        yield {"kind": "sweep", "curves": [list(c) for c in curves]}
    return None if ctl.cancelled else "done"


def range_job(ctl, source: str, n: int, lr_min: float, lr_max: float, iterations: int):
    """Worker job: lr_range_test; yields partial curves, returns its result dict."""
    data = _data(ctl, source, n)
    gen = lr_range_test(data, lr_config(), lr_min, lr_max, iterations, cancel=ctl.cancel_event)
    lrs, losses = [], []
    while True:
        try:
            row = next(gen)
        except StopIteration as stop:
            return None if ctl.cancelled else {"kind": "range", **stop.value}
        lrs.append(row["lr"])
        losses.append(row["loss"])
        ctl.report_progress(row["i"] + 1, iterations, "range test")
        yield {"kind": "range", "lrs": list(lrs), "losses": list(losses)}


class LearningRatePage(ExperimentPage):
    title = "Learning rate"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.source_combo = combo([("builtin", "Built-in images"), ("spiral", "Spiral (2D)")])
        self.n_spin = spin(100, 20000, 2000)
        self.lr_spins = [spin(1e-6, 100.0, v, decimals=6) for v in LR_SWEEP_DEFAULT]
        self.iters_spin = spin(10, 5000, 150)
        self.min_spin = spin(1e-8, 1.0, 1e-5, decimals=8)
        self.max_spin = spin(1e-3, 1000.0, 10.0, decimals=3)
        self.range_iters = spin(10, 5000, 100)
        self.sweep = JobRunner(self, ctx, "Train at every rate", self._on_yield, self._on_done)
        self.range = JobRunner(self, ctx, "Range test", self._on_yield, self._on_done)
        self.sweep.run_button.clicked.connect(self.run_sweep)
        self.range.run_button.clicked.connect(self.run_range)
        self.runner, self.extra_runners = self.sweep, (self.range,)
        form = QWidget()
        f = QFormLayout(form)
        f.addRow("Data", self.source_combo)
        f.addRow("Training examples", self.n_spin)
        f.addRow(wrap_label("Two-layer net, plain SGD, the same initial weights and batches for every rate. "
                            "Measured on 2,000 built-in images: 1.0 explodes at once, 0.1 spikes and then "
                            "recovers, 1e-3 creeps down; the course's sketch is the idealised picture."))
        for name, box in zip(LR_NAMES, self.lr_spins):
            f.addRow(f"Rate ({name})", box)
        f.addRow("Iterations", self.iters_spin)
        f.addRow(self.sweep.row())
        f.addRow(self.sweep.status)
        f.addRow(wrap_label("<b>Range test</b>: one run whose rate grows exponentially each step."))
        f.addRow("From", self.min_spin)
        f.addRow("To", self.max_spin)
        f.addRow("Steps", self.range_iters)
        f.addRow(self.range.row())
        f.addRow(self.range.status)
        guard_wheel_in(form)
        self.sweep_plot = make_plot("Loss at each learning rate", "iteration", "loss", "lr sweep", self.plots)
        self.sweep_plot.addLegend(offset=(-5, 5))
        self.range_plot = make_plot("Range test: loss while the rate grows", "learning rate (log)", "loss",
                                    "lr range test", self.plots)
        self.range_plot.setLogMode(x=True)
        self.range_plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.range_plot.addLegend(offset=(5, 5))
        self.result = None
        plots = QWidget()
        v = QVBoxLayout(plots)
        v.addWidget(self.sweep_plot)
        v.addWidget(self.range_plot)
        lay = QHBoxLayout(self)
        lay.addWidget(side_panel(form, 270))
        lay.addWidget(plots, 1)

    @Slot()
    def run_sweep(self) -> None:
        self.sweep_plot.clear()
        self.sweep.start(sweep_job, self.source_combo.currentData(), self.n_spin.value(),
                         [b.value() for b in self.lr_spins], self.iters_spin.value(), title="Learning-rate sweep")

    @Slot()
    def run_range(self) -> None:
        self.range.start(range_job, self.source_combo.currentData(), self.n_spin.value(), self.min_spin.value(),
                         self.max_spin.value(), self.range_iters.value(), title="Learning-rate range test")

    @Slot(object)
    def _on_yield(self, value) -> None:
        if value["kind"] == "sweep":
            self.sweep_plot.clear()
            for k, curve in enumerate(value["curves"]):
                lr = self.lr_spins[k].value()
                if curve:
                    it, loss = np.array(curve).T
                    self.sweep_plot.plot(it, loss, pen=pen(k), name=f"{LR_NAMES[k]}: {lr:g}")
            self.sweep_plot.setYRange(0, 5)  # ln(10) = 2.3 at the start; diverging runs leave the top
            diverged = [f"{self.lr_spins[k].value():g}" for k, c in enumerate(value["curves"])
                        if len(c) < max(len(x) for x in value["curves"])]
            self.sweep.status.setText("Diverged: " + ", ".join(diverged) if diverged else "")
        else:
            self._draw_range(value)

    def _draw_range(self, value) -> None:
        p = self.range_plot
        p.clear()
        lrs, losses = np.array(value["lrs"]), np.array(value["losses"], dtype=float)
        ok = np.isfinite(losses)
        p.plot(lrs[ok], losses[ok], pen=pen(0, 1), name="loss")
        if ok.any():
            p.setYRange(0, 2 * float(losses[ok][0]))
        if "smoothed" in value:
            s = np.array(value["smoothed"], dtype=float)
            ok = np.isfinite(s)
            p.plot(lrs[ok], s[ok], pen=pen(1, 2.5), name="smoothed")
            if value["suggested"]:
                p.addItem(pg.InfiniteLine(np.log10(value["suggested"]), angle=90, pen=pen(2, 2),
                                          label=f"suggested {value['suggested']:.2g}",
                                          labelOpts={"position": 0.9, "color": run_hex(2)}))

    @Slot(object)
    def _on_done(self, result) -> None:
        if not result or result == "done":
            return
        self.result = result
        self._draw_range(result)
        if result["suggested"]:
            self.range.status.setText(f"Suggested rate: {result['suggested']:.3g} (steepest fall of the smoothed "
                                      f"loss); lowest loss at {result['lowest']:.3g}.")
        else:
            self.range.status.setText("Too few steps before the loss blew up: lower 'From'.")
