"""Experiment 4: batch norm: per-layer histograms before/after BN, and two runs at a rate only BN survives."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFormLayout, QGridLayout, QHBoxLayout, QWidget

from visualdl.engine.experiments.deepnet import deep_net_statistics
from visualdl.engine.experiments.runs import bn_configs, train_side_by_side
from visualdl.labs.common.palette import run_hex
from visualdl.labs.common.widgets import guard_wheel_in, spin
from visualdl.labs.practice.common import (ExperimentPage, JobRunner, draw_ridge, make_plot, pen, side_panel,
                                           wrap_label)

NAMES = ("without BN", "with BN")


def bn_job(ctl, depth: int, width: int, lr: float, epochs: int, n_train: int, train: bool = True):
    """Worker job: histograms of a deep ReLU net with BN on unit-Gaussian data, then both nets trained
    side by side on the built-in images. Yields {"hists": ...} then {"losses": [[...], [...]], "accs": ...}."""
    from visualdl.data import load_dataset

    stats = deep_net_statistics(depth, width, 500, "kaiming", "relu", batchnorm=True, backward=False)
    yield {"hists": [(r["pre_hist"], r["bn_hist"]) for r in stats["layers"]]}
    if not train:
        return "histograms"
    data = load_dataset("builtin", n_train=n_train, n_val=500, n_test=10, cancel=ctl.cancel_event)
    losses, accs = [[], []], [[], []]
    for row in train_side_by_side(data, bn_configs(lr, depth, width), epochs, cancel=ctl.cancel_event):
        if row["done"]:
            break
        for k in range(2):
            if row["losses"][k] is not None:
                losses[k].append((row["iteration"], row["losses"][k]))
            if row["accs"][k] is not None:
                accs[k].append((row["epoch"], *row["accs"][k]))
        ctl.report_progress(int(row["epoch"] * 100), epochs * 100, "training both nets")
        yield {"losses": [list(v) for v in losses], "accs": [list(v) for v in accs]}
    return None if ctl.cancelled else "done"


class BatchNormPage(ExperimentPage):
    title = "Batch norm"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.depth_spin = spin(1, 20, 6)
        self.width_spin = spin(10, 1000, 100)
        self.lr_spin = spin(1e-4, 10.0, 0.3, decimals=4)
        self.epochs_spin = spin(1, 100, 3)
        self.train_spin = spin(200, 20000, 2000)
        self.runner = JobRunner(self, ctx, "Run", self._on_yield, self._on_done)
        self.runner.run_button.clicked.connect(self.run)
        form = QWidget()
        f = QFormLayout(form)
        f.addRow(wrap_label("Two deep ReLU nets (Kaiming init), plain SGD, same seed: one plain, one with "
                            "batch norm after every Linear, before the ReLU. At lr 0.3 only the BN net trains "
                            "(the plain one diverges); at 0.1 both do."))
        f.addRow("Hidden layers", self.depth_spin)
        f.addRow("Units per layer", self.width_spin)
        f.addRow("Learning rate", self.lr_spin)
        f.addRow("Epochs", self.epochs_spin)
        f.addRow("Training images", self.train_spin)
        f.addRow(self.runner.row())
        f.addRow(self.runner.status)
        guard_wheel_in(form)
        self.pre_plot = make_plot("Before BN (Linear output), per layer", "value", "layer", "before BN", self.plots)
        self.post_plot = make_plot("After BN, per layer", "value", "layer", "after BN", self.plots)
        self.loss_plot = make_plot("Training loss", "iteration", "loss", "bn loss", self.plots)
        self.loss_plot.addLegend(offset=(-5, 5))
        self.acc_plot = make_plot("Validation accuracy", "epoch", "accuracy", "bn accuracy", self.plots)
        self.acc_plot.addLegend(offset=(5, -5))
        self.acc_plot.setYRange(0, 1)
        grid = QGridLayout()
        grid.addWidget(self.pre_plot, 0, 0)
        grid.addWidget(self.post_plot, 0, 1)
        grid.addWidget(self.loss_plot, 1, 0)
        grid.addWidget(self.acc_plot, 1, 1)
        plots = QWidget()
        plots.setLayout(grid)
        lay = QHBoxLayout(self)
        lay.addWidget(side_panel(form))
        lay.addWidget(plots, 1)
        self.last = None

    def first_show(self) -> None:
        if self.last is None and not self.runner.running():  # the histograms only: training is a click away
            self.runner.start(bn_job, self.depth_spin.value(), self.width_spin.value(), self.lr_spin.value(),
                              0, 10, train=False, title="Batch norm histograms")

    @Slot()
    def run(self) -> None:
        self.loss_plot.clear()
        self.acc_plot.clear()
        self.runner.start(bn_job, self.depth_spin.value(), self.width_spin.value(), self.lr_spin.value(),
                          self.epochs_spin.value(), self.train_spin.value(), title="Batch norm runs")

    @Slot(object)
    def _on_yield(self, value) -> None:
        if "hists" in value:
            labels = [str(i + 1) for i in range(len(value["hists"]))]
            draw_ridge(self.pre_plot, [h[0] for h in value["hists"]], labels)
            draw_ridge(self.post_plot, [h[1] for h in value["hists"]], labels, colour_of=lambda k: run_hex(2))
            return
        self.last = value
        self.loss_plot.clear()
        self.acc_plot.clear()
        lines = []
        for k in range(2):
            if value["losses"][k]:
                it, loss = np.array(value["losses"][k]).T
                self.loss_plot.plot(it, loss, pen=pen(k, 1.5), name=NAMES[k])
            if value["accs"][k]:
                a = np.array(value["accs"][k])
                self.acc_plot.plot(a[:, 0], a[:, 2], pen=pen(k), symbol="o", symbolSize=5, name=NAMES[k])
                lines.append(f"{NAMES[k]}: val accuracy {a[-1, 2]:.1%} after epoch {a[-1, 0]:.0f}")
        self.loss_plot.setYRange(0, 5)  # ln(10) = 2.3 at the start; a diverging run leaves the top
        # a run whose loss stopped coming while the other's goes on has diverged (the trainer stops it)
        longest = max(len(v) for v in value["losses"])
        lines += [f"{NAMES[k]}: diverged after {len(value['losses'][k])} iterations (loss not finite)"
                  for k in range(2) if len(value["losses"][k]) < longest]
        self.runner.status.setText("\n".join(lines))

    @Slot(object)
    def _on_done(self, result) -> None:
        pass
