"""Plot widgets shared by labs 1 and 2: a decision-region heatmap with the data on top.

Colours only, no maths: each cell is painted with its class's light colour, and
cells whose kNN vote is tied are painted grey with dark diagonal hatching, so a
student sees where the colour was settled by the tie rule instead of the data.
"""
from __future__ import annotations

import functools

import csv
import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea

from visualdl.atomic import write_atomic
from visualdl.labs.common.palette import REGION_RGB as REGION_COLORS
from visualdl.labs.common.palette import class_hex, class_rgb

TIE_COLOR = np.array([205, 205, 205], np.uint8)
TIE_HATCH = np.array([120, 120, 120], np.uint8)
HATCH_PERIOD = 6  # in grid cells


def class_color(c: int) -> tuple[int, int, int]:
    """(r, g, b) of class c: the app's one class palette (labs.common.palette)."""
    return class_rgb(c)


def legend_html(entries) -> str:
    """entries: (text, "#rrggbb", symbol) -> one line of coloured symbols and names (for titles, labels)."""
    return " &nbsp; ".join(f"<span style='color:{color}'>{symbol}</span>&nbsp;{html.escape(text)}"
                           for text, color, symbol in entries)


class ClassLegend(QLabel):
    """A one-line legend of class colours under a plot: never covers data, wraps when long."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.names: list[str] = []

    def set_classes(self, names) -> None:
        self.names = [str(n) for n in names]
        self.setText("Classes: " + legend_html((n, class_hex(c), "■") for c, n in enumerate(self.names)))


def plain_axis(plot, axis: str = "left") -> None:
    """No SI-prefix rescaling on this axis (an accuracy of 0.25 must not read '250 (x0.001)')."""
    item = plot.getPlotItem() if hasattr(plot, "getPlotItem") else plot
    item.getAxis(axis).enableAutoSIPrefix(False)


def accuracy_axis(plot, label: str = "accuracy (0 to 1)") -> None:
    """An accuracy axis in plain units: labelled, no SI prefix, 0..1 while empty."""
    plain_axis(plot, "left")
    plot.setLabel("left", label)
    plot.setYRange(0.0, 1.0, padding=0.02)


def region_rgb(labels, tie=None) -> np.ndarray:
    """labels: (H, W) class per cell; tie: (H, W) bool or None.
    Returns (H, W, 3) uint8: class colours, ties grey with diagonal hatching."""
    rgb = REGION_COLORS[np.asarray(labels) % len(REGION_COLORS)]
    if tie is not None and np.any(tie):
        rows, cols = np.indices(tie.shape)
        hatch = ((rows + cols) % HATCH_PERIOD) < 2
        rgb[tie] = TIE_COLOR
        rgb[tie & hatch] = TIE_HATCH
    return rgb


def is_tie_color(rgb) -> bool:
    rgb = np.asarray(rgb)
    return bool(np.array_equal(rgb, TIE_COLOR) or np.array_equal(rgb, TIE_HATCH))


def color_class(rgb) -> int:
    """The class whose region colour is rgb, or -1 (used by tests and the CSV)."""
    hits = np.flatnonzero((REGION_COLORS == np.asarray(rgb)).all(1))
    return int(hits[0]) if hits.size else -1


@functools.lru_cache(maxsize=None)
def _class_brush(c: int):
    """One shared brush per class: a redraw of many points builds no new brushes (pens alike)."""
    return pg.mkBrush(*class_color(c))


@functools.lru_cache(maxsize=None)
def _class_pen(c: int):
    return pg.mkPen(*class_color(c), width=2)


class PointsPlot(pg.PlotWidget):
    """A coloured image under training points (filled) and validation points (hollow squares).

    Emits clicked(x, y, modifiers) in data coordinates when the student clicks in the plot.
    fit_view: set_image shows the whole image whenever its bounds change (a page that keeps the
    student's zoom across edits turns it off and sets the range itself).
    """

    clicked = Signal(float, float, object)
    fit_view = True

    def __init__(self, title: str = "", parent=None, point_size: int = 8):
        super().__init__(parent=parent, title=title)
        self.setBackground("w")
        self.setAspectLocked(True)
        self.showGrid(x=False, y=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.addItem(self.image)
        self.train_scatter = pg.ScatterPlotItem(size=point_size, pen=pg.mkPen("k", width=0.1 * point_size),
                                                name="train")
        self.val_scatter = pg.ScatterPlotItem(size=point_size, symbol="s", brush=None, name="validation")
        self.addItem(self.train_scatter)
        self.addItem(self.val_scatter)
        self.bounds = None
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    def set_image(self, rgb, bounds) -> None:
        """rgb: (H, W, 3) uint8, row 0 = lowest y; bounds: (xmin, xmax, ymin, ymax) it covers."""
        self.image.setImage(rgb, autoLevels=False, levels=(0, 255))
        xmin, xmax, ymin, ymax = bounds
        self.image.setRect(QRectF(xmin, ymin, xmax - xmin, ymax - ymin))
        if self.fit_view and self.bounds != tuple(bounds):
            self.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0)
        self.bounds = tuple(bounds)

    def rgb_at(self, x: float, y: float) -> np.ndarray:
        """The colour drawn at data point (x, y) (what the student sees there)."""
        img = self.image.image
        xmin, xmax, ymin, ymax = self.bounds
        h, w = img.shape[:2]
        col = min(max(int((x - xmin) / (xmax - xmin) * w), 0), w - 1)
        row = min(max(int((y - ymin) / (ymax - ymin) * h), 0), h - 1)
        return img[row, col]

    def set_points(self, X_train, y_train, X_val=None, y_val=None) -> None:
        self.train_scatter.setData(pos=np.asarray(X_train, float), brush=[_class_brush(int(c)) for c in y_train])
        if X_val is None or len(X_val) == 0:
            self.val_scatter.setData([])
            return
        self.val_scatter.setData(pos=np.asarray(X_val, float), brush=None,
                                 pen=[_class_pen(int(c)) for c in y_val])

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        p: QPointF = vb.mapSceneToView(event.scenePos())
        self.clicked.emit(float(p.x()), float(p.y()), event.modifiers())
        event.accept()


class RegionPlot(PointsPlot):
    """Decision regions (class colours, ties hatched grey) under the training and validation points."""

    fit_view = False  # the kNN and linear pages keep the student's view across edits

    def __init__(self, title: str = "", parent=None):
        super().__init__(title, parent)
        self.labels = None
        self.tie = None

    def set_regions(self, labels, tie, bounds) -> None:
        """labels, tie: (H, W), row 0 = lowest y; bounds: (xmin, xmax, ymin, ymax)."""
        self.labels, self.tie = labels, tie
        self.set_image(region_rgb(labels, tie), bounds)


def rgb_pixmap(img, scale: int = 3) -> QPixmap:
    """img: (H, W, 3) uint8 -> a QPixmap scaled up `scale` times without smoothing (pixels stay visible)."""
    img = np.ascontiguousarray(img, dtype=np.uint8)
    h, w = img.shape[:2]
    qimg = QImage(img.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(qimg).scaled(w * scale, h * scale, Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.FastTransformation)


def write_csv(path, header, rows) -> None:
    """The data behind a non-plot view (a table, a calculator, image tiles) as CSV."""
    def write(fh) -> None:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)

    write_atomic(path, write, newline="", encoding="utf-8")


def scrollable(widget, width: int | None = None) -> QScrollArea:
    """widget inside a frameless vertical scroll area, so a page still fits a small screen."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    if width is not None:
        area.setFixedWidth(width)
    return area


def settle_plots(root) -> None:
    """Do now, in one go, the range and layout work pyqtgraph would otherwise do while painting.

    A plot whose data changed works out its auto-range in its first paint, which changes its axes and
    so asks for a second paint; with several plots that is a chain of repaints, one after another, in
    which the GUI answers nothing else (measured: 8 repaints, ~40 ms, after each playground update).
    Settled here, every plot is painted once, all in the same pass.
    """
    for view in root.findChildren(pg.GraphicsView):
        if view.isVisible():
            view.scene().prepareForPaint()
