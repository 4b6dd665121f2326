"""The network diagram (TF-Playground style): every neuron's picture, every weight a line.

Columns: the input features, each hidden layer, the class outputs. A node of an input or hidden
unit shows its value over the plane (signed_rgb: blue > 0, red < 0, white 0; each picture scaled
to its own largest |value|). Lines: one per weight, blue positive, red negative, thickness by
|w| relative to the largest weight of the net. Hovering a line shows "W2[3, 5] = -0.421"
(row = unit of the next layer, column = unit of the previous one, counted from 1); hovering a
node names the unit and its bias. Clicking a node emits node_clicked(column, unit) to enlarge it. A dead ReLU is greyed out and marked "dead".
A layer wider than MAX_PICTURED units is drawn as one box without per-unit pictures or lines.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPainterPath, QPainterPathStroker, QPen, QPixmap
from PySide6.QtWidgets import (QFileDialog, QGraphicsLineItem, QGraphicsPixmapItem, QGraphicsRectItem,
                               QGraphicsScene, QGraphicsSimpleTextItem, QGraphicsView, QMenu)

from visualdl.atomic import write_atomic
from visualdl.engine.playground.views import MAX_PICTURED
from visualdl.labs.common.palette import class_rgb
from visualdl.labs.neural_nets.plots import signed_rgb
from visualdl.ui import export as exporting

SCENE_W, SCENE_H = 460.0, 440.0
TOP = 24.0  # room for the column titles
MAX_LINE = 5.0
WIDTH_STEPS = 20


def _pens() -> dict:
    pens = {}
    for positive in (True, False):
        colour = QColor(33, 102, 172) if positive else QColor(178, 24, 43)
        for k in range(WIDTH_STEPS + 1):
            pens[(positive, k)] = QPen(colour, 0.3 + (MAX_LINE - 0.3) * k / WIDTH_STEPS)
    return pens


PENS: dict = {}


def rgb_pixmap(rgb: np.ndarray, size: int) -> QPixmap:
    """rgb (H, W, 3) with row 0 = lowest y -> a size x size pixmap with y pointing up."""
    img = np.ascontiguousarray(rgb[::-1], dtype=np.uint8)
    h, w = img.shape[:2]
    qimg = QImage(img.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(qimg).scaled(size, size, Qt.AspectRatioMode.IgnoreAspectRatio,
                                          Qt.TransformationMode.SmoothTransformation)


class WeightLine(QGraphicsLineItem):
    """One weight; a wider invisible band makes thin lines easy to hover."""

    def __init__(self, line: QLineF, layer: int, row: int, col: int, diagram: "NetworkDiagram"):
        super().__init__(line)
        self.layer, self.row, self.col, self.value = layer, row, col, 0.0
        self.look = None  # (sign, width step) last drawn: unchanged lines are not repainted
        stroker = QPainterPathStroker()
        stroker.setWidth(6)
        path = QPainterPath(line.p1())
        path.lineTo(line.p2())
        self._shape = stroker.createStroke(path)
        self.diagram = diagram
        self.setAcceptHoverEvents(True)
        self.setZValue(-1)

    def text(self) -> str:
        return f"W{self.layer + 1}[{self.row + 1}, {self.col + 1}] = {self.value:+.4f}"

    def shape(self):  # noqa: D102 - a 6-px band, computed once (the line never moves)
        return self._shape

    def hoverEnterEvent(self, event):  # noqa: N802 (Qt name)
        self.setToolTip(self.text())
        self.diagram.line_hovered(self)
        super().hoverEnterEvent(event)


class DiagramScene(QGraphicsScene):
    """The diagram's scene: the export target (PNG/SVG drawn from the scene, CSV = the weights)."""

    def __init__(self, diagram: "NetworkDiagram"):
        super().__init__(0, 0, SCENE_W, SCENE_H)
        self.diagram = diagram

    def export_csv(self, path) -> None:
        """Every weight and bias as rows matrix,row,column,value (rows/columns from 1; bias column 0)."""
        layers = self.diagram.layers or []

        def write(fh):
            fh.write("matrix,row,column,value\n")
            for k, (W, b) in enumerate(layers):
                for r in range(W.shape[0]):
                    fh.write(f"b{k + 1},{r + 1},0,{float(b[r])!r}\n")
                    for c in range(W.shape[1]):
                        fh.write(f"W{k + 1},{r + 1},{c + 1},{float(W[r, c])!r}\n")

        write_atomic(path, write, encoding="utf-8")


