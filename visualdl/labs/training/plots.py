"""The dashboard's right side: plot options, the error banner, loss and accuracy curves, the status strip.

It holds the live run's RunLog (``plots.log``) and the kept runs (``plots.overlays``) and redraws them;
``view`` binds the plot options (smoothing, log_y, x_axis) by name for the remembered choices.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QSlider,
                               QSplitter, QStatusBar, QVBoxLayout, QWidget)

from visualdl.labs.common.binding import WidgetBinding
from visualdl.labs.common.curves import Z_KEPT, RunCurves
from visualdl.labs.common.palette import run_hex
from visualdl.labs.common.widgets import combo, guard_wheel_in
from visualdl.labs.training.history import RunLog
from visualdl.ui.export import install_export_menu

LOSS_TITLES = {"iteration": "Loss per iteration", "epoch": "Loss per iteration, against epochs"}
ACC_TITLE = "Accuracy: points at epoch ends, faint line per batch"
BANNER_STYLE = ("QLabel { background: #fde2e1; color: #8a1c1c; padding: 6px; "
                "border: 1px solid #e0a0a0; border-radius: 3px; }")


def _legend_below(item: pg.PlotItem, columns: int = 2) -> pg.LegendItem:
    """A legend in its own row under the x axis, so it never covers a curve (entries in columns)."""
    legend = pg.LegendItem(colCount=columns)
    legend.setParentItem(item)
    item.layout.addItem(legend, 5, 1, 1, 2)  # rows: title, top axis, view, bottom axis, x label, legend
    item.legend = legend  # plot(name=...) adds its entry here
    return legend


class TrainingPlots(QWidget):
    view_changed = Signal()  # a plot option changed (the lab remembers it)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.view = WidgetBinding(self)
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, 99)
        self.smoothing.setValue(60)
        self.view.add("smoothing", self.smoothing)
        self.smoothing_label = QLabel("0.60")
        self.log_y = self.view.add("log_y", QCheckBox("Log-scale loss"))
        self.x_axis = self.view.add("x_axis", combo([("iteration", "x: iterations"), ("epoch", "x: epochs")]))
        options = QHBoxLayout()
        options.addWidget(QLabel("Smoothing"))
        options.addWidget(self.smoothing, 1)
        options.addWidget(self.smoothing_label)
        options.addWidget(self.log_y)
        options.addWidget(self.x_axis)

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        # Long messages (paths) wrap inside the plots' width instead of widening the window.
        self.banner.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.banner.setMinimumWidth(1)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.hide()

        self.loss_plot = pg.PlotWidget(title=LOSS_TITLES["iteration"])
        self.acc_plot = pg.PlotWidget(title=ACC_TITLE)
        for plot, ylabel in ((self.loss_plot, "loss"), (self.acc_plot, "accuracy")):
            plot.showGrid(x=False, y=False)
            plot.setLabel("left", ylabel)
            plot.setLabel("bottom", "iteration")
            _legend_below(plot.getPlotItem())
        self.acc_plot.setYRange(0, 1)
        install_export_menu(self.loss_plot, "Loss")
        install_export_menu(self.acc_plot, "Accuracy")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.loss_plot)
        splitter.addWidget(self.acc_plot)
        splitter.setSizes([500, 300])

        self.status_bar = QStatusBar()
        self.status_bar.setSizeGripEnabled(False)
        self.status_fields = {k: QLabel() for k in ("epoch", "iteration", "loss", "acc", "speed", "lr")}
        self.eval_progress = QProgressBar()
        self.eval_progress.setMaximumWidth(160)
        self.eval_cancel = QPushButton("Cancel")
        for w in (self.eval_progress, self.eval_cancel):
            w.hide()
            self.status_bar.addWidget(w)
        for w in self.status_fields.values():
            self.status_bar.addPermanentWidget(w)

        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addLayout(options)
        col.addWidget(self.banner)
        col.addWidget(splitter, 1)
        col.addWidget(self.status_bar)
        guard_wheel_in(self)

        self.log = RunLog("run 1")
        self.overlays: list[tuple[RunLog, RunCurves]] = []
        self.curves = RunCurves(self.loss_plot, self.acc_plot, run_hex(0), "", val_colour=run_hex(1))
        self.show_status({})
        self.view.changed.connect(self._on_view_change)

    # ---------------------------------------------------------------- runs
    @property
    def x_key(self) -> str:
        return self.x_axis.currentData()

    def new_run(self, label: str, config: dict) -> RunLog:
        self.log = RunLog(label, config, self.smoothing.value() / 100)
        return self.log

    def draw(self) -> None:
        self.curves.draw(self.log, self.x_key)

    def keep(self, kept: RunLog) -> None:
        """Overlay a copy of a run in its own colour, under the live run."""
        colour = run_hex(len(self.overlays) + 2)  # 0 and 1 are the live run's train and validation
        curves = RunCurves(self.loss_plot, self.acc_plot, colour, f"[{kept.label}]", raw=False, z=Z_KEPT)
        curves.draw(kept, self.x_key)
        self.overlays.append((kept, curves))

    def clear_kept(self) -> None:
        for _, curves in self.overlays:
            curves.remove()
        self.overlays.clear()

    # ---------------------------------------------------------------- view options
    def set_view(self, smoothing: float, log_y: bool, x_axis: str) -> None:
        """Show remembered options (quietly), then apply them to the plots."""
        self.view.set_state({"smoothing": int(round(100 * smoothing)), "log_y": bool(log_y), "x_axis": x_axis})
        self.smoothing_label.setText(f"{self.smoothing.value() / 100:.2f}")
        self.log.smoothing = self.smoothing.value() / 100
        self.loss_plot.setLogMode(x=False, y=self.log_y.isChecked())
        self._update_axis_labels()

    def view_state(self) -> dict:
        s = self.view.state()
        return {"smoothing": s["smoothing"] / 100, "log_y": s["log_y"], "x_axis": s["x_axis"]}

    @Slot(str, object)
    def _on_view_change(self, name: str, value) -> None:
        if name == "smoothing":
            s = value / 100
            self.smoothing_label.setText(f"{s:.2f}")
            self.log.set_smoothing(s)
            for log, curves in self.overlays:
                log.set_smoothing(s)
                curves.draw(log, self.x_key)
            self.draw()
        elif name == "log_y":
            self.loss_plot.setLogMode(x=False, y=bool(value))
        elif name == "x_axis":
            self._update_axis_labels()
            for log, curves in self.overlays + [(self.log, self.curves)]:
                curves.draw(log, self.x_key)
            for plot in (self.loss_plot, self.acc_plot):
                plot.enableAutoRange(axis="x")
        self.view_changed.emit()

    def _update_axis_labels(self) -> None:
        for plot in (self.loss_plot, self.acc_plot):
            plot.setLabel("bottom", self.x_key)
        self.loss_plot.setTitle(LOSS_TITLES[self.x_key])

    # ---------------------------------------------------------------- messages
    def show_banner(self, message: str) -> None:
        self.banner.setText(message)
        self.banner.show()

    def hide_banner(self) -> None:
        self.banner.hide()

    @property
    def banner_text(self) -> str:
        return "" if self.banner.isHidden() else self.banner.text()

    def show_status(self, s) -> None:
        """The status strip: epoch, iteration, loss, accuracies, speed, lr (a job Status or a dict)."""
        get = s.get if isinstance(s, dict) else (lambda k, d=None: getattr(s, k, d))
        f = self.status_fields

        def num(v, fmt):
            return format(v, fmt) if isinstance(v, (int, float)) and np.isfinite(v) else "–"

        f["epoch"].setText(f"Epoch {num(get('epoch'), '.2f')}")
        f["iteration"].setText(f"Iteration {get('iteration', 0) or 0}")
        f["loss"].setText(f"Loss {num(get('loss'), '.4f')}")
        f["acc"].setText(f"Batch acc {num(get('batch_acc'), '.1%')} · Val acc {num(get('val_acc'), '.1%')}")
        f["speed"].setText(f"{num(get('examples_per_s'), ',.0f')} examples/s")
        f["lr"].setText(f"lr {num(get('lr'), 'g')}")

    # ---------------------------------------------------------------- evaluation strip
    def show_evaluating(self, on: bool) -> None:
        if on:
            self.eval_progress.setRange(0, 0)
        for w in (self.eval_progress, self.eval_cancel):
            w.setVisible(on)

    def set_progress(self, done: int, total: int) -> None:
        self.eval_progress.setRange(0, max(total, 1))
        self.eval_progress.setValue(min(done, total))

    def export_targets(self) -> dict:
        return {"Loss": self.loss_plot, "Accuracy": self.acc_plot}
