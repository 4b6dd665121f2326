"""Loss functions tab: softmax and SVM loss as one score moves; a dataset's loss as the mean of
its per-example losses plus the regularization term, L = (1/N) sum_i L_i + lam R(W).

Numbers from the engine: ``loss_views.score_sweep`` (worked_examples' softmax/SVM steps) and
``loss_views.dataset_loss`` (losses.softmax_loss, the Regularizer).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from visualdl.data.toy import GENERATORS, TITLES as TOY_TITLES
from visualdl.engine.optimization.loss_views import dataset_loss, score_sweep
from visualdl.engine.optimization.model_surface import toy_model_surface
from visualdl.engine.course.worked_examples import LOSS_EXAMPLE_CLASSES, LOSS_EXAMPLE_SCORES
from visualdl.labs.common.palette import class_hex
from visualdl.labs.common.widgets import combo, guard_wheel_in, spin
from visualdl.ui.export import install_export_menu

REG_TEXT = {"none": "0", "l2": "0.5·λ·|w|²", "l1": "λ·|w|₁", "elastic": "λ·(|w|₁ + 0.5·|w|²)"}


class LossPage(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        # --- loss vs one score
        self.score_plot = pg.PlotWidget(background="w")
        self.score_plot.setTitle("Loss of one image as one class score moves", size="9pt")
        self.score_plot.setLabel("left", "loss L_i")
        self.score_plot.addLegend(offset=(5, 5))
        self.softmax_curve = self.score_plot.plot([], [], pen=pg.mkPen(class_hex(0), width=2), name="softmax")
        self.svm_curve = self.score_plot.plot([], [], pen=pg.mkPen(class_hex(1), width=2), name="SVM (hinge)")
        self.marks = pg.ScatterPlotItem(size=10, brush="k")
        self.score_plot.addItem(self.marks)
        self.vline = pg.InfiniteLine(angle=90, pen=pg.mkPen("#888", style=Qt.PenStyle.DashLine))
        self.score_plot.addItem(self.vline)
        self.score_spins = [spin(-50.0, 50.0, float(v), decimals=2, step=0.1) for v in LOSS_EXAMPLE_SCORES[0]]
        classes = [(i, c) for i, c in enumerate(LOSS_EXAMPLE_CLASSES)]
        self.true_class = combo(classes)
        self.varied = combo(classes)
        self.varied.setCurrentIndex(1)
        self.score_text = QLabel("")
        self.score_text.setStyleSheet("font-family: monospace;")
        self.score_text.setWordWrap(True)
        left = QGroupBox("Softmax and SVM loss (the course's cat image)")
        grid = QGridLayout(left)
        grid.addWidget(self.score_plot, 0, 0, 1, 6)
        for i, (name, box) in enumerate(zip(LOSS_EXAMPLE_CLASSES, self.score_spins)):
            grid.addWidget(QLabel(f"score {name}"), 1, 2 * i)
            grid.addWidget(box, 1, 2 * i + 1)
        grid.addWidget(QLabel("true class"), 2, 0)
        grid.addWidget(self.true_class, 2, 1)
        grid.addWidget(QLabel("vary the score of"), 2, 2, 1, 2)
        grid.addWidget(self.varied, 2, 4)
        grid.addWidget(self.score_text, 3, 0, 1, 6)

        # --- per-example bars
        self.bars_plot = pg.PlotWidget(background="w")
        self.bars_plot.setTitle("L = (1/N) Σ L_i + λR(w): per-example losses", size="9pt")
        self.bars_plot.setLabel("left", "loss")
        self.bars_plot.getPlotItem().getAxis("left").enableAutoSIPrefix(False)
        self.bars_plot.setLabel("bottom", "example i (then: data loss, λR, total)")
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8)
        self.parts = pg.BarGraphItem(x=[], height=[], width=0.8)
        self.bars_plot.addItem(self.bars)
        self.bars_plot.addItem(self.parts)
        # the bar tops as points too: they carry the numbers into the CSV export
        self.bar_tops = self.bars_plot.plot([], [], pen=None, symbol="o", symbolSize=5, symbolBrush="k", name="L_i")
        self.part_tops = self.bars_plot.plot([], [], pen=None, symbol="o", symbolSize=5, symbolBrush="k",
                                             name="data loss, lam R, total")
        self.mean_line = pg.InfiniteLine(angle=0, pen=pg.mkPen("k", style=Qt.PenStyle.DashLine))
        self.bars_plot.addItem(self.mean_line)
        self.dataset = combo([(k, TOY_TITLES[k].replace(" (2D)", "")) for k in ["moons"] + [
            k for k in GENERATORS if k != "moons"]])
        self.n = spin(1, 40, 10)
        self.w1 = spin(-10.0, 10.0, 1.0, decimals=2, step=0.1)
        self.w2 = spin(-10.0, 10.0, -2.0, decimals=2, step=0.1)
        self.reg = combo([("l2", "L2"), ("none", "none"), ("l1", "L1"), ("elastic", "elastic net")])
        self.lam = spin(0.0, 10.0, 0.1, decimals=3, step=0.01)
        self.sum_text = QLabel("")
        self.sum_text.setStyleSheet("font-family: monospace;")
        self.sum_text.setWordWrap(True)
        self.sum_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        right = QGroupBox("The loss over a dataset (2-weight logistic model)")
        v = QVBoxLayout(right)
        v.addWidget(self.bars_plot, 1)
        form = QFormLayout()
        h = QHBoxLayout()
        for label, w in (("N", self.n), ("w1", self.w1), ("w2", self.w2)):
            h.addWidget(QLabel(label))
            h.addWidget(w)
        form.addRow("Data (2 classes)", self.dataset)
        form.addRow(h)
        h2 = QHBoxLayout()
        h2.addWidget(self.reg)
        h2.addWidget(QLabel("λ"))
        h2.addWidget(self.lam)
        form.addRow("Regularization", h2)
        v.addLayout(form)
        v.addWidget(self.sum_text)
        layout = QHBoxLayout(self)
        layout.addWidget(left, 1)
        layout.addWidget(right, 1)
        for box in self.score_spins:
            box.valueChanged.connect(self._update_scores)
        self.true_class.currentIndexChanged.connect(self._update_scores)
        self.varied.currentIndexChanged.connect(self._update_scores)
        for w in (self.n, self.w1, self.w2, self.lam):
            w.valueChanged.connect(self._update_bars)
        for w in (self.dataset, self.reg):
            w.currentIndexChanged.connect(self._update_bars)
        install_export_menu(self.score_plot, "Loss vs one score")
        install_export_menu(self.bars_plot, "Per-example losses")
        guard_wheel_in(self)
        self._update_scores()
        self._update_bars()

    @Slot()
    def _update_scores(self, *_):
        scores = np.array([b.value() for b in self.score_spins])
        y, j = self.true_class.currentData(), self.varied.currentData()
        values = np.linspace(scores[j] - 8, scores[j] + 8, 321)
        sweep = score_sweep(scores, y, j, values)
        self.softmax_curve.setData(values, sweep["softmax"])
        self.svm_curve.setData(values, sweep["svm"])
        self.marks.setData([scores[j], scores[j]], [sweep["at"]["softmax"], sweep["at"]["svm"]])
        self.vline.setValue(scores[j])
        self.score_plot.setLabel("bottom", f"score of {LOSS_EXAMPLE_CLASSES[j]}")
        names = LOSS_EXAMPLE_CLASSES
        terms = [f"max(0, {scores[k]:g} − {scores[y]:g} + 1)" for k in range(len(scores)) if k != y]
        probs = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
        self.sweep = sweep
        self.score_text.setText(
            f"true class {names[y]}, {names[j]}'s score varies (others fixed)\n"
            f"SVM:     {' + '.join(terms)} = {sweep['at']['svm']:.2f}\n"
            f"softmax: −ln p({names[y]}) = −ln {probs[y]:.4f} = {sweep['at']['softmax']:.2f}")

    @Slot()
    def _update_bars(self, *_):
        model = toy_model_surface(self.dataset.currentData(), reg=self.reg.currentData(), lam=self.lam.value())
        n = min(self.n.value(), model.n)
        w = np.array([self.w1.value(), self.w2.value()])
        self.result = parts = dataset_loss(model, w, n)
        per = parts["per_example"]
        x = np.arange(1, n + 1)
        self.bars.setOpts(x=x, height=per, brushes=[class_hex(int(c)) for c in parts["labels"]])
        extra = np.array([n + 2, n + 3, n + 4])
        self.parts.setOpts(x=extra, height=[parts["data_loss"], parts["reg_loss"], parts["total"]],
                           brushes=["#555555", "#c9a000", "#000000"])
        self.bar_tops.setData(x, per)
        self.part_tops.setData(extra, [parts["data_loss"], parts["reg_loss"], parts["total"]])
        self.mean_line.setValue(parts["data_loss"])
        ticks = [(int(i), str(int(i))) for i in x] + list(zip(extra.tolist(), ["data", "λR", "L"]))
        self.bars_plot.getPlotItem().getAxis("bottom").setTicks([ticks])
        shown = " + ".join(f"{v:.3f}" for v in per[:6]) + (" + …" if n > 6 else "")
        self.sum_text.setText(
            f"L = (1/N) Σ L_i + λR(w),  R = {REG_TEXT[self.reg.currentData()]}\n"
            f"  = (1/{n})({shown}) + {parts['reg_loss']:.4f}\n"
            f"  = {parts['data_loss']:.4f} + {parts['reg_loss']:.4f} = {parts['total']:.4f}\n"
            f"(Σ L_i = {per.sum():.4f}; the dashed line is the data loss, their mean)")

    def export_targets(self) -> dict:
        return {"Loss vs one score": self.score_plot, "Per-example losses": self.bars_plot}

    def shutdown(self) -> None:
        pass
