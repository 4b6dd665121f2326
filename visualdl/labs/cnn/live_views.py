"""Drawing pieces of the live CNN tab: image mosaics (filters, feature maps), colour legends, probability bars.

The maths (normalising filters and maps, laying tiles out) is in visualdl.engine.cnn.features; these
widgets only colour the numbers they are given and paint them. Colour scales:
    DIVERGING   signed values in [-1, 1] (conv, batch-norm outputs): blue < 0, white = 0, red > 0
    GREYS       non-negative values in [0, 1] (after ReLU, pooling): black = 0, white = the maximum
    GAP         the pale green between tiles (in neither scale)
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from visualdl.atomic import write_atomic
from visualdl.engine.cnn.features import grid_shape, scale_maps, tile_at, tile_grid
from visualdl.labs.common.palette import DIVERGING_LUT, class_rgb

GAP = (214, 228, 214)


DIVERGING = DIVERGING_LUT  # 256 colours from blue (-1) through white (0) to red (+1)
GREYS = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)


def colourise(values: np.ndarray, signed: bool) -> np.ndarray:
    """values (h, w) in [-1, 1] (signed) or [0, 1], NaN for gaps -> (h, w, 3) uint8 RGB."""
    v = np.asarray(values, dtype=np.float32)
    gap = ~np.isfinite(v)
    v = np.where(gap, 0.0, v)
    idx = np.rint((np.clip(v, -1, 1) + 1) * 127.5) if signed else np.rint(np.clip(v, 0, 1) * 255)
    rgb = (DIVERGING if signed else GREYS)[idx.astype(np.intp)]
    rgb[gap] = GAP
    return rgb


def rgb_tiles_image(mosaic: np.ndarray) -> np.ndarray:
    """An RGB mosaic with values in [0, 1] and NaN gaps -> (h, w, 3) uint8."""
    m = np.asarray(mosaic, dtype=np.float32)
    gap = ~np.isfinite(m).all(axis=2)
    rgb = np.rint(np.clip(np.nan_to_num(m), 0, 1) * 255).astype(np.uint8)
    rgb[gap] = GAP
    return rgb


def to_qimage(rgb: np.ndarray) -> QImage:
    """(h, w, 3) uint8 -> a QImage that owns its pixels."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class MosaicView(QWidget):
    """Paints an RGB array enlarged with square pixels (no smoothing); a click on a tile emits its index."""

    tile_clicked = Signal(int)

    def __init__(self, width: int = 256, parent=None):
        super().__init__(parent)
        self.target_width = int(width)
        self.image: QImage | None = None
        self.rgb: np.ndarray | None = None
        self.scale = 1
        self._hint = QSize(self.target_width, 16)
        self.layout_info: tuple[int, int, int, int] | None = None  # tile_h, tile_w, cols, count
        self.selected: int | None = None
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_rgb(self, rgb: np.ndarray, layout_info=None, max_scale: int = 12) -> None:
        """rgb (h, w, 3) uint8; layout_info (tile_h, tile_w, cols, count) makes tiles clickable."""
        self.rgb = rgb
        self.image = to_qimage(rgb)
        h, w = rgb.shape[:2]
        self.scale = int(max(1, min(max_scale, self.target_width // max(w, 1))))
        self.layout_info = layout_info
        self._hint = QSize(w * self.scale, h * self.scale)
        self.setFixedSize(self._hint)
        self.updateGeometry()
        self.update()

    def sizeHint(self):  # noqa: N802 (Qt name)
        return self._hint

    def tile_rect(self, index: int) -> QRect | None:
        """Where tile `index` is drawn (widget pixels), for clicks and the selection frame."""
        if self.layout_info is None:
            return None
        th, tw, cols, count = self.layout_info
        if not 0 <= index < count:
            return None
        r, c = divmod(index, cols)
        s = self.scale
        return QRect(c * (tw + 1) * s, r * (th + 1) * s, tw * s, th * s)

    def paintEvent(self, event):  # noqa: N802 (Qt name)
        if self.image is None:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        p.drawImage(self.rect(), self.image)
        rect = self.tile_rect(self.selected) if self.selected is not None else None
        if rect is not None:
            p.setPen(QPen(QColor(230, 120, 0), 2))
            p.drawRect(rect.adjusted(-1, -1, 1, 1))
        p.end()

    def mousePressEvent(self, event):  # noqa: N802 (Qt name)
        if self.layout_info is None or event.button() != Qt.MouseButton.LeftButton:
            return
        th, tw, cols, count = self.layout_info
        pos = event.position()
        i = tile_at(pos.y() / self.scale, pos.x() / self.scale, th, tw, cols, count)
        if i is not None:
            self.tile_clicked.emit(i)


class MapGrid(QWidget):
    """One layer's feature maps as a grid of small images, titled with the layer's name and shape.

    show(layer, mode): layer is a FeatureProbe layer dict ({"name", "shape", "output"} for one image).
    A vector layer (fully connected) is drawn as one near-square map of its values.
    """

    map_clicked = Signal(str, int)  # layer name, map index

    def __init__(self, name: str, width: int = 250, parent=None):
        super().__init__(parent)
        self.name = name
        self.title = QLabel(name)
        self.title.setWordWrap(True)
        self.view = MosaicView(width)
        self.view.tile_clicked.connect(self._on_tile_clicked)
        self.maps: np.ndarray | None = None
        self.scaled: np.ndarray | None = None
        self.signed = False
        self.shape: tuple = ()
        box = QVBoxLayout(self)
        box.setContentsMargins(2, 2, 2, 2)
        box.setSpacing(2)
        box.addWidget(self.title)
        box.addWidget(self.view)
        box.addStretch(1)

    @staticmethod
    def maps_of(output: np.ndarray) -> np.ndarray:
        """(C, H, W) as it is; a vector (D,) as one map of a near-square grid (NaN-padded)."""
        a = np.asarray(output, dtype=np.float32)
        if a.ndim == 3:
            return a
        d = a.size
        cols = int(np.ceil(np.sqrt(d)))
        rows = int(np.ceil(d / cols))
        flat = np.full(rows * cols, np.nan, np.float32)
        flat[:d] = a.ravel()
        return flat.reshape(1, rows, cols)

    def show_layer(self, layer: dict, mode: str) -> None:
        self.shape = tuple(layer["shape"])
        maps = self.maps_of(layer["output"])
        self.maps = maps
        pad = ~np.isfinite(maps)
        scaled, self.signed = scale_maps(np.where(pad, 0.0, maps), mode)
        scaled[pad] = np.nan
        self.scaled = scaled
        k, h, w = maps.shape
        _, cols = grid_shape(k)
        mosaic = tile_grid(scaled, cols)
        self.view.set_rgb(colourise(mosaic, self.signed), (h, w, cols, k))
        what = f"{k} maps {h}×{w}" if len(self.shape) == 3 else f"{self.shape[0]} values"
        self.title.setText(f"<b>{layer['name']}</b> {self.shape}: {what}, {'signed' if self.signed else '≥ 0'}")

    def _on_tile_clicked(self, index: int) -> None:
        self.map_clicked.emit(self.name, index)

    def export_csv(self, path) -> None:
        """The raw (unscaled) values: one row per map row, maps one after another (map, row, values...)."""
        if self.maps is None:
            raise ValueError(f"{self.name}: nothing to export yet")

        def write(fh):
            w = csv.writer(fh)
            w.writerow(["map", "row"] + [f"col{j}" for j in range(self.maps.shape[2])])
            for m, image in enumerate(self.maps):
                for r, row in enumerate(image):
                    w.writerow([m, r] + ["" if not np.isfinite(v) else repr(float(v)) for v in row])

        write_atomic(Path(path), write, "w", encoding="utf-8", newline="")


class ScaleLegend(QWidget):
    """A colour strip with its end labels, e.g. blue…white…red for signed values."""

    def __init__(self, lut: np.ndarray, left: str, middle: str, right: str, caption: str, parent=None):
        super().__init__(parent)
        strip = QLabel()
        from PySide6.QtGui import QPixmap

        row = np.repeat(lut[None, :, :], 10, axis=0)
        strip.setPixmap(QPixmap.fromImage(to_qimage(row)).scaled(96, 10))
        labels = QHBoxLayout()
        for text, align in ((left, Qt.AlignmentFlag.AlignLeft), (middle, Qt.AlignmentFlag.AlignHCenter),
                            (right, Qt.AlignmentFlag.AlignRight)):
            lab = QLabel(text)
            lab.setAlignment(align)
            labels.addWidget(lab)
        col = QVBoxLayout()
        col.setSpacing(0)
        col.addWidget(strip)
        col.addLayout(labels)
        box = QHBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(col)
        text = QLabel(caption)
        text.setWordWrap(True)
        box.addWidget(text, 1)


class ProbabilityBars(pg.PlotWidget):
    """Horizontal bars: one per class in the class palette; the true class is outlined and labelled "(true)"."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMenuEnabled(True)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setLabel("bottom", "probability")
        self.getAxis("bottom").setTicks([[(0.0, "0"), (0.5, "0.5"), (1.0, "1")]])
        self.setXRange(0, 1, padding=0.02)
        self.getPlotItem().invertY(True)
        self.bars: pg.BarGraphItem | None = None
        self.points = self.plot([], [], pen=None, name="probability")  # the numbers, for CSV export
        self.probs = np.zeros(0)
        self.label: int | None = None

    def show_probs(self, probs: np.ndarray, names: list[str], label: int | None) -> None:
        probs = np.asarray(probs, dtype=np.float64)
        n = len(probs)
        self.probs, self.label = probs, label
        brushes = [pg.mkBrush(*class_rgb(c)) for c in range(n)]
        pens = [pg.mkPen((0, 0, 0), width=3) if c == label else pg.mkPen(None) for c in range(n)]
        if self.bars is None:
            self.bars = pg.BarGraphItem(x0=np.zeros(n), y=np.arange(n), height=0.75, width=probs,
                                        brushes=brushes, pens=pens)
            self.addItem(self.bars)
        else:
            self.bars.setOpts(x0=np.zeros(n), y=np.arange(n), height=0.75, width=probs, brushes=brushes,
                              pens=pens)
        self.points.setData(probs, np.arange(n))
        self.ticks = [(i, (names[i] if i < len(names) else str(i)) + (" (true) ▶" if i == label else ""))
                      for i in range(n)]
        self.getAxis("left").setTicks([self.ticks])
        self.setYRange(-0.6, n - 0.4, padding=0)
