"""The loss-surface map: filled colours with a colour bar, contour lines, paths and what each carries.

Only draws: the surface values, contours and racer snapshots come from the engine. The map is
redrawn only by ``set_surface`` (when the surface changes); paths and arrows by ``set_racers``.
A left click inside the map emits ``point_clicked(x, y)`` in map coordinates.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QColor

from visualdl.engine.optimization.race import NAMES
from visualdl.labs.common.palette import class_hex

RACER_COLOURS = {name: class_hex(i) for i, name in enumerate(NAMES)}
ARROW_FRACTION = 0.12  # arrows are drawn this fraction of the map's width long (direction matters)
MAX_DRAWN = 800  # a path longer than this is drawn through every k-th point (and its last ones)


def thin_index(n: int, limit: int = 500, tail: int = 50) -> np.ndarray:
    """Indices of at most about `limit` of n points for drawing: every k-th one plus the last `tail`.

    Every index drawn is a real point (no averaging); the export writes all of them.
    """
    if n <= limit:
        return np.arange(n)
    k = int(np.ceil((n - tail) / (limit - tail)))
    return np.concatenate([np.arange(0, n - tail, k), np.arange(n - tail, n)])


def thin_path(path: np.ndarray, limit: int = MAX_DRAWN) -> np.ndarray:
    return path[thin_index(len(path), limit, 100)]


def arrow_segments(p, d, length: float) -> np.ndarray:
    """(6, 2) endpoints of an arrow from p along direction d (shaft + two head strokes), for connect='pairs'."""
    p, d = np.asarray(p, float), np.asarray(d, float)
    n = float(np.hypot(*d))
    if not np.isfinite(n) or n == 0:
        return np.zeros((0, 2))
    u = d / n
    tip = p + length * u
    side = np.array([-u[1], u[0]])
    head = 0.25 * length
    return np.array([p, tip, tip, tip - head * u + 0.5 * head * side, tip, tip - head * u - 0.5 * head * side])


def ellipse_points(centre, axes, n: int = 40) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n)
    return np.column_stack([centre[0] + axes[0] * np.cos(t), centre[1] + axes[1] * np.sin(t)])


class SurfaceMap(pg.PlotWidget):
    point_clicked = Signal(float, float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.plotItem.setAspectLocked(True)
        self.plotItem.setLabel("bottom", "x (w1)")
        self.plotItem.setLabel("left", "y (w2)")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plotItem.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get("viridis"), interactive=False,
                                        width=12)
        self.colorbar.setImageItem(self.image, insert_in=self.plotItem)
        self.contours = pg.PlotDataItem(connect="pairs", pen=pg.mkPen((255, 255, 255, 120), width=1),
                                        name="contours")
        self.plotItem.addItem(self.contours)
        # the contours only change with the surface: paint them from a cached pixmap
        self.contours.curve.setCacheMode(pg.QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.image.setCacheMode(pg.QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.minima = pg.ScatterPlotItem(symbol="star", size=14, brush="w", pen="k", name="minima")
        self.plotItem.addItem(self.minima)
        self.start_marker = pg.ScatterPlotItem(symbol="o", size=12, brush=None, pen=pg.mkPen("w", width=2))
        self.plotItem.addItem(self.start_marker)
        self.paths: dict[str, pg.PlotDataItem] = {}
        self.heads: dict[str, pg.ScatterPlotItem] = {}
        for name in NAMES:
            colour = RACER_COLOURS[name]
            self.paths[name] = pg.PlotDataItem(pen=pg.mkPen(colour, width=2), name=f"{name} path")
            self.heads[name] = pg.ScatterPlotItem(size=11, brush=colour, pen="w")
            self.plotItem.addItem(self.paths[name])
            self.plotItem.addItem(self.heads[name])
        self.grad_arrow = pg.PlotDataItem(connect="pairs", pen=pg.mkPen("#ff3030", width=2.5), name="-gradient")
        self.moment_arrow = pg.PlotDataItem(connect="pairs", pen=pg.mkPen("#ffffff", width=2.5), name="-momentum")
        self.accum = pg.PlotDataItem(pen=pg.mkPen("#ffd000", width=2), name="g^2 accumulator")
        for item in (self.grad_arrow, self.moment_arrow, self.accum):
            self.plotItem.addItem(item)
        self.bounds = (0.0, 1.0, 0.0, 1.0)
        self.redraws = 0  # how often the surface image was redrawn (tests check it only follows the surface)
        self.scene().sigMouseClicked.connect(self._on_scene_clicked)

    # --- the surface (only when it changes)
    def set_surface(self, result: dict) -> None:
        """result: {"bounds", "colour" (R, C) values to colour, "label", "segments" (2M, 2), "minima"}."""
        x0, x1, y0, y1 = self.bounds = result["bounds"]
        C = result["colour"]
        finite = C[np.isfinite(C)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if hi <= lo:
            hi = lo + 1.0
        self.image.setImage(C, levels=(lo, hi))
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.colorbar.setLevels((lo, hi))
        self.colorbar.axis.setLabel(result["label"])
        seg = result["segments"]
        self.contours.setData(seg[:, 0], seg[:, 1]) if len(seg) else self.contours.setData([], [])
        m = np.asarray(result["minima"], float).reshape(-1, 2)
        self.minima.setData(m[:, 0], m[:, 1])
        self.plotItem.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)
        self.redraws += 1

    def set_start(self, p) -> None:
        self.start_marker.setData([p[0]], [p[1]])

    # --- paths and state (every snapshot)
    def set_racers(self, racers: dict, inspect: str | None) -> None:
        for name in NAMES:
            r = racers.get(name)
            if r is None:
                self.paths[name].setData([], [])
                self.heads[name].setData([], [])
                continue
            path = thin_path(r["path"])
            self.paths[name].setData(path[:, 0], path[:, 1])
            self.heads[name].setData([path[-1, 0]], [path[-1, 1]], symbol="x" if r["status"] else "o")
        self._draw_state(racers.get(inspect))

    def _draw_state(self, r: dict | None) -> None:
        if r is None:
            for item in (self.grad_arrow, self.moment_arrow, self.accum):
                item.setData([], [])
            return
        x0, x1, y0, y1 = self.bounds
        length = ARROW_FRACTION * max(x1 - x0, y1 - y0)
        p = r["path"][-1]
        a = arrow_segments(p, -r["grad"], length)
        self.grad_arrow.setData(a[:, 0], a[:, 1]) if len(a) else self.grad_arrow.setData([], [])
        m = r["state"].get("m")
        b = arrow_segments(p, -m, length) if m is not None else np.zeros((0, 2))
        self.moment_arrow.setData(b[:, 0], b[:, 1]) if len(b) else self.moment_arrow.setData([], [])
        n = r["state"].get("n")
        if n is not None and np.all(np.isfinite(n)) and np.max(n) > 0:
            root = np.sqrt(n)
            e = ellipse_points(p, 0.5 * length * root / root.max())
            self.accum.setData(e[:, 0], e[:, 1])
        else:
            self.accum.setData([], [])

    # --- clicks
    def _on_scene_clicked(self, event) -> None:
        if event.button() != pg.QtCore.Qt.MouseButton.LeftButton:
            return
        vb = self.plotItem.vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        pos = vb.mapSceneToView(event.scenePos())
        self.point_clicked.emit(float(pos.x()), float(pos.y()))


def qcolor(name: str) -> QColor:
    return QColor(RACER_COLOURS[name])
