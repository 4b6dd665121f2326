"""Drawing helpers of lab 6: colour scales, a painted number grid, an image plot, a scale legend.

Colour scales (explained to the student by ScaleBar):
    diverging_rgb(values, scale)  signed values: blue (-scale) .. white (0) .. red (+scale), centred on 0
    grey_rgb(values, vmax)        non-negative values: black (0) .. white (vmax)
"""
from __future__ import annotations

import csv

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from visualdl.atomic import write_atomic
from visualdl.labs.common.palette import DIVERGING_BLUE, DIVERGING_RED, diverging_mix

NEG, POS = DIVERGING_BLUE, DIVERGING_RED  # the app's diverging scale (labs.common.palette)


def _scale_of(values: np.ndarray, scale) -> float:
    if scale is None:
        scale = float(np.max(np.abs(values))) if values.size else 0.0
    return scale if scale > 0 and np.isfinite(scale) else 1.0


def diverging_rgb(values, scale=None) -> np.ndarray:
    """(H, W) signed -> (H, W, 3) uint8: 0 is white, +scale full red, -scale full blue (clipped)."""
    v = np.asarray(values, dtype=np.float64)
    return diverging_mix(np.clip(v / _scale_of(v, scale), -1.0, 1.0)).round().astype(np.uint8)


def grey_rgb(values, vmax=None) -> np.ndarray:
    """(H, W) non-negative -> (H, W, 3) uint8: 0 black, vmax white (clipped)."""
    v = np.asarray(values, dtype=np.float64)
    g = np.clip(v / _scale_of(np.maximum(v, 0), vmax), 0.0, 1.0) * 255.0
    return np.repeat(g.round().astype(np.uint8)[..., None], 3, axis=-1)


def fmt(v: float) -> str:
    """A number short but honest: whole numbers as such, others to 4 significant digits (0.0625, 0.1111, 3.25)."""
    if float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.4g}"


def write_matrix_csv(path, matrix) -> None:
    """One CSV row per matrix row, written atomically."""
    def write(fh):
        writer = csv.writer(fh)
        for row in np.atleast_2d(matrix):
            writer.writerow([repr(float(v)) for v in row])

    write_atomic(path, write, newline="", encoding="utf-8")


class MatrixView(QWidget):
    """A grid of numbers drawn cell by cell, with optional cell colours, a highlighted block and
    outlined cells. Exports as PNG/SVG (drawn) and CSV (the values)."""

    def __init__(self, title: str = "", max_cell: int = 44, parent=None):
        super().__init__(parent)
        self.title = title
        self.max_cell = max_cell
        self.values = np.zeros((0, 0))
        self.colours = None        # (H, W, 3) uint8 or None (white)
        self.text_mask = None      # (H, W) bool: where to write the number (None: everywhere)
        self.block = None          # (r0, r1, c0, c1) outlined in blue
        self.block_colour = QColor(30, 90, 220)
        self.outlined: set = set()  # {(r, c)} drawn with a thick black frame
        self.labels = None         # (H, W) of str overriding the numbers, or None
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:  # noqa: N802
        h, w = self.values.shape if self.values.size else (4, 4)
        return QSize(min(420, 24 + w * self.max_cell), min(420, 36 + h * self.max_cell))

    def set_matrix(self, values, colours=None, block=None, outlined=(), text_mask=None, labels=None) -> None:
        self.values = np.atleast_2d(np.asarray(values, dtype=np.float64))
        self.colours, self.block, self.outlined = colours, block, set(outlined)
        self.text_mask, self.labels = text_mask, labels
        self.updateGeometry()
        self.update()

    def cell_size(self) -> float:
        h, w = self.values.shape
        if not h or not w:
            return 0.0
        return max(2.0, min(self.max_cell, (self.width() - 8) / w, (self.height() - 28) / h))

    def cell_text(self, r: int, c: int) -> str:
        if self.labels is not None:
            return str(self.labels[r][c])
        return fmt(self.values[r, c])

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), Qt.GlobalColor.white)
        p.setPen(Qt.GlobalColor.black)
        p.drawText(QRectF(0, 0, self.width(), 22), Qt.AlignmentFlag.AlignCenter, self.title)
        h, w = self.values.shape
        s = self.cell_size()
        if not s:
            p.end()
            return
        x0, y0 = (self.width() - s * w) / 2, 24.0
        font = QFont(p.font())
        font.setPointSizeF(max(6.0, min(11.0, s / 3.2)))
        p.setFont(font)
        show_text = s >= 16
        grid_pen = QPen(QColor(150, 150, 150), 1)
        for r in range(h):
            for c in range(w):
                rect = QRectF(x0 + c * s, y0 + r * s, s, s)
                colour = QColor(*map(int, self.colours[r, c])) if self.colours is not None else QColor("white")
                p.fillRect(rect, colour)
                p.setPen(grid_pen)
                p.drawRect(rect)
                if show_text and (self.text_mask is None or self.text_mask[r, c]):
                    dark = colour.lightness() < 110
                    p.setPen(Qt.GlobalColor.white if dark else Qt.GlobalColor.black)
                    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.cell_text(r, c))
        p.setBrush(Qt.BrushStyle.NoBrush)
        for r, c in self.outlined:
            p.setPen(QPen(Qt.GlobalColor.black, max(2.0, s / 12)))
            p.drawRect(QRectF(x0 + c * s + 2, y0 + r * s + 2, s - 4, s - 4))
        if self.block is not None:
            r0, r1, c0, c1 = self.block
            p.setPen(QPen(self.block_colour, max(2.0, s / 10)))
            p.drawRect(QRectF(x0 + c0 * s, y0 + r0 * s, (c1 - c0) * s, (r1 - r0) * s))
        p.end()

    def export_csv(self, path) -> None:
        write_matrix_csv(path, self.values)


