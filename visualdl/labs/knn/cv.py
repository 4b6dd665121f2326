"""Lab 1, page 2: choosing k by k-fold cross-validation, then scoring the test set once.

Cross-validation runs on the training split of the current toy data, or of
the images loaded on the Images page (the validation split stays out of it,
the test split is never looked at), in the background with a progress bar
(one step per fold). The plot shows
every fold's accuracy for every k (dots), the mean with +-1 std error bars, and
the best k (highest mean). The test set is scored once, with the best k, only
when the student asks; after that the button stays off until the data changes.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtWidgets import (QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton,
                               QVBoxLayout, QWidget)

from visualdl.labs.common.palette import class_rgb, run_hex
from visualdl.labs.common.widgets import combo, guard_wheel_in, spin
from visualdl.labs.knn.jobs import cv_job, score_test_set_job
from visualdl.labs.common.plots import accuracy_axis, legend_html
from visualdl.ui.export import install_export_menu
from visualdl.ui.presentation import controls_panel
from visualdl.ui.worker import LatestJob

DEFAULT_KS = "1, 3, 5, 8, 10, 12, 15, 20, 50, 100"
TEST_HINT = ("Choose k on the training data first; the test set is looked at only once, "
             "to report the final accuracy.")


CV_TITLE = ("Cross-validation accuracy against k<br><span style='font-size:9pt'>" +
            legend_html([("each fold", run_hex(0), "●"), ("mean ± 1 std", run_hex(3), "●"),
                         ("best k", "#e6b400", "★")]) + "</span>")


def parse_ks(text: str) -> list[int]:
    """'1, 3 5' -> [1, 3, 5] (sorted, unique); ValueError naming a bad entry."""
    ks = set()
    for part in text.replace(",", " ").split():
        try:
            k = int(part)
        except ValueError:
            raise ValueError(f"Invalid k: {part!r} (need whole numbers)") from None
        if k < 1:
            raise ValueError(f"Invalid k: {k} (need k >= 1)")
        ks.add(k)
    if not ks:
        raise ValueError("No k values given")
    return sorted(ks)


class KnnCvPage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.sources = {"points": None, "images": None}
        self.job = LatestJob()
        self.test_job = LatestJob()
        self.cv_result: dict | None = None
        self.test_result: dict | None = None
        self._build()

    def _build(self) -> None:
        box = QGroupBox("Cross-validation")
        form = QFormLayout(box)
        self.source_combo = combo([("points", "Toy points"),
                                   ("images", "Images (Images tab)")])
        form.addRow("Data", self.source_combo)
        self.ks_edit = QLineEdit(DEFAULT_KS)
        self.folds_spin = spin(2, 20, 5)
        self.metric_combo = combo([("l2", "L2 (Euclidean)"), ("l1", "L1 (Manhattan)")])
        self.run_button = QPushButton("Run cross-validation")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setValue(0)
        form.addRow("k values", self.ks_edit)
        form.addRow("Folds", self.folds_spin)
        form.addRow("Distance", self.metric_combo)
        row = QHBoxLayout()
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        form.addRow(row)
        form.addRow(self.progress)

        test_box = QGroupBox("Test set (once, at the end)")
        tlayout = QVBoxLayout(test_box)
        self.test_button = QPushButton("Score the test set with the best k")
        self.test_button.setEnabled(False)
        self.test_label = QLabel(TEST_HINT)
        self.test_label.setWordWrap(True)
        tlayout.addWidget(self.test_button)
        tlayout.addWidget(self.test_label)

        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        side = QVBoxLayout()
        side.addWidget(box)
        side.addWidget(test_box)
        side.addWidget(self.summary)
        side.addStretch(1)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setFixedWidth(300)

        # the legend is part of the title: exported with the plot, never over the data
        self.plot = pg.PlotWidget(title=CV_TITLE)
        self.plot.setBackground("w")
        self.plot.setLabel("bottom", "k")
        accuracy_axis(self.plot)
        self.plot.setXRange(0, 10)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.fold_scatter = pg.ScatterPlotItem(size=6, brush=pg.mkBrush(31, 119, 180, 150), pen=None,
                                               name="each fold")
        self.mean_curve = pg.PlotDataItem(pen=pg.mkPen(class_rgb(3), width=2), symbol="o", symbolSize=7,
                                          symbolBrush=class_rgb(3), name="mean")
        self.error_bars = pg.ErrorBarItem(pen=pg.mkPen(class_rgb(3), width=1.5), beam=0.0)
        self.best_marker = pg.ScatterPlotItem(size=18, symbol="star", brush=pg.mkBrush(255, 200, 0),
                                              pen=pg.mkPen("k"), name="best k")
        for item in (self.fold_scatter, self.error_bars, self.mean_curve, self.best_marker):
            self.plot.addItem(item)
        install_export_menu(self.plot, "cross-validation")

        layout = QHBoxLayout(self)
        layout.addWidget(controls_panel(side_widget))
        layout.addWidget(self.plot, 1)
        guard_wheel_in(side_widget)

        self.run_button.clicked.connect(self.run_cv)
        self.source_combo.currentIndexChanged.connect(self._on_source_change)
        self.cancel_button.clicked.connect(self.cancel_cv)
        self.test_button.clicked.connect(self.score_test)

    # ------------------------------------------------------------------ data
    @property
    def data(self):
        """The data cross-validated: the chosen source's splits (or None)."""
        return self.sources[self.source_combo.currentData()]

    def set_data(self, data, source: str = "points") -> None:
        """New or edited data of one source: earlier results on it no longer apply."""
        self.sources[source] = data
        if source == self.source_combo.currentData():
            self._reset()

    @Slot(int)
    def _on_source_change(self, _index: int) -> None:
        self._reset()

    def _reset(self) -> None:
        data = self.data
        self.cancel_cv()
        self.test_job.drop()  # a test score of other data must not land here
        self.cv_result = None
        self.test_result = None
        for item in (self.fold_scatter, self.best_marker):
            item.setData([])
        self.mean_curve.setData([], [])
        self.error_bars.setData(x=np.array([]), y=np.array([]), height=np.array([]))
        self.plot.setYRange(0.0, 1.0, padding=0.02)  # plain 0..1 while empty
        self.plot.setXRange(0, 10)
        self.progress.setValue(0)
        self.test_button.setEnabled(False)
        self.test_label.setText(TEST_HINT)
        if data is None:
            self.summary.setText("Load images on the Images page first.")
            return
        self.summary.setText(f"{len(data.y_train)} training examples are split into folds.")

    # ------------------------------------------------------------------ CV
    @Slot()
    def run_cv(self) -> None:
        if self.data is None:
            return
        try:
            ks = parse_ks(self.ks_edit.text())
        except ValueError as exc:
            self.summary.setText(str(exc))
            return
        folds = self.folds_spin.value()
        n = len(self.data.y_train)
        if n < folds:
            self.summary.setText(f"Too few training points ({n}) for {folds} folds")
            return
        largest = n - (n + folds - 1) // folds  # the smallest training part of a fold
        if max(ks) > largest:
            ks = [k for k in ks if k <= largest] or [1]
            self.summary.setText(f"k above {largest} dropped: a fold trains on only {largest} points")
        self.cancel_cv()
        self.progress.setValue(0)
        self.test_result = None
        self.test_button.setEnabled(False)
        self.job.start(self.ctx.runner.submit(cv_job, self.data.X_train, self.data.y_train, ks, folds=folds,
                                          metric=self.metric_combo.currentData(), title="knn-cv"))
        self.job.job.finished.connect(self._on_cv_done)
        self.job.job.errored.connect(self._on_error)
        self.job.job.progress.connect(self._on_job_progress)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)

    @Slot()
    def cancel_cv(self) -> None:
        self.job.cancel()
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    @Slot(int, int, str)
    def _on_job_progress(self, done: int, total: int, _message: str) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)

    @Slot(object)
    def _on_cv_done(self, result) -> None:
        if not self.job.is_current(self.sender()):
            return
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if result is None:
            self.summary.setText("Cross-validation cancelled.")
            return
        self.cv_result = result
        self._draw(result)
        best = result["ks"].index(result["best_k"])
        self.summary.setText(f"Best k = {result['best_k']}: mean accuracy {100 * result['mean'][best]:.1f}% "
                             f"± {100 * result['std'][best]:.1f}% over {result['acc'].shape[0]} folds.")
        self.test_button.setEnabled(self.test_result is None and len(self.data.y_test) > 0)

    def _draw(self, result) -> None:
        ks = np.asarray(result["ks"], dtype=float)
        acc = result["acc"]  # (folds, len(ks))
        self.fold_scatter.setData(x=np.broadcast_to(ks, acc.shape).ravel(), y=acc.ravel())
        self.mean_curve.setData(ks, result["mean"])
        self.error_bars.setData(x=ks, y=result["mean"], height=2 * result["std"])  # mean +- 1 std
        i = result["ks"].index(result["best_k"])
        self.best_marker.setData(x=[ks[i]], y=[result["mean"][i]])
        self.plot.enableAutoRange()

    # ------------------------------------------------------------------ test set
    @Slot()
    def score_test(self) -> None:
        if self.cv_result is None or self.test_result is not None or self.data is None:
            return
        self.test_button.setEnabled(False)  # once
        d = self.data
        # the final model uses everything but the test set (joined on the worker), and the metric
        # the best k was chosen with, even if the Distance box has changed since
        self.test_job.start(self.ctx.runner.submit(score_test_set_job, d.X_train, d.y_train, d.X_test, d.y_test,
                                               self.cv_result["best_k"], self.cv_result["metric"],
                                               X_val=d.X_val, y_val=d.y_val, title="knn-test"))
        self.test_job.job.finished.connect(self._on_test_done)
        self.test_job.job.errored.connect(self._on_error)

    @Slot(object)
    def _on_test_done(self, result) -> None:
        if result is None or not self.test_job.is_current(self.sender()):
            return
        self.test_result = result
        self.test_label.setText(f"Test accuracy with k = {result['k']} ({result['metric'].upper()}): "
                                f"{100 * result['acc']:.1f}% on {len(self.data.y_test)} examples.\n"
                                "Reported once; choosing k again on it would make it a validation set.")

    @Slot(str)
    def _on_error(self, message: str) -> None:
        self.summary.setText(message)
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def export_targets(self) -> dict:
        return {"cross-validation": self.plot}

    def shutdown(self) -> None:
        for slot in (self.job, self.test_job):
            slot.cancel()
