"""Experiment 1: preprocessing: original / zero-centred / normalised, and PCA of pixel vectors."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFormLayout, QGridLayout, QHBoxLayout, QWidget

from visualdl.engine.experiments.analysis import channel_mean_image, normalise, pca_2d, pixel_vectors, zero_centre
from visualdl.labs.common.palette import CLASS_RGB, run_hex
from visualdl.labs.common.widgets import combo, guard_wheel_in, spin
from visualdl.labs.practice.common import ExperimentPage, JobRunner, make_plot, side_panel, wrap_label


def cloud_2d(n: int = 300, seed: int = 0) -> np.ndarray:
    """The course's picture: an elongated, correlated 2D Gaussian cloud far from the origin."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 2)) * [3.0, 0.6]
    c, s = np.cos(0.5), np.sin(0.5)
    return z @ np.array([[c, s], [-s, c]]) + [6.0, 4.0]


def pca_job(ctl, source: str, n: int, path=None, given=None):
    """Worker job: load n images, PCA-project their pixel vectors, mean image -> dict.

    source "dashboard": given = (DataSplits, preprocessing kind): the dashboard's first n training
    examples AFTER its preprocessing (what the network is fed)."""
    from visualdl.data import load_dataset

    ctl.report_progress(0, 3, "loading images")
    if source == "dashboard":
        return _dashboard_view(given[0], given[1], n)
    if source == "cifar10":
        data = load_dataset("cifar10", path=path, num_train=n, num_val=0, num_test=0, cancel=ctl.cancel_event)
    else:
        data = load_dataset("builtin", n_train=n, n_val=0, n_test=0, cancel=ctl.cancel_event)
    ctl.report_progress(1, 3, "PCA (SVD)")
    X = pixel_vectors(data.X_train)
    pca = pca_2d(X)
    ctl.report_progress(2, 3, "mean image")
    mean_image, channel_means = channel_mean_image(data.X_train)
    ctl.report_progress(3, 3, "done")
    return {"projection": pca["projection"], "explained": pca["explained"], "labels": np.array(data.y_train),
            "class_names": data.class_names, "mean_image": mean_image, "channel_means": channel_means,
            "source": data.name}


def _dashboard_view(data, kind: str, n: int) -> dict:
    """PCA and mean of the dashboard's training examples as the network sees them."""
    from visualdl.data.preprocess import fit_preprocessor

    pre = fit_preprocessor(kind, data.X_train)
    X = pre.transform(data.X_train[:n])  # (n, C, H, W) or (n, D) float32
    pca = pca_2d(X.reshape(len(X), -1))
    out = {"projection": pca["projection"], "explained": pca["explained"], "labels": np.array(data.y_train[:n]),
           "class_names": data.class_names, "source": f"dashboard ({data.name}, preprocessing '{kind}')"}
    if X.ndim == 4:
        mean_image = X.mean(axis=0).transpose(1, 2, 0)
        out["channel_means"] = mean_image.mean(axis=(0, 1))
        lo, hi = float(mean_image.min()), float(mean_image.max())  # stretched for display
        out["mean_image"] = (mean_image - lo) / (hi - lo if hi > lo else 1.0) * 255
    return out


