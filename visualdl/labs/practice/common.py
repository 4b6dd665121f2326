"""What every experiment page shares: plots with export menus, Run/Cancel pairs on the one worker
(ctx.runner, progress through ctx.track), the side panel, ridge (stacked histogram) drawing.

Experiment jobs load the small data they need inside the job (visualdl.data.load_dataset on the
worker thread), so one click is one job with one progress bar and one Cancel."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy, QWidget

from visualdl.labs.common.palette import run_hex
from visualdl.ui.export import install_export_menu
from visualdl.ui.presentation import controls_panel
from visualdl.ui.worker import LatestJob


def make_plot(title: str, x: str = "", y: str = "", name: str | None = None, store: dict | None = None):
    """A white PlotWidget with labelled axes and the right-click PNG/SVG/CSV menu."""
    plot = pg.PlotWidget(background="w")
    plot.setTitle(title, color="#222", size="10pt")
    if x:
        plot.setLabel("bottom", x)
    if y:
        plot.setLabel("left", y)
    plot.showGrid(x=True, y=True, alpha=0.2)
    plot.setMinimumSize(160, 120)
    install_export_menu(plot, name or title)
    if store is not None:
        store[name or title] = plot
    return plot


def pen(k: int, width: float = 2, style=Qt.PenStyle.SolidLine):
    return pg.mkPen(run_hex(k), width=width, style=style)


def wrap_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def side_panel(form_widget: QWidget, width: int = 270) -> QScrollArea:
    """The controls column: fixed width, scrolls when the window is short."""
    layout = form_widget.layout()
    if isinstance(layout, QFormLayout):
        layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    area = QScrollArea()
    area.setWidget(form_widget)
    area.setWidgetResizable(True)
    area.setFixedWidth(width)
    controls_panel(area)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
    return area


def draw_ridge(plot: pg.PlotWidget, hists: list, labels: list[str] | None = None, colour_of=None,
               name: str = "layer") -> None:
    """Stacked histograms: histogram k drawn as a filled curve lifted by k (each scaled to height 0.9).

    hists: list of (edges, counts) or None. The curves are named "<name> k" for the CSV export.
    """
    plot.clear()
    for k, h in enumerate(hists):
        if h is None:
            continue
        edges, counts = h
        centres = (np.asarray(edges[:-1]) + np.asarray(edges[1:])) / 2
        peak = max(int(np.max(counts)), 1)
        y = k + 0.9 * np.asarray(counts) / peak
        colour = colour_of(k) if colour_of else run_hex(0)
        plot.plot(centres, y, pen=pg.mkPen(colour, width=1.5), fillLevel=k, brush=pg.mkBrush(colour + "55"),
                  name=f"{labels[k] if labels else f'{name} {k + 1}'}")
    if labels:
        axis = plot.getAxis("left")
        axis.setTicks([[(k + 0.4, t) for k, t in enumerate(labels)]])


class JobRunner:
    """A Run button and a Cancel button driving one job on ctx.runner (progress in the status bar).

    on_yield / on_done / on_error: bound methods of the owning page (on_yield None: the job's yielded
    values are not drawn). The job lives in a LatestJob: a replaced job's late signals are dropped."""

    def __init__(self, page: QWidget, ctx, run_text: str, on_yield, on_done, on_error=None):
        self.page, self.ctx = page, ctx
        self.run_button = QPushButton(run_text)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.on_yield, self.on_done, self.on_error = on_yield, on_done, on_error
        self.latest = LatestJob()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.cancel_button.clicked.connect(page.cancel_job)

    def row(self) -> QWidget:
        w = QWidget()
        lay = QHBoxLayout(w)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.run_button)
        lay.addWidget(self.cancel_button)
        return w

    @property
    def job(self):
        """The current job (None before the first run)."""
        return self.latest.job

    def start(self, fn, *args, title: str = "", **kwargs):
        job = self.latest.start(self.ctx.runner.submit(fn, *args, title=title, **kwargs))
        job.yielded.connect(self.page.job_yielded)
        job.finished.connect(self.page.job_finished)
        job.errored.connect(self.page.job_error)
        job.ended.connect(self.page.job_ended)
        self.ctx.track(job, title or "Running")
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText("Running…")
        return job

    def running(self) -> bool:
        return self.latest.is_running()

    def cancel(self) -> None:
        self.latest.cancel()

    def ended(self) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def shutdown(self) -> None:
        self.latest.cancel()
        self.latest.wait()


class ExperimentPage(QWidget):
    """Base of every experiment tab: `plots` (name -> plot) for export, one JobRunner (or none)."""

    title = "Experiment"

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.plots: dict = {}
        self.runner: JobRunner | None = None

    def export_targets(self) -> dict:
        return dict(self.plots)

    def all_runners(self) -> list:
        return [r for r in (self.runner, *getattr(self, "extra_runners", ())) if r is not None]

    def _runner_of_sender(self):
        """The runner whose CURRENT job sent the signal (None for a job that was replaced)."""
        sender = self.sender()
        return next((r for r in self.all_runners() if r.latest.is_current(sender)), None)

    @Slot()
    def cancel_job(self) -> None:
        for r in self.all_runners():
            if r.cancel_button is self.sender() or self.sender() is None:
                r.cancel()
                r.status.setText("Cancelled.")

    @Slot(object)
    def job_yielded(self, value) -> None:
        r = self._runner_of_sender()
        if r is not None and r.on_yield is not None:
            r.on_yield(value)

    @Slot(object)
    def job_finished(self, result) -> None:
        r = self._runner_of_sender()
        if r is not None:
            r.on_done(result)

    @Slot(str)
    def job_error(self, message: str) -> None:
        r = self._runner_of_sender()
        if r is not None:
            r.status.setText(f"Failed: {message}")
            self.ctx.status(message, source=self)

    @Slot()
    def job_ended(self) -> None:
        r = self._runner_of_sender()
        if r is not None:
            r.ended()
            if r.job.cancelled:  # after the last delivered value, which may have rewritten the status
                r.status.setText("Cancelled.")

    def shutdown(self) -> None:
        for r in self.all_runners():
            r.shutdown()

