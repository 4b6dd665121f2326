"""Two small teaching panels: one neuron (the course's biological-neuron slide) and the formulas.

SingleNeuronPanel: inputs x_i, weights w_i, bias b, an activation; shows the weighted sum
s = sum_i w_i x_i + b and the output f(s) (engine: neuron_output), and f's curve with (s, f(s)).
FormulaPanel: f = W2 max(0, W1 x) ... with the current dimensions filled in and every layer's
parameter count (engine: formula), next to the course's CIFAR-10 net 3072 -> 100 -> 10.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFormLayout, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from visualdl.labs.common.palette import run_hex
from visualdl.atomic import write_atomic
from visualdl.engine.playground.network import ACTIVATIONS, activate, formula, neuron_output
from visualdl.labs.common.widgets import combo, guard_wheel_in, spin
from visualdl.ui.export import install_export_menu

CIFAR_SIZES = [3072, 100, 10]


class SingleNeuronPanel(QWidget):
    N_INPUTS = 3

    def __init__(self, parent=None):
        super().__init__(parent)
        grid = QGridLayout()
        grid.addWidget(QLabel("i"), 0, 0)
        grid.addWidget(QLabel("input x_i"), 0, 1)
        grid.addWidget(QLabel("weight w_i"), 0, 2)
        self.x_spins, self.w_spins = [], []
        for i, (x, w) in enumerate(zip((1.0, -2.0, 0.5), (0.5, 0.25, -2.0))):
            xs, ws = spin(-100, 100, x, decimals=2, step=0.1), spin(-100, 100, w, decimals=2, step=0.1)
            grid.addWidget(QLabel(str(i + 1)), i + 1, 0)
            grid.addWidget(xs, i + 1, 1)
            grid.addWidget(ws, i + 1, 2)
            self.x_spins.append(xs)
            self.w_spins.append(ws)
        form = QFormLayout()
        self.bias_spin = spin(-100, 100, 0.3, decimals=2, step=0.1)
        self.activation_combo = combo(list(ACTIVATIONS.items()))
        form.addRow("bias b", self.bias_spin)
        form.addRow("activation f", self.activation_combo)
        self.sum_label = QLabel()
        self.out_label = QLabel()
        for lab in (self.sum_label, self.out_label):
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            lab.setWordWrap(True)
        self.plot = pg.PlotWidget(title="f(s)")
        self.plot.setMinimumSize(100, 100)
        self.plot.setBackground("w")
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.curve = self.plot.plot([], [], pen=pg.mkPen("#444", width=2), name="f")
        self.dot = self.plot.plot([], [], pen=None, symbol="o", symbolBrush=run_hex(3), symbolSize=10, name="(s, f(s))")
        install_export_menu(self.plot, "single neuron")
        left = QVBoxLayout()
        left.addLayout(grid)
        left.addLayout(form)
        left.addWidget(self.sum_label)
        left.addWidget(self.out_label)
        left.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addWidget(self.plot, 1)
        guard_wheel_in(self)
        for box in self.x_spins + self.w_spins + [self.bias_spin]:
            box.valueChanged.connect(self._on_value_change)
        self.activation_combo.currentIndexChanged.connect(self._on_value_change)
        self.refresh()

    @Slot()
    def _on_value_change(self, *_):
        self.refresh()

    def refresh(self) -> None:
        x = [s.value() for s in self.x_spins]
        w = [s.value() for s in self.w_spins]
        b = self.bias_spin.value()
        act = self.activation_combo.currentData()
        s, out = neuron_output(x, w, b, act)
        terms = " + ".join(f"({wi:g})({xi:g})" for wi, xi in zip(w, x))
        self.sum_label.setText(f"s = Σ w_i x_i + b = {terms} + ({b:g}) = {s:.4g}")
        self.out_label.setText(f"output = {ACTIVATIONS[act]}(s) = {out:.4g}")
        self.plot.setToolTip("The activation f; the red dot is this neuron: (s, f(s))")
        lo, hi = min(-4.0, s - 1), max(4.0, s + 1)
        zs = np.linspace(lo, hi, 200)
        self.curve.setData(zs, activate(act, zs))
        self.dot.setData([s], [out])


class FormulaPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addStretch(1)
        self.current: dict | None = None
        self.cifar = formula(CIFAR_SIZES, "relu")
        install_export_menu(self, "formulas")

    @staticmethod
    def _table(f: dict) -> str:
        rows = "".join(f"<tr><td>{d['name']}</td><td>{d['rows']}×{d['cols']}</td>"
                       f"<td align='right'>{d['weights']:,}</td><td align='right'>{d['biases']:,}</td>"
                       f"<td align='right'><b>{d['params']:,}</b></td></tr>"
                       for d in f["layers"])
        return ("<table cellspacing='0' cellpadding='2'><tr><th align='left'>layer</th><th>shape</th><th>weights</th>"
                f"<th>biases</th><th>params</th></tr>{rows}<tr><td colspan='4'>total</td>"
                f"<td align='right'><b>{f['total']:,}</b></td></tr></table>")

    def set_net(self, sizes, activation: str) -> None:
        self.current = formula(sizes, activation)
        cur, cif = self.current, self.cifar
        self.label.setText(
            f"<p><b>This net</b> ({' → '.join(map(str, sizes))}):<br>"
            f"<span style='font-size:13pt'>{cur['text']}</span>"
            f"<br>{cur['shapes']}</p>{self._table(cur)}"
            f"<p><b>The course's CIFAR-10 net</b> ({' → '.join(map(str, CIFAR_SIZES))}):<br>"
            f"<span style='font-size:13pt'>{cif['text']}</span><br>{cif['shapes']}</p>{self._table(cif)}"
            "<p>Biases are left out of the formulas, as in the course; they are counted in params.</p>")

    def export_csv(self, path) -> None:
        def write(fh):
            fh.write("net,layer,rows,columns,weights,biases,params\n")
            for net, f in (("this", self.current), ("cifar10", self.cifar)):
                for d in (f or {"layers": []})["layers"]:
                    fh.write(f"{net},{d['name']},{d['rows']},{d['cols']},{d['weights']},{d['biases']},{d['params']}\n")

        write_atomic(path, write, encoding="utf-8")