class ImagePlot(pg.PlotWidget):
    """An (H, W, 3) uint8 picture in a plot with hidden axes, row 0 at the top, pixels square.
    ``values`` keeps the numbers behind it for CSV export (ImageItem matrix)."""

    def __init__(self, title: str = "", parent=None):
        super().__init__(parent=parent)
        self.setBackground("w")
        self.setTitle(title, color="k", size="10pt")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.addItem(self.image)
        self.getPlotItem().hideAxis("left")
        self.getPlotItem().hideAxis("bottom")
        self.getViewBox().invertY(True)
        self.getViewBox().setAspectLocked(True)
        self.getViewBox().setMouseEnabled(False, False)
        self.setMenuEnabled(True)
        self.values = None
        self.setMinimumSize(140, 140)

    def show_rgb(self, rgb, values=None) -> None:
        self.values = values
        self.image.setImage(np.ascontiguousarray(rgb), levels=(0, 255))
        h, w = rgb.shape[:2]
        self.getViewBox().setRange(xRange=(0, w), yRange=(0, h), padding=0.02)

    def clear_image(self) -> None:
        self.values = None
        self.image.clear()


class ScaleBar(QWidget):
    """A legend: the colour ramp with its end values and what it means."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.kind, self.lo, self.hi = "grey", 0.0, 1.0
        self.setFixedHeight(34)
        self.setMinimumWidth(140)

    def set_scale(self, kind: str, lo: float, hi: float) -> None:
        """kind "diverging" (lo = -hi, white at 0) or "grey" (black at lo = 0, white at hi)."""
        self.kind, self.lo, self.hi = kind, float(lo), float(hi)
        self.setToolTip("blue = negative, white = 0, red = positive" if kind == "diverging"
                        else "black = 0, white = the largest value")
        self.update()

    def text(self) -> str:
        if self.kind == "diverging":
            return f"{fmt(self.lo)}   …   0   …   {fmt(self.hi)}"
        return f"{fmt(self.lo)}   …   {fmt(self.hi)}"

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        bar = QRectF(4, 2, self.width() - 8, 12)
        grad = QLinearGradient(bar.topLeft(), bar.topRight())
        if self.kind == "diverging":
            grad.setColorAt(0.0, QColor(*NEG.astype(int)))
            grad.setColorAt(0.5, QColor("white"))
            grad.setColorAt(1.0, QColor(*POS.astype(int)))
        else:
            grad.setColorAt(0.0, QColor("black"))
            grad.setColorAt(1.0, QColor("white"))
        p.fillRect(bar, grad)
        p.setPen(QColor(120, 120, 120))
        p.drawRect(bar)
        p.setPen(Qt.GlobalColor.black)
        p.drawText(QRectF(0, 16, self.width(), 16), Qt.AlignmentFlag.AlignCenter, self.text())
        p.end()


ERROR_STYLE = "color: #b00020; font-weight: bold;"
OK_STYLE = "color: #1b5e20;"
