"""Experiment 2: activation functions (function, derivative, saturated regions) and dead ReLUs."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFormLayout, QGridLayout, QHBoxLayout, QWidget

from visualdl.engine.experiments.activations import (ACTIVATION_NAMES, ACTIVATION_NOTES, activation_curve,
                                                     dead_relu_run, saturated_regions)
from visualdl.labs.common.widgets import combo, guard_wheel_in, spin
from visualdl.labs.practice.common import ExperimentPage, JobRunner, make_plot, pen, side_panel, wrap_label

X_RANGE = 6.0


def dead_relu_job(ctl, data_params: dict, rates: list, iterations: int):
    """Worker job: load the built-in images, then train the ReLU net once per rate; yields
    {"run": k, "rows": [...]} (every row so far of run k)."""
    from visualdl.data import load_dataset

    data = load_dataset("builtin", cancel=ctl.cancel_event, **data_params)
    total = len(rates) * iterations
    for k, lr in enumerate(rates):
        rows = []
        for row in dead_relu_run(data, lr, iterations, every=5, cancel=ctl.cancel_event):
            rows.append(row)
            ctl.report_progress(k * iterations + row["iteration"], total, f"lr {lr:g}")
            yield {"run": k, "lr": lr, "rows": list(rows)}
        if ctl.cancelled:
            return None
    return "done"


class ActivationPage(ExperimentPage):
    title = "Activations"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.func_combo = combo(list(ACTIVATION_NAMES.items()))
        self.slope_spin = spin(0.0, 1.0, 0.01, decimals=3, step=0.01)
        self.alpha_spin = spin(0.01, 5.0, 1.0, decimals=2, step=0.1)
        self.notes = wrap_label()
        self.high_lr = spin(1e-4, 10.0, 0.2, decimals=4)
        self.low_lr = spin(1e-4, 10.0, 0.02, decimals=4)
        self.iters_spin = spin(10, 5000, 150)
        self.train_spin = spin(100, 20000, 2000)
        self.runner = JobRunner(self, ctx, "Train (dead ReLU demo)", self._on_yield, self._on_done)
        self.runner.run_button.clicked.connect(self.run_dead)
        form = QWidget()
        f = QFormLayout(form)
        f.addRow("Function", self.func_combo)
        f.addRow("Leaky slope α", self.slope_spin)
        f.addRow("ELU α", self.alpha_spin)
        f.addRow(self.notes)
        f.addRow(wrap_label("<b>Dead ReLUs</b>: a ReLU net (2 hidden layers of 100) trained by SGD on the "
                            "built-in images; a unit is dead when it outputs 0 for all of 500 training images."))
        f.addRow("Too-high rate", self.high_lr)
        f.addRow("Reasonable rate", self.low_lr)
        f.addRow("Iterations", self.iters_spin)
        f.addRow("Training images", self.train_spin)
        f.addRow(self.runner.row())
        f.addRow(self.runner.status)
        guard_wheel_in(form)
        self.func_combo.currentIndexChanged.connect(self.draw_function)
        self.slope_spin.valueChanged.connect(self.draw_function)
        self.alpha_spin.valueChanged.connect(self.draw_function)

        self.func_plot = make_plot("Function and derivative", "x", "", "function", self.plots)
        self.func_plot.addLegend(offset=(5, 5))
        self.dead_plot = make_plot("Dead units per layer during training", "iteration", "fraction never active",
                                   "dead units", self.plots)
        self.dead_plot.addLegend(offset=(5, 5))
        self.dead_plot.setYRange(0, 1)
        self.loss_plot = make_plot("Training loss", "iteration", "loss", "dead-relu loss", self.plots)
        grid = QGridLayout()
        grid.addWidget(self.func_plot, 0, 0, 1, 2)
        grid.addWidget(self.dead_plot, 1, 0)
        grid.addWidget(self.loss_plot, 1, 1)
        plots = QWidget()
        plots.setLayout(grid)
        lay = QHBoxLayout(self)
        lay.addWidget(side_panel(form))
        lay.addWidget(plots, 1)
        self.runs: dict[int, dict] = {}
        self.draw_function()

    @Slot()
    def draw_function(self) -> None:
        name = self.func_combo.currentData()
        x = np.linspace(-X_RANGE, X_RANGE, 1201)
        y, d = activation_curve(name, x, slope=self.slope_spin.value(), alpha=self.alpha_spin.value())
        self.regions = saturated_regions(x, d)
        p = self.func_plot
        p.clear()
        for lo, hi in self.regions:
            region = pg.LinearRegionItem((lo, hi), movable=False, brush=pg.mkBrush(255, 160, 0, 50),
                                         pen=pg.mkPen(None))
            p.addItem(region)
        p.plot(x, y, pen=pen(0, 2.5), name=f"{ACTIVATION_NAMES[name]}(x)")
        p.plot(x, d, pen=pen(3, 2, style=pg.QtCore.Qt.PenStyle.DashLine), name="derivative")
        if self.regions:
            p.plot([], [], pen=None, symbol="s", symbolBrush=pg.mkBrush(255, 160, 0, 120),
                   name="saturated (slope &lt; 0.01)")
        self.notes.setText(ACTIVATION_NOTES[name])

    @Slot()
    def run_dead(self) -> None:
        self.runs = {}
        self.dead_plot.clear()
        self.loss_plot.clear()
        rates = [self.high_lr.value(), self.low_lr.value()]
        n = self.train_spin.value()
        self.runner.start(dead_relu_job, {"n_train": n, "n_val": 10, "n_test": 10}, rates,
                          self.iters_spin.value(), title="Dead ReLU demo")

    @Slot(object)
    def _on_yield(self, value) -> None:
        self.runs[value["run"]] = value
        self._redraw()

    def _redraw(self) -> None:
        self.dead_plot.clear()
        self.loss_plot.clear()
        styles = [pg.QtCore.Qt.PenStyle.SolidLine, pg.QtCore.Qt.PenStyle.DashLine]
        for k, run in sorted(self.runs.items()):
            rows = run["rows"]
            it = np.array([r["iteration"] for r in rows])
            dead = np.array([r["dead"] for r in rows])
            for layer in range(dead.shape[1]):
                self.dead_plot.plot(it, dead[:, layer], pen=pen(k, 2, styles[layer % 2]),
                                    name=f"lr {run['lr']:g}, layer {layer + 1}")
            loss = np.array([r["loss"] for r in rows], dtype=float)
            ok = np.isfinite(loss)
            self.loss_plot.plot(it[ok], loss[ok], pen=pen(k), name=f"lr {run['lr']:g}")
        self.loss_plot.setYRange(0, 5)  # ln(10) = 2.3 at the start; a blown-up loss goes off the top
        texts = []
        for k, run in sorted(self.runs.items()):
            last = run["rows"][-1]
            dead = ", ".join(f"{v:.0%}" for v in last["dead"])
            texts.append(f"lr {run['lr']:g}: dead after {last['iteration']} steps: {dead}"
                         + (" (diverged)" if "stopped" in last else ""))
        self.runner.status.setText("\n".join(texts))

    @Slot(object)
    def _on_done(self, result) -> None:
        if result is not None:
            self.runner.status.setText(self.runner.status.text() + "\nDone.")