class NetworkDiagram(QGraphicsView):
    node_clicked = Signal(int, int)  # column (0 = inputs, 1.. = hidden layers), unit
    hovered = Signal(str)

    def __init__(self, parent=None):
        if not PENS:
            PENS.update(_pens())
        self._scene = DiagramScene(self)
        self._scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)  # pens change 10x a second
        super().__init__(self._scene, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setBackgroundBrush(QBrush(Qt.GlobalColor.white))
        self.setMouseTracking(True)
        self.sizes: list[int] = []
        self.nodes: list[list] = []  # per column: list of (pixmap item | None, rect QRectF)
        self.dead_marks: list[list] = []
        self.lines: list[list[WeightLine]] = []  # per weight matrix
        self.node_size = 40
        self.layers = None
        self._dead = None
        self._feature_titles: list[str] = []

    # ------------------------------------------------------------------ structure
    def set_structure(self, sizes, feature_titles, num_classes: int) -> None:
        """sizes: [inputs, hidden..., classes]; rebuilds the scene (a new run)."""
        self._scene.clear()
        self.sizes = list(sizes)
        self._feature_titles = list(feature_titles)
        self.nodes, self.dead_marks, self.lines = [], [], []
        ncols = len(sizes)
        pictured = [n for n in sizes if n <= MAX_PICTURED] or [1]
        s = int(min(52, 0.86 * (SCENE_H - TOP) / max(pictured)))
        self.node_size = s
        xs = np.linspace(s / 2 + 34, SCENE_W - s / 2 - 40, ncols)
        font = QFont()
        font.setPointSize(8)
        for c, n in enumerate(sizes):
            title = "inputs" if c == 0 else ("outputs" if c == ncols - 1 else f"hidden {c}")
            t = self._scene.addSimpleText(f"{title} ({n})", font)
            t.setPos(xs[c] - t.boundingRect().width() / 2, 2)
            col, marks = [], []
            if n > MAX_PICTURED:
                rect = QRectF(xs[c] - s / 2, TOP + 10, s, SCENE_H - TOP - 20)
                self._scene.addRect(rect, QPen(Qt.GlobalColor.gray), QBrush(QColor(235, 235, 235)))
                t = self._scene.addSimpleText(f"{n}\nunits\n(no\npictures\nabove\n{MAX_PICTURED})", font)
                t.setPos(rect.center().x() - t.boundingRect().width() / 2, rect.center().y() - 40)
                self.nodes.append(None)
                self.dead_marks.append([])
                continue
            gap = (SCENE_H - TOP) / n
            for u in range(n):
                y = TOP + gap * (u + 0.5)
                rect = QRectF(xs[c] - s / 2, y - s / 2, s, s)
                if c == ncols - 1:
                    box = self._scene.addRect(rect, QPen(Qt.GlobalColor.black), QBrush(QColor(*class_rgb(u))))
                    box.setData(1, (c, u))
                    lab = self._scene.addSimpleText(f"class {u}", font)
                    lab.setPos(rect.right() + 3, y - 7)
                    col.append((None, rect))
                    continue
                pix = QGraphicsPixmapItem()
                pix.setPos(rect.topLeft())
                pix.setData(0, (c, u))  # clickable: enlarges
                pix.setData(1, (c, u))  # hoverable: names the unit and its bias
                self._scene.addItem(pix)
                self._scene.addRect(rect, QPen(QColor(90, 90, 90)))
                if c == 0:
                    lab = self._scene.addSimpleText(feature_titles[u], font)
                    lab.setPos(rect.left() - lab.boundingRect().width() - 3, y - 7)
                else:
                    mark = _DeadMark(rect)
                    self._scene.addItem(mark)
                    marks.append(mark)
                col.append((pix, rect))
            self.nodes.append(col)
            self.dead_marks.append(marks)
        for k in range(ncols - 1):
            a, b = self.nodes[k], self.nodes[k + 1]
            row = []
            if a is not None and b is not None:
                for j, (_, rb) in enumerate(b):
                    for i, (_, ra) in enumerate(a):
                        line = WeightLine(QLineF(ra.right(), ra.center().y(), rb.left(), rb.center().y()), k, j, i,
                                          self)
                        self._scene.addItem(line)
                        row.append(line)
            self.lines.append(row)
        self.fitInView(self._scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    # ------------------------------------------------------------------ updates
    def show_views(self, views) -> None:
        """Node pictures, dead marks and weight lines of one snapshot."""
        self.layers = views["layers"]
        self._dead = views["dead"]
        maps = [views["inputs"]] + list(views["neurons"])
        step = max(1, maps[0].shape[-1] // (2 * self.node_size))  # no more cells than twice the pixels
        for c, col in enumerate(self.nodes[:-1]):
            if col is None or maps[c] is None:
                continue
            m = maps[c][:, ::step, ::step]
            scales = np.abs(m).reshape(len(m), -1).max(axis=1)
            for u, (pix, _) in enumerate(col):
                pix.setPixmap(rgb_pixmap(signed_rgb(m[u], float(scales[u])), self.node_size))
        for c, marks in enumerate(self.dead_marks[1:-1]):
            dead = views["dead"][c]
            for u, mark in enumerate(marks):
                mark.setVisible(bool(dead[u]))
        biggest = max((float(np.abs(W).max()) for W, _ in self.layers if W.size), default=0.0) or 1.0
        for k, row in enumerate(self.lines):
            if not row:
                continue
            W = self.layers[k][0]
            for line in row:
                w = float(W[line.row, line.col])
                line.value = w
                look = (w >= 0, round(WIDTH_STEPS * abs(w) / biggest))
                if look != line.look:  # repaint only lines that visibly changed
                    line.look = look
                    line.setPen(PENS[look])

    def line_hovered(self, line: WeightLine) -> None:
        self.hovered.emit(line.text())

    def resizeEvent(self, event):  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self.fitInView(self._scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def node_text(self, column: int, unit: int) -> str:
        """What hovering a node says: which unit, its bias (from the last snapshot), dead or not."""
        last = len(self.sizes) - 1
        if column == 0:
            return f"input {unit + 1}: feature {self._feature_titles[unit]} (standardised) over the plane"
        name = f"output, class {unit}" if column == last else f"hidden layer {column}, unit {unit + 1}"
        if self.layers is None:
            return name
        b = float(self.layers[column - 1][1][unit])
        dead = column < last and self._dead is not None and bool(self._dead[column - 1][unit])
        return f"{name}: bias b{column}[{unit + 1}] = {b:+.4f}" + (" · dead (never active on the data)" if dead else "")

    def mouseMoveEvent(self, event):  # noqa: N802 (Qt name)
        super().mouseMoveEvent(event)
        for item in self.items(event.position().toPoint()):
            key = item.data(1)
            if key is not None:
                self.hovered.emit(self.node_text(*key))
                return

    def mousePressEvent(self, event):  # noqa: N802 (Qt name)
        for item in self.items(event.position().toPoint()):
            key = item.data(0) if isinstance(item, QGraphicsPixmapItem) else None
            if key is not None:
                self.node_clicked.emit(*key)
                return
        super().mousePressEvent(event)

    def node_center(self, column: int, unit: int):
        """Widget position of a node's centre (for tests and tooltips)."""
        return self.mapFromScene(self.nodes[column][unit][1].center())

    # ------------------------------------------------------------------ export (right-click)
    def export_menu(self) -> QMenu:
        """Export PNG/SVG/CSV of the scene (export.py's helpers; a QGraphicsView needs its own menu)."""
        menu = QMenu(self)
        for fmt in ("PNG", "SVG", "CSV"):
            action = menu.addAction(f"Export {fmt}…")
            action.setData(fmt)
            action.triggered.connect(self._on_export_triggered)
        return menu

    def contextMenuEvent(self, event):  # noqa: N802 (Qt name)
        self.export_menu().exec(event.globalPos())

    def _on_export_triggered(self) -> None:
        fmt = self.sender().data()
        filt, fn = exporting.FORMATS[fmt]
        path, _ = QFileDialog.getSaveFileName(self, f"Export network diagram as {fmt}",
                                              f"network_diagram.{fmt.lower()}", filt)
        if path:
            try:
                fn(self._scene, path)
            except (exporting.ExportError, OSError) as exc:
                self.hovered.emit(f"Export failed: {exc}")


class _DeadMark(QGraphicsRectItem):
    """Grey veil, red border and red cross over a ReLU unit that never fires on the data ("dead" when it fits)."""

    def __init__(self, rect: QRectF):
        super().__init__(rect)
        self.setBrush(QBrush(QColor(120, 120, 120, 150)))
        red = QPen(QColor(210, 0, 0), 2)
        self.setPen(red)
        for a, b in ((rect.topLeft(), rect.bottomRight()), (rect.topRight(), rect.bottomLeft())):
            QGraphicsLineItem(QLineF(a, b), self).setPen(red)
        self.setToolTip("dead: this ReLU is never active on the training points")
        if rect.width() >= 30:
            text = QGraphicsSimpleTextItem("dead", self)
            font = QFont()
            font.setPointSize(7)
            font.setBold(True)
            text.setFont(font)
            text.setBrush(QBrush(QColor(255, 255, 255)))
            text.setPos(rect.center().x() - text.boundingRect().width() / 2, rect.bottom() - 13)
        self.setVisible(False)
