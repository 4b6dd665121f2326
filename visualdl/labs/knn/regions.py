"""Lab 1, page 1: kNN decision regions next to a linear classifier's, on toy 2D data.

The worker prepares the kNN votes of every grid cell for every k up to K_MAX
(regions_job); moving the k slider then only re-counts votes (milliseconds,
an engine call), while a new metric or new points start a fresh job.
Click adds a training point of the chosen class; Shift+click removes the
nearest training point.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from visualdl.data import DATASETS
from visualdl.labs.knn.jobs import K_MAX, regions_job
from visualdl.labs.common.widgets import combo, guard_wheel_in, spin
from visualdl.labs.common.plots import ClassLegend, RegionPlot, scrollable
from visualdl.ui.export import install_export_menu
from visualdl.ui.presentation import controls_panel
from visualdl.ui.worker import LatestJob

TOY_SETS = [name for name, d in DATASETS.items() if d["kind"] == "points"]


def _pct(v: float) -> str:
    return "–" if v != v else f"{100 * v:.1f}%"


class ToyData:
    """The lab's current points (a mutable copy of a DataSplits of kind 'points')."""

    def __init__(self, splits):
        self.name = splits.name
        self.num_classes = splits.num_classes
        self.X_train = np.array(splits.X_train, dtype=np.float32)
        self.y_train = np.array(splits.y_train, dtype=np.int64)
        self.X_val = np.array(splits.X_val, dtype=np.float32)
        self.y_val = np.array(splits.y_val, dtype=np.int64)
        self.X_test = np.array(splits.X_test, dtype=np.float32)
        self.y_test = np.array(splits.y_test, dtype=np.int64)