class PreprocessPage(ExperimentPage):
    title = "Preprocessing"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.result = None
        self.points_spin = spin(10, 5000, 300)
        items = [("builtin", "Built-in images")]
        if ctx.cifar_path():
            items.append(("cifar10", "CIFAR-10"))
        items.append(("dashboard", "Dashboard's data, preprocessed"))
        self.source_combo = combo(items)
        self.dashboard = None  # set by the lab: its .data and .preprocess are read for "dashboard"
        self.images_spin = spin(50, 10000, 1000)
        self.runner = JobRunner(self, ctx, "Project images", None, self._on_done)
        self.runner.run_button.clicked.connect(self.run_images)
        form = QWidget()
        f = QFormLayout(form)
        f.addRow("2D points", self.points_spin)
        f.addRow(wrap_label("Zero-centring subtracts the mean of every feature; normalising then divides "
                            "by each feature's std. For images the course only zero-centres (mean image, "
                            "or one mean per channel): the pixels already share one scale."))
        f.addRow("Images", self.source_combo)
        f.addRow("Number of images", self.images_spin)
        f.addRow(self.runner.row())
        f.addRow(self.runner.status)
        guard_wheel_in(form)
        ctx.cifar_path_changed.connect(self._on_cifar_path)
        self.points_spin.valueChanged.connect(self.draw_points)

        titles = [("original", "Original data"), ("centred", "Zero-centred"), ("normalised", "Normalised")]
        self.point_plots = [make_plot(t, "x₁", "x₂", k, self.plots) for k, t in titles]
        for p in self.point_plots:
            p.setAspectLocked(True)
        self.pca_plot = make_plot("Pixel vectors, 2D PCA projection", "PC 1", "PC 2", "pca", self.plots)
        self.mean_plot = make_plot("Mean image", "", "", "mean image", self.plots)
        self.mean_plot.setAspectLocked(True)
        self.mean_plot.invertY(True)
        self.mean_item = pg.ImageItem(axisOrder="row-major")
        self.mean_plot.addItem(self.mean_item)
        grid = QGridLayout()
        for i, p in enumerate(self.point_plots):
            grid.addWidget(p, 0, i)
        grid.addWidget(self.pca_plot, 1, 0, 1, 2)
        grid.addWidget(self.mean_plot, 1, 2)
        plots = QWidget()
        plots.setLayout(grid)
        lay = QHBoxLayout(self)
        lay.addWidget(side_panel(form))
        lay.addWidget(plots, 1)
        self.draw_points()
        self._started = False

    def export_targets(self) -> dict:
        out = dict(self.plots)
        if self.mean_item.image is not None:
            out["mean image values"] = self.mean_item  # CSV: 32 rows of 32 x (R, G, B)
        return out

    def first_show(self) -> None:
        if not self._started:
            self._started = True
            self.run_images()

    @Slot()
    def draw_points(self) -> None:
        X = cloud_2d(self.points_spin.value())
        views = [X, zero_centre(X), normalise(X)]
        lim = max(float(np.abs(v).max()) for v in views) * 1.05
        for p, V in zip(self.point_plots, views):
            p.clear()
            p.addItem(pg.InfiniteLine(0, angle=90, pen=pg.mkPen("#888")))
            p.addItem(pg.InfiniteLine(0, angle=0, pen=pg.mkPen("#888")))
            p.plot(V[:, 0], V[:, 1], pen=None, symbol="o", symbolSize=4, symbolPen=None,
                   symbolBrush=pg.mkBrush(run_hex(0) + "96"), name="points")
            p.setRange(xRange=(-lim, lim), yRange=(-lim, lim))
        self.views = views

    @Slot(str)
    def _on_cifar_path(self, path: str) -> None:
        if self.source_combo.findData("cifar10") < 0:
            self.source_combo.insertItem(1, "CIFAR-10", "cifar10")

    @Slot()
    def run_images(self) -> None:
        source, given = self.source_combo.currentData(), None
        if source == "dashboard":
            data = getattr(self.dashboard, "data", None)
            if data is None:
                self.runner.status.setText("The dashboard has no data loaded yet.")
                return
            given = (data, self.dashboard.preprocess.currentData())
        self.runner.start(pca_job, source, self.images_spin.value(), path=self.ctx.cifar_path(), given=given,
                          title="PCA of pixel vectors")

    @Slot(object)
    def _on_done(self, r) -> None:
        if r is None:
            return
        self.result = r
        self.pca_plot.clear()
        self.pca_plot.addLegend(offset=(5, 5))
        P, y = r["projection"], r["labels"]
        for c, name in enumerate(r["class_names"]):
            m = y == c
            colour = tuple(int(v) for v in CLASS_RGB[c % len(CLASS_RGB)])
            self.pca_plot.plot(P[m, 0], P[m, 1], pen=None, symbol="o", symbolSize=3, symbolPen=None,
                               symbolBrush=pg.mkBrush(*colour, 160), name=name)
        ex = r["explained"]
        text = f"{len(P)} examples, {r['source']}: PC 1 and 2 explain {ex[0]:.0%} and {ex[1]:.0%} of the variance."
        if "mean_image" in r:
            self.mean_item.setImage(np.clip(r["mean_image"], 0, 255).astype(np.uint8))
            cm = r["channel_means"]
            text += f" Per-channel mean (R, G, B): {cm[0]:.1f}, {cm[1]:.1f}, {cm[2]:.1f}."
        else:
            self.mean_item.clear()
        self.runner.status.setText(text)
