"""Lab 1, tab "Curse of dimensionality": why nearest neighbours on raw pixels struggle.

Three views, numbers from visualdl.engine.course.demos:
    grid        p points per axis need p^d points in d dimensions (4, 16, 64 ... 3072 dimensions of a
                CIFAR image: a power of ten); the grid drawn for d <= 3
    distances   (farthest - nearest) / nearest distance from a query against the dimension, on random
                data and on images (the built-in set, or CIFAR-10 when open) shrunk to s x s pixels
    test time   kNN's prediction time per test image against the training-set size, measured live on
                this machine, next to a linear classifier's (one W x + b, whatever the data size)
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from visualdl.labs.common.palette import class_rgb, run_hex
from visualdl.engine.course import demos as cd
from visualdl.labs.common.image_source import image_source_combo, start_image_load
from visualdl.labs.common.plots import legend_html, plain_axis
from visualdl.labs.common.widgets import combo, guard_wheel_in, spin
from visualdl.ui.export import install_export_menu
from visualdl.ui.presentation import controls_panel
from visualdl.ui.worker import LatestJob

DIMENSIONS = [(1, "1"), (2, "2"), (3, "3"), (10, "10"), (100, "100"), (3072, "3072 (CIFAR image)")]
RANDOM_DIMS = [1, 2, 3, 12, 48, 192, 768, 3072]
TIMING_SIZES = [250, 500, 1000, 2000, 4000]


def grid_points(p: int, d: int) -> np.ndarray:
    """The grid of p points per axis in d <= 3 dimensions, projected to 2D (an oblique view for d = 3)."""
    axis = np.arange(p, dtype=float)
    if d == 1:
        return np.stack([axis, np.zeros(p)], 1)
    if d == 2:
        return np.array([(a, b) for b in axis for a in axis])
    pts = np.array([(a, b, c) for c in axis for b in axis for a in axis])
    return np.stack([pts[:, 0] + 0.45 * pts[:, 2], pts[:, 1] + 0.35 * pts[:, 2]], 1)


def count_text(p: int, d: int) -> str:
    n = cd.grid_points_needed(p, d)
    if n < 10 ** 9:
        return f"{p}^{d} = {n:,} points"
    mantissa, exponent = cd.scientific(n)
    return f"{p}^{d} ≈ {mantissa:.2f} × 10^{exponent} points"


def concentration_job(ctl, images):
    """Worker job: relative contrast on random data and on the images, against the dimension."""
    random = cd.concentration_random(RANDOM_DIMS, n_points=500, n_queries=20)
    ctl.report_progress(1, 2, "random data")
    on_images = cd.concentration_images(images, n_queries=20, n_points=min(1000, len(images) - 20))
    ctl.report_progress(2, 2, "images")
    return {"random": random, "images": on_images}


def timing_job(ctl, X_train, y_train, X_test, sizes):
    """Worker job: seconds per test image of kNN (per training-set size) and of a linear classifier."""
    return cd.knn_vs_linear_timing(X_train, y_train, X_test, sizes, repeats=2, cancel=ctl.cancel_event,
                                   progress=ctl.report_progress)


class CursePage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.job = LatestJob()
        self.load_job = LatestJob()
        self.pending = None  # what to run once the images are loaded: "distances" or "timing"
        self.concentration: dict | None = None
        self.timing: dict | None = None
        self._build()
        self.show_grid()

    def _build(self) -> None:
        grid_box = QGroupBox("Points needed to cover the space")
        gform = QFormLayout(grid_box)
        self.points_spin = spin(1, 10, 4, keyboard_tracking=True)
        self.dim_combo = combo(DIMENSIONS)
        self.count_label = QLabel()
        self.count_label.setWordWrap(True)
        self.count_label.setStyleSheet("font-weight: bold;")
        gform.addRow("Points per axis", self.points_spin)
        gform.addRow("Dimensions", self.dim_combo)
        gform.addRow(self.count_label)

        data_box = QGroupBox("Measure on data")
        dform = QFormLayout(data_box)
        self.source_combo = image_source_combo()
        self.distances_button = QPushButton("Measure distance concentration")
        self.timing_button = QPushButton("Time kNN against a linear classifier")
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        dform.addRow("Images", self.source_combo)
        dform.addRow(self.distances_button)
        dform.addRow(self.timing_button)
        dform.addRow(self.status_label)

        side = QVBoxLayout()
        side.addWidget(grid_box)
        side.addWidget(data_box)
        side.addStretch(1)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setFixedWidth(300)

        self.grid_plot = pg.PlotWidget(title="The grid (drawn up to 3 dimensions)")
        self.grid_plot.setAspectLocked(True)
        self.grid_plot.hideAxis("left")
        self.grid_plot.hideAxis("bottom")
        self.grid_scatter = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(*class_rgb(0)), pen=pg.mkPen("k"),
                                               name="grid points")
        self.grid_plot.addItem(self.grid_scatter)
        self.grid_note = pg.TextItem("", color="k", anchor=(0.5, 0.5))
        self.grid_plot.addItem(self.grid_note)

        self.conc_plot = pg.PlotWidget(title="(farthest − nearest) / nearest distance<br><span style='font-size:9pt'>"
                                       + legend_html([("random data", run_hex(0), "●"),
                                                      ("images, shrunk to s×s×3", run_hex(1), "■")]) + "</span>")
        self.conc_plot.setLogMode(x=True, y=True)
        self.conc_plot.setLabel("bottom", "dimension d")
        self.conc_plot.setLabel("left", "relative contrast")
        for axis in ("left", "bottom"):
            plain_axis(self.conc_plot, axis)
        self.random_curve = self.conc_plot.plot(pen=pg.mkPen(class_rgb(0), width=2), symbol="o", symbolSize=6,
                                                symbolBrush=class_rgb(0), name="random data")
        self.images_curve = self.conc_plot.plot(pen=pg.mkPen(class_rgb(1), width=2, style=Qt.PenStyle.DashLine),
                                                symbol="s", symbolSize=6, symbolBrush=class_rgb(1), name="images")

        self.time_plot = pg.PlotWidget(title="Prediction time per test image<br><span style='font-size:9pt'>"
                                       + legend_html([("kNN (k = 1, L2)", run_hex(3), "●"),
                                                      ("linear classifier", run_hex(2), "■")]) + "</span>")
        self.time_plot.setLabel("bottom", "training images")
        self.time_plot.setLabel("left", "milliseconds per image")
        plain_axis(self.time_plot, "left")
        plain_axis(self.time_plot, "bottom")
        self.knn_curve = self.time_plot.plot(pen=pg.mkPen(class_rgb(3), width=2), symbol="o", symbolSize=6,
                                             symbolBrush=class_rgb(3), name="kNN")
        self.linear_curve = self.time_plot.plot(pen=pg.mkPen(class_rgb(2), width=2, style=Qt.PenStyle.DashLine),
                                                symbol="s", symbolSize=6, symbolBrush=class_rgb(2), name="linear")
        for plot, name in ((self.grid_plot, "curse grid"), (self.conc_plot, "distance concentration"),
                           (self.time_plot, "test time")):
            plot.setBackground("w")
            install_export_menu(plot, name)
        self.summary = QLabel("kNN stores the training set and compares each test image with all of it: "
                              "training is instant, testing slows down with every training image. "
                              "A linear classifier pays at training time and tests with one product.")
        self.summary.setWordWrap(True)

        right = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(self.grid_plot, 1)
        top.addWidget(self.conc_plot, 1)
        right.addLayout(top, 1)
        right.addWidget(self.time_plot, 1)
        right.addWidget(self.summary)
        layout = QHBoxLayout(self)
        layout.addWidget(controls_panel(side_widget))
        layout.addLayout(right, 1)
        guard_wheel_in(side_widget)

        self.points_spin.valueChanged.connect(self._on_grid_change)
        self.dim_combo.currentIndexChanged.connect(self._on_grid_change)
        self.distances_button.clicked.connect(self._on_distances_clicked)
        self.timing_button.clicked.connect(self._on_timing_clicked)

    # ------------------------------------------------------------------ grid
    @Slot()
    def _on_grid_change(self, *_args) -> None:
        self.show_grid()

    def show_grid(self) -> None:
        p, d = self.points_spin.value(), self.dim_combo.currentData()
        self.count_label.setText(count_text(p, d))
        if d <= 3:
            pts = grid_points(p, d)
            self.grid_scatter.setData(pos=pts)
            self.grid_note.setText("")
            self.grid_plot.setTitle(f"{p} per axis in {d}D: {cd.grid_points_needed(p, d):,} points")
            self.grid_plot.autoRange(padding=0.15)
        else:
            self.grid_scatter.setData([])
            self.grid_note.setText(count_text(p, d) + "\n(too many dimensions to draw)")
            self.grid_note.setPos(0, 0)
            self.grid_plot.setRange(xRange=(-1, 1), yRange=(-1, 1))
            self.grid_plot.setTitle(f"{p} per axis in {d} dimensions")

    # ------------------------------------------------------------------ measurements
    def grid_count(self) -> str:
        return self.count_label.text()

    @Slot()
    def _on_distances_clicked(self) -> None:
        self._start("distances")

    @Slot()
    def _on_timing_clicked(self) -> None:
        self._start("timing")

    def _start(self, what: str) -> None:
        source = self.source_combo.currentData()
        if start_image_load(self.ctx, source, 4000, 0, 200, self.status_label, self.load_job, self._on_loaded,
                            self._on_error) is None:
            return
        self.pending = what
        for button in (self.distances_button, self.timing_button):
            button.setEnabled(False)

    @Slot(object)
    def _on_loaded(self, data) -> None:
        if data is None or not self.load_job.is_current(self.sender()):
            self._buttons_on()
            return
        if self.pending == "distances":
            self.status_label.setText(f"Measuring distances on random data and {data.name} images…")
            self.job.start(self.ctx.runner.submit(concentration_job, data.X_train, title="distance-concentration"))
            self.job.job.finished.connect(self._on_concentration_done)
        else:
            sizes = [s for s in TIMING_SIZES if s <= len(data.y_train)]
            self.status_label.setText(f"Timing kNN on {data.name}: {', '.join(map(str, sizes))} training images…")
            self.job.start(self.ctx.runner.submit(timing_job, data.X_train, data.y_train, data.X_test[:200], sizes,
                                              title="knn-timing"))
            self.job.job.finished.connect(self._on_timing_done)
        self.job.job.errored.connect(self._on_error)
        self.data_name = data.name

    @Slot(object)
    def _on_concentration_done(self, result) -> None:
        if not self.job.is_current(self.sender()):
            return
        self._buttons_on()
        if result is None:
            return
        self.concentration = result
        r, im = result["random"], result["images"]
        self.random_curve.setData(r["dims"], r["mean"])
        self.images_curve.setData(im["dims"], im["mean"])
        self.conc_plot.autoRange()
        self.status_label.setText(
            f"Random data: {r['mean'][0]:.3g} in {r['dims'][0]}D, {r['mean'][-1]:.3f} in {r['dims'][-1]}D "
            f"(the farthest point is only {100 * r['mean'][-1]:.0f}% farther than the nearest). "
            f"{self.data_name} images: {im['mean'][0]:.3g} at 3 numbers, {im['mean'][-1]:.3g} at 3072.")

    @Slot(object)
    def _on_timing_done(self, result) -> None:
        if not self.job.is_current(self.sender()):
            return
        self._buttons_on()
        if result is None:
            return
        self.timing = result
        self.knn_curve.setData(result["sizes"], 1000 * result["knn"])
        self.linear_curve.setData(result["sizes"], 1000 * result["linear"])
        self.time_plot.autoRange()
        ratio = result["knn"][-1] / max(result["linear"][-1], 1e-12)
        self.status_label.setText(
            f"kNN: {1000 * result['knn'][0]:.3f} ms per image with {result['sizes'][0]} training images, "
            f"{1000 * result['knn'][-1]:.3f} ms with {result['sizes'][-1]}; linear: "
            f"{1000 * result['linear'][-1]:.4f} ms ({ratio:.0f}× faster), whatever the training-set size.")

    @Slot(str)
    def _on_error(self, message: str) -> None:
        self._buttons_on()
        self.status_label.setText(message)

    def _buttons_on(self) -> None:
        for button in (self.distances_button, self.timing_button):
            button.setEnabled(True)

    def export_targets(self) -> dict:
        return {"curse grid": self.grid_plot, "distance concentration": self.conc_plot, "test time": self.time_plot}

    def shutdown(self) -> None:
        for slot in (self.load_job, self.job):
            slot.cancel()
