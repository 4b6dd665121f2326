"""Regularization tab: where the regularized minimum of the 2-weight model sits as lambda grows.

Left: data-loss contours (no penalty), the penalty contour through the regularized minimum
w*(lam) (L2 circle, L1 diamond, elastic-net rounded diamond), the data-loss contour through
w*, the path of w* over all lambdas, and the max-norm circle the weights are projected into.
Right: the regularization path, w1 and w2 against lambda. The minima come from the engine's
proximal gradient (``regpath``), computed on the worker; the slider only picks one of them.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout,
                               QWidget)

from visualdl.data.toy import GENERATORS, TITLES as TOY_TITLES
from visualdl.engine.optimization.contours import contour_segments, levels_for
from visualdl.engine.optimization.model_surface import toy_model_surface
from visualdl.engine.optimization.regpath import default_lambdas, regularization_path, regularized_minimum
from visualdl.labs.common.palette import class_hex
from visualdl.labs.common.widgets import combo, guard_wheel_in, spin
from visualdl.ui.export import install_export_menu

KINDS = [("l1", "L1 (lasso)"), ("l2", "L2 (weight decay)"), ("elastic", "elastic net")]
BOUND = 8.0


def penalty_contour(kind: str, c: float, n: int = 361) -> np.ndarray:
    """(n, 2) points of {w : R(w) = c} with R as the engine defines it (l2: 0.5|w|^2, l1: |w|_1,
    elastic: |w|_1 + 0.5|w|^2), found along each direction u as the radius r with R(r u) = c."""
    t = np.linspace(0, 2 * np.pi, n)
    u = np.column_stack([np.cos(t), np.sin(t)])
    a = np.abs(u).sum(axis=1)
    if kind == "l2":
        r = np.full(n, np.sqrt(2 * c))
    elif kind == "l1":
        r = c / a
    else:
        r = -a + np.sqrt(a * a + 2 * c)
    return u * r[:, None]


def path_job(ctl, dataset: str, kind: str, max_norm):
    """Worker job: the model, its data-loss grid and contours, and the minima for every lambda."""
    model = toy_model_surface(dataset)
    xs = np.linspace(-BOUND, BOUND, 200)
    X, Y = np.meshgrid(xs, xs)
    Z = model.data_loss_grid(X, Y)
    C = np.log10(Z - Z.min() + 1e-3)
    lams, W = regularization_path(model, kind, default_lambdas(), max_norm=max_norm)
    free = regularized_minimum(model, "none", 0.0, max_iter=5000)
    return {"dataset": dataset, "kind": kind, "max_norm": max_norm, "model": model, "xs": xs, "Z": Z,
            "segments": contour_segments(C, xs, xs, levels_for(C, 12)), "lams": lams, "W": W, "free": free}


class RegPage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.job = None
        self.result: dict | None = None
        self.map = pg.PlotWidget(background="w")
        self.map.setAspectLocked(True)
        self.map.setLabel("bottom", "w1")
        self.map.setLabel("left", "w2")
        self.map.setTitle("Data-loss contours, penalty contour, regularized minimum", size="9pt")
        self.map.addLegend(offset=(5, 5), labelTextSize="8pt")
        self.data_contours = self.map.plot([], [], connect="pairs", pen=pg.mkPen("#9aa", width=1),
                                           name="data loss contours")
        self.level_curve = self.map.plot([], [], connect="pairs", pen=pg.mkPen(class_hex(0), width=2),
                                         name="data loss through w*")
        self.penalty_family = self.map.plot([], [], connect="finite", pen=pg.mkPen((255, 127, 14, 90), width=1),
                                            name="penalty contours")
        self.penalty_curve = self.map.plot([], [], pen=pg.mkPen(class_hex(1), width=2), name="penalty R(w) = R(w*)")
        self.norm_circle = self.map.plot([], [], pen=pg.mkPen("#555", width=2, style=Qt.PenStyle.DashLine),
                                         name="max-norm circle")
        self.path_curve = self.map.plot([], [], pen=pg.mkPen(class_hex(3), width=1.5), name="w* as λ grows")
        self.free_point = self.map.plot([], [], pen=None, symbol="star", symbolSize=16, symbolBrush="#ffd000",
                                        name="minimum without penalty")
        self.point = self.map.plot([], [], pen=None, symbol="o", symbolSize=12, symbolBrush=class_hex(3),
                                   name="regularized minimum w*")
        self.path_plot = pg.PlotWidget(background="w")
        self.path_plot.setTitle("Regularization path", size="9pt")
        self.path_plot.setLabel("bottom", "log10 λ (λ = 0 drawn at the left end)")
        self.path_plot.setLabel("left", "weight at the minimum")
        self.path_plot.addLegend(offset=(-5, 5))
        self.w1_curve = self.path_plot.plot([], [], pen=pg.mkPen(class_hex(0), width=2), symbol="o", symbolSize=4,
                                            name="w1")
        self.w2_curve = self.path_plot.plot([], [], pen=pg.mkPen(class_hex(2), width=2), symbol="o", symbolSize=4,
                                            name="w2")
        self.lam_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#888", style=Qt.PenStyle.DashLine))
        self.path_plot.addItem(self.lam_line)
        self.path_plot.addItem(pg.InfiniteLine(angle=0, pen=pg.mkPen("#ccc")))

        self.kind = combo(KINDS)
        self.dataset = combo([(k, TOY_TITLES[k].replace(" (2D)", "")) for k in ["moons"] + [
            k for k in GENERATORS if k != "moons"]])
        self.lam_slider = QSlider(Qt.Orientation.Horizontal)
        self.lam_slider.setRange(0, len(default_lambdas()) - 1)
        self.lam_slider.setValue(20)
        self.max_norm_check = QCheckBox("max-norm |w| ≤")
        self.max_norm = spin(0.1, 20.0, 2.0, decimals=2, step=0.1)
        self.info = QLabel("Computing…")
        self.info.setWordWrap(True)
        self.info.setStyleSheet("font-family: monospace;")
        controls = QGroupBox("Regularization")
        form = QFormLayout(controls)
        form.addRow("Data (2 classes)", self.dataset)
        form.addRow("Penalty", self.kind)
        form.addRow("λ", self.lam_slider)
        h = QHBoxLayout()
        h.addWidget(self.max_norm_check)
        h.addWidget(self.max_norm)
        form.addRow(h)
        form.addRow(self.info)
        note = QLabel("Minima by proximal gradient descent: L1's soft-thresholding sets a weight to exactly "
                      "0.0 once its data gradient is below λ; L2 only shrinks. Max-norm projects w back into "
                      "the circle after every step.")
        note.setWordWrap(True)
        form.addRow(note)
        right = QVBoxLayout()
        right.addWidget(self.path_plot, 1)
        right.addWidget(controls)
        layout = QHBoxLayout(self)
        layout.addWidget(self.map, 3)
        layout.addLayout(right, 2)
        self.kind.currentIndexChanged.connect(self._recompute)
        self.dataset.currentIndexChanged.connect(self._recompute)
        self.max_norm_check.toggled.connect(self._recompute)
        self.max_norm.valueChanged.connect(self._recompute)
        self.lam_slider.valueChanged.connect(self._show_lambda)
        install_export_menu(self.map, "Regularized minimum")
        install_export_menu(self.path_plot, "Regularization path")
        guard_wheel_in(self)
        self._recompute()

    def _max_norm(self):
        return self.max_norm.value() if self.max_norm_check.isChecked() else None

    @Slot()
    def _recompute(self, *_):
        if self.job is not None and self.job.is_running():
            self.job.cancel()
        self.info.setText("Computing the minima…")
        self.job = self.ctx.runner.submit(path_job, self.dataset.currentData(), self.kind.currentData(),
                                          self._max_norm(), title="regularization-path")
        self.job.finished.connect(self._on_path_ready)

    @Slot(object)
    def _on_path_ready(self, result) -> None:
        if result is None or (result["dataset"], result["kind"], result["max_norm"]) != (
                self.dataset.currentData(), self.kind.currentData(), self._max_norm()):
            return
        self.result = result
        seg = result["segments"]
        self.data_contours.setData(seg[:, 0], seg[:, 1])
        W, lams = result["W"], result["lams"]
        self.path_curve.setData(W[:, 0], W[:, 1])
        self.free_point.setData([result["free"][0]], [result["free"][1]])
        x = self.path_x(lams)
        self.w1_curve.setData(x, W[:, 0])
        self.w2_curve.setData(x, W[:, 1])
        c = result["max_norm"]
        if c is None:
            self.norm_circle.setData([], [])
        else:
            t = np.linspace(0, 2 * np.pi, 200)
            self.norm_circle.setData(c * np.cos(t), c * np.sin(t))
        self._show_lambda()

    @staticmethod
    def family_levels(kind: str) -> list[float]:
        """Penalty values whose contours pass through |w1| = 1, 2, ..., 7 on the axes."""
        r = np.arange(1, 8, dtype=float)
        return list({"l2": 0.5 * r * r, "l1": r, "elastic": r + 0.5 * r * r}[kind])

    @staticmethod
    def path_x(lams) -> np.ndarray:
        """log10 lambda, with lambda = 0 placed one step left of the smallest positive lambda."""
        lams = np.asarray(lams, float)
        pos = lams[lams > 0]
        x = np.log10(np.where(lams > 0, lams, 1.0))
        if len(pos) > 1:
            x[lams == 0] = np.log10(pos[0]) - (np.log10(pos[1]) - np.log10(pos[0]))
        return x

    @Slot()
    def _show_lambda(self, *_):
        r = self.result
        if r is None:
            return
        k = self.lam_slider.value()
        lam, w = float(r["lams"][k]), r["W"][k]
        self.point.setData([w[0]], [w[1]])
        self.lam_line.setValue(self.path_x(r["lams"])[k])
        kind = r["kind"]
        R = {"l2": 0.5 * (w @ w), "l1": np.abs(w).sum(), "elastic": np.abs(w).sum() + 0.5 * (w @ w)}[kind]
        if R > 0:
            pc = penalty_contour(kind, R)
            self.penalty_curve.setData(pc[:, 0], pc[:, 1])
        else:
            self.penalty_curve.setData([0.0], [0.0])
        family = [np.vstack([penalty_contour(kind, c), [np.nan, np.nan]]) for c in self.family_levels(kind)]
        fam = np.concatenate(family)
        self.penalty_family.setData(fam[:, 0], fam[:, 1])
        model = r["model"]
        level = model.loss_parts(w)[0]
        seg = contour_segments(r["Z"], r["xs"], r["xs"], [level])
        self.level_curve.setData(seg[:, 0], seg[:, 1]) if len(seg) else self.level_curve.setData([], [])
        zeros = [f"w{j + 1}" for j in range(2) if w[j] == 0.0]
        zero_text = (f"{' and '.join(zeros)} {'is' if len(zeros) == 1 else 'are'} exactly 0.0" if zeros
                     else "no weight is exactly zero")
        data, reg = model.loss_parts(w)
        self.current = {"lam": lam, "w": w.copy(), "data_loss": data}
        self.info.setText(f"λ = {lam:.4g}\nw* = ({w[0]:.6g}, {w[1]:.6g})\n{zero_text}\n"
                          f"|w*| = {np.hypot(*w):.4g}   data loss {data:.4f}")

    def export_targets(self) -> dict:
        return {"Regularized minimum": self.map, "Regularization path": self.path_plot}

    def shutdown(self) -> None:
        if self.job is not None:
            self.job.cancel()
