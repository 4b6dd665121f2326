"""Experiment 6: overfitting on a small training subset, with and without regularization."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QVBoxLayout, QWidget

from visualdl.engine.experiments.runs import overfit_configs, subset, train_side_by_side
from visualdl.labs.common.palette import run_hex
from visualdl.labs.common.widgets import combo, guard_wheel_in, spin
from visualdl.labs.practice.common import ExperimentPage, JobRunner, make_plot, pen, side_panel, wrap_label

NAMES = ("no regularization", "L2 + dropout")


def overfit_job(ctl, source: str, n_train: int, epochs: int, reg: float, dropout: float, path=None):
    """Worker job: both nets on the first n_train training images; yields per-epoch accuracies
    {"accs": [[(epoch, train_acc, val_acc), ...] per net]}."""
    from visualdl.data import load_dataset

    if source == "cifar10":
        data = load_dataset("cifar10", path=path, num_train=max(n_train, 1), num_val=1000, num_test=0,
                            cancel=ctl.cancel_event)
    else:
        data = load_dataset("builtin", n_train=max(n_train, 1), n_val=1000, n_test=10, cancel=ctl.cancel_event)
    data = subset(data, n_train)
    accs = [[], []]
    for row in train_side_by_side(data, overfit_configs(reg, dropout), epochs, cancel=ctl.cancel_event):
        if row["done"]:
            break
        new = False
        for k in range(2):
            if row["accs"][k] is not None:
                accs[k].append((round(row["epoch"]), *row["accs"][k]))
                new = True
        ctl.report_progress(int(row["epoch"] * 100), epochs * 100, "training")
        if new:
            yield {"accs": [list(a) for a in accs]}
    return None if ctl.cancelled else "done"


class OverfitPage(ExperimentPage):
    title = "Overfitting"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        items = [("builtin", "Built-in images")] + ([("cifar10", "CIFAR-10")] if ctx.cifar_path() else [])
        self.source_combo = combo(items)
        self.n_spin = spin(20, 49000, 500)
        self.epochs_spin = spin(1, 200, 20)
        self.reg_spin = spin(0.0, 10.0, 0.1, decimals=4)
        self.dropout_spin = spin(0.0, 0.9, 0.5, decimals=2, step=0.1)
        self.runner = JobRunner(self, ctx, "Train both", self._on_yield, self._on_done)
        self.runner.run_button.clicked.connect(self.run)
        form = QWidget()
        f = QFormLayout(form)
        f.addRow(wrap_label("Train a net (one hidden layer of 200, Adam) on a small subset: training accuracy "
                            "climbs to 100% while validation accuracy stalls: the gap is overfitting. "
                            "Regularization trades training fit for generalization; on 500 built-in images "
                            "(15 epochs) L2 0.1 + dropout 0.5 moved validation from 71.5% to 72.2%, and "
                            "L2 1.0 shrank the gap to 21% but validation fell to 60%: more data is the "
                            "surest cure."))
        f.addRow("Data", self.source_combo)
        f.addRow("Training images", self.n_spin)
        f.addRow("Epochs", self.epochs_spin)
        f.addRow("L2 strength", self.reg_spin)
        f.addRow("Dropout (drop prob.)", self.dropout_spin)
        f.addRow(self.runner.row())
        f.addRow(self.runner.status)
        guard_wheel_in(form)
        ctx.cifar_path_changed.connect(self._on_cifar_path)
        self.acc_plots = [make_plot(f"Accuracy, {n}", "epoch", "accuracy", f"accuracy {n}", self.plots)
                          for n in NAMES]
        for p in self.acc_plots:
            p.setYRange(0, 1.02)
            p.addLegend(offset=(-5, -5))
        plots = QWidget()
        v = QVBoxLayout(plots)
        for p in self.acc_plots:
            v.addWidget(p)
        lay = QHBoxLayout(self)
        lay.addWidget(side_panel(form))
        lay.addWidget(plots, 1)
        self.accs = None

    @Slot(str)
    def _on_cifar_path(self, path: str) -> None:
        if self.source_combo.findData("cifar10") < 0:
            self.source_combo.insertItem(1, "CIFAR-10", "cifar10")

    @Slot()
    def run(self) -> None:
        for p in self.acc_plots:
            p.clear()
        self.runner.start(overfit_job, self.source_combo.currentData(), self.n_spin.value(), self.epochs_spin.value(),
                          self.reg_spin.value(), self.dropout_spin.value(), path=self.ctx.cifar_path(),
                          title="Overfitting runs")

    @Slot(object)
    def _on_yield(self, value) -> None:
        self.accs = value["accs"]
        lines = []
        for k, p in enumerate(self.acc_plots):
            p.clear()
            a = np.array(value["accs"][k], dtype=float)
            if not len(a):
                continue
            ep, tr, va = a[:, 0], a[:, 1], a[:, 2]
            c_tr = p.plot(ep, tr, pen=pen(k * 2, 2), symbol="o", symbolSize=4, name="train")
            c_va = p.plot(ep, va, pen=pen(k * 2 + 1, 2), symbol="s", symbolSize=4, name="validation")
            p.addItem(pg.FillBetweenItem(c_tr, c_va, brush=pg.mkBrush(run_hex(3) + "32")))
            gap = tr[-1] - va[-1]
            text = pg.TextItem(f"gap {gap:.0%}", color=run_hex(3), anchor=(1, 0.5))
            text.setPos(ep[-1], (tr[-1] + va[-1]) / 2)
            p.addItem(text)
            lines.append(f"{NAMES[k]}: train {tr[-1]:.1%}, val {va[-1]:.1%}, gap {gap:.1%}")
        self.runner.status.setText("\n".join(lines))

    @Slot(object)
    def _on_done(self, result) -> None:
        pass