class KnnRegionsPage(QWidget):
    data_changed = Signal(object)  # ToyData

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.data: ToyData | None = None
        self._bounds = None
        self.result: dict | None = None  # the latest regions_job result
        self.job = LatestJob()
        self.load_job = LatestJob()
        self._build()
        self.generate()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        data_box = QGroupBox("Data")
        form = QFormLayout(data_box)
        self.set_combo = combo([(name, DATASETS[name]["title"]) for name in TOY_SETS])
        self.set_combo.setCurrentIndex(TOY_SETS.index("spiral") if "spiral" in TOY_SETS else 0)
        self.classes_spin = spin(2, 10, 3)
        self.points_spin = spin(10, 5000, 300, step=50)
        self.noise_spin = spin(0.0, 3.0, 0.2, decimals=2, step=0.05)
        self.seed_spin = spin(0, 99999, 0)
        self.val_spin = spin(0.0, 0.6, 0.2, decimals=2, step=0.05)
        self.test_spin = spin(0.0, 0.6, 0.2, decimals=2, step=0.05)
        self.generate_button = QPushButton("Generate")
        form.addRow("Set", self.set_combo)
        form.addRow("Classes", self.classes_spin)
        form.addRow("Points", self.points_spin)
        form.addRow("Noise", self.noise_spin)
        form.addRow("Seed", self.seed_spin)
        form.addRow("Validation fraction", self.val_spin)
        form.addRow("Test fraction", self.test_spin)
        form.addRow(self.generate_button)

        knn_box = QGroupBox("k nearest neighbours")
        kform = QFormLayout(knn_box)
        self.k_slider = QSlider(Qt.Orientation.Horizontal, minimum=1, maximum=K_MAX, value=1)
        self.k_spin = spin(1, K_MAX, 1, keyboard_tracking=True)
        krow = QHBoxLayout()
        krow.addWidget(self.k_slider, 1)
        krow.addWidget(self.k_spin)
        self.metric_combo = combo([("l2", "L2 (Euclidean)"), ("l1", "L1 (Manhattan)")])
        kform.addRow("k", krow)
        kform.addRow("Distance", self.metric_combo)

        click_box = QGroupBox("Edit points")
        cform = QFormLayout(click_box)
        self.click_class = combo([])
        cform.addRow("Click adds class", self.click_class)
        cform.addRow(QLabel("Shift+click removes the nearest\ntraining point."))

        side = QVBoxLayout()
        for w in (data_box, knn_box, click_box):
            side.addWidget(w)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        side.addWidget(self.status_label)
        side.addStretch(1)
        side_widget = QWidget()
        side_widget.setLayout(side)

        self.knn_plot = RegionPlot("kNN decision regions")
        self.linear_plot = RegionPlot("Linear classifier (softmax) regions")
        self.linear_plot.setXLink(self.knn_plot)
        self.linear_plot.setYLink(self.knn_plot)
        install_export_menu(self.knn_plot, "kNN regions")
        install_export_menu(self.linear_plot, "linear regions")
        self.knn_acc = QLabel("")
        self.linear_acc = QLabel("")
        self.legend = QLabel("Filled dots: training points · hollow squares: validation points · "
                             "grey hatched cells: tied vote (colour settled by the tie rule: smallest class)")
        self.legend.setWordWrap(True)
        self.class_legend = ClassLegend()
        plots = QHBoxLayout()
        for plot, label in ((self.knn_plot, self.knn_acc), (self.linear_plot, self.linear_acc)):
            col = QVBoxLayout()
            col.addWidget(plot, 1)
            col.addWidget(label)
            plots.addLayout(col, 1)
        right = QVBoxLayout()
        right.addLayout(plots, 1)
        right.addWidget(self.class_legend)
        right.addWidget(self.legend)

        layout = QHBoxLayout(self)
        side_widget.setFixedWidth(270)  # long set names are elided, not allowed to widen the panel
        layout.addWidget(controls_panel(scrollable(side_widget, 286)))
        layout.addLayout(right, 1)

        guard_wheel_in(side_widget)  # the k slider too: the wheel scrolls the panel unless it has focus
        self.generate_button.clicked.connect(self.generate)
        self.k_slider.valueChanged.connect(self.k_spin.setValue)
        self.k_spin.valueChanged.connect(self.k_slider.setValue)
        self.k_spin.valueChanged.connect(self._on_k_change)
        self.metric_combo.currentIndexChanged.connect(self._on_metric_change)
        self.knn_plot.clicked.connect(self._on_plot_clicked)
        self.linear_plot.clicked.connect(self._on_plot_clicked)

    # ------------------------------------------------------------------ state
    @property
    def k(self) -> int:
        return self.k_spin.value()

    @property
    def metric(self) -> str:
        return self.metric_combo.currentData()

    def busy(self) -> bool:
        return any(j is not None and j.is_running() for j in (self.job, self.load_job))

    # ------------------------------------------------------------------ data
    @Slot()
    def generate(self) -> None:
        """Make a new toy set on the worker (load_dataset), then recompute the regions."""
        self.status_label.setText("Generating data…")
        self.load_job.start(self.ctx.load_dataset(
            self.set_combo.currentData(), seed=self.seed_spin.value(), track=False,
            n_points=self.points_spin.value(), n_classes=self.classes_spin.value(),
            noise=self.noise_spin.value(), val_fraction=self.val_spin.value(), test_fraction=self.test_spin.value()))
        self.load_job.job.finished.connect(self._on_data_loaded)
        self.load_job.job.errored.connect(self._on_job_error)

    @Slot(object)
    def _on_data_loaded(self, splits) -> None:
        if splits is None or not self.load_job.is_current(self.sender()):
            return
        self.set_data(ToyData(splits))

    def set_data(self, data: ToyData) -> None:
        self.data = data
        self.click_class.clear()
        for c in range(data.num_classes):
            self.click_class.addItem(f"class {c}", c)
        self.class_legend.set_classes([f"class {c}" for c in range(data.num_classes)])
        self._bounds = None  # re-fit the view to the new points
        self._draw_points()
        self.data_changed.emit(data)
        self.recompute()

    def _draw_points(self) -> None:
        d = self.data
        for plot in (self.knn_plot, self.linear_plot):
            plot.set_points(d.X_train, d.y_train, d.X_val, d.y_val)

    @Slot(float, float, object)
    def _on_plot_clicked(self, x: float, y: float, modifiers) -> None:
        if self.data is None:
            return
        if modifiers & Qt.KeyboardModifier.ShiftModifier:
            self.remove_point_near(x, y)
        else:
            self.add_point(x, y, self.click_class.currentData() or 0)

    def add_point(self, x: float, y: float, label: int) -> None:
        d = self.data
        d.X_train = np.vstack([d.X_train, np.array([[x, y]], np.float32)])
        d.y_train = np.append(d.y_train, np.int64(label))
        self._after_edit()

    def remove_point_near(self, x: float, y: float) -> None:
        d = self.data
        if len(d.y_train) <= 1:
            return
        i = int(np.argmin(((d.X_train - np.array([x, y], np.float32)) ** 2).sum(1)))
        d.X_train = np.delete(d.X_train, i, axis=0)
        d.y_train = np.delete(d.y_train, i)
        self._after_edit()

    def _after_edit(self) -> None:
        self._draw_points()
        self.data_changed.emit(self.data)
        self.recompute()

    # ------------------------------------------------------------------ regions
    def recompute(self) -> None:
        """Start the regions job for the current data and metric (cancelling an older one)."""
        if self.data is None:
            return
        d = self.data
        bounds = self._bounds
        self.status_label.setText("Computing regions…")
        self.job.start(self.ctx.runner.submit(regions_job, d.X_train, d.y_train, d.X_val, d.y_val, d.num_classes,
                                          metric=self.metric, bounds=bounds, title="knn-regions"))
        self.job.job.finished.connect(self._on_regions_done)
        self.job.job.errored.connect(self._on_job_error)

    @Slot(object)
    def _on_regions_done(self, result) -> None:
        if result is None or not self.job.is_current(self.sender()):
            return  # cancelled or superseded
        self.result = result
        if self._bounds != result["grid"].bounds:  # new data: show all of it (edits keep the view)
            xmin, xmax, ymin, ymax = result["grid"].bounds
            self.knn_plot.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0)
        self._bounds = result["grid"].bounds
        self.status_label.setText("")
        bounds = result["grid"].bounds
        self.linear_plot.set_regions(result["linear_labels"], None, bounds)
        self.linear_acc.setText(f"Linear: train {_pct(result['linear_train_acc'])} · "
                                f"validation {_pct(result['linear_val_acc'])}")
        self.show_k()

    @Slot(int)
    def _on_k_change(self, _k: int) -> None:
        self.show_k()

    @Slot(int)
    def _on_metric_change(self, _i: int) -> None:
        self.recompute()

    def show_k(self) -> None:
        """Draw the kNN regions and accuracies for the current k from the prepared votes."""
        r = self.result
        if r is None:
            return
        labels, tie = r["regions"].regions(self.k)
        self.knn_plot.set_regions(labels, tie, r["grid"].bounds)
        k_used = min(self.k, r["regions"].k_max)
        # the result's own labels: the points may have been edited since the job started
        train = r["train_votes"].accuracy(k_used, r["y_train"])
        val = r["val_votes"].accuracy(k_used, r["y_val"]) if r["val_votes"] is not None else float("nan")
        ties = int(tie.sum())
        self.knn_acc.setText(f"kNN (k={k_used}, {r['metric'].upper()}): train {_pct(train)} · "
                             f"validation {_pct(val)} · tied cells {ties}")
        self.knn_plot.setTitle(f"kNN decision regions, k={k_used}, {r['metric'].upper()}")

    @Slot(str)
    def _on_job_error(self, message: str) -> None:
        self.status_label.setText(message)
        self.ctx.status(message, source=self)

    def export_targets(self) -> dict:
        return {"kNN regions": self.knn_plot, "linear regions": self.linear_plot}

    def shutdown(self) -> None:
        for slot in (self.job, self.load_job):
            slot.cancel()
