"""Qt drawing for the backprop lab: the expression graph and the training network as boxes.

Both scenes are redrawn from scratch from plain data (a Trace + layout + GraphState,
or a list of LayerBox): the graphs are tiny, and redrawing keeps the code obvious.
No maths here.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView

from visualdl.engine.autograd import Trace, fmt
from visualdl.labs.backprop.layout import GraphState, LayerBox

VALUE_COLOR = QColor("#1b7a1b")  # forward values: green
GRAD_COLOR = QColor("#c62828")  # gradients: red
EDGE_COLOR = QColor("#607080")
BOX_FILL = {"input": QColor("#e8f0fe"), "const": QColor("#f1f1f1"), "op": QColor("#ffffff"),
            "layer": QColor("#ffffff"), "loss": QColor("#fdecea")}
CURRENT_FILL = QColor("#fff4c2")
CURRENT_PEN = QColor("#f57c00")
OP_SYMBOLS = {"*": "×", "/": "÷", "-": "−", "neg": "−(·)", "sigmoid": "σ", "sum": "Σ", "@": "@ (matmul)"}

PAD = 8.0
COLUMN_GAP = 50.0
ROW_GAP = 26.0


def _font(bold=False, size=10, mono=False) -> QFont:
    font = QFont("DejaVu Sans Mono" if mono else "DejaVu Sans", size)
    font.setBold(bold)
    return font


def _lines(value, prefix: str = "") -> list[str]:
    """A value as display lines: a matrix shows one row per line."""
    text = fmt(value)
    if getattr(value, "ndim", 0) == 2:
        rows = [fmt(row) for row in value]
        return [f"{prefix}{rows[0]}"] + [f"{' ' * len(prefix)}{r}" for r in rows[1:]]
    return [f"{prefix}{text}"]


class _Box:
    """Text lines (with colours) measured into a width/height before being placed."""

    def __init__(self, parts: list[tuple[str, QFont, QColor]]):
        self.parts = parts
        self.width = max(QFontMetricsF(f).horizontalAdvance(t) for t, f, _ in parts) + 2 * PAD
        self.height = sum(QFontMetricsF(f).height() for _, f, _ in parts) + 2 * PAD

    def draw(self, scene: QGraphicsScene, x: float, y: float, fill: QColor, pen: QPen, radius=8.0):
        path = QPainterPath()
        path.addRoundedRect(QRectF(x, y, self.width, self.height), radius, radius)
        scene.addPath(path, pen, QBrush(fill))
        ty = y + PAD
        for text, font, color in self.parts:
            item = scene.addSimpleText(text, font)
            item.setBrush(QBrush(color))
            item.setPos(x + PAD, ty)
            ty += QFontMetricsF(font).height()


def _arrow(scene: QGraphicsScene, start: QPointF, end: QPointF, color: QColor = EDGE_COLOR) -> None:
    path = QPainterPath(start)
    dx = max(30.0, (end.x() - start.x()) / 2)
    path.cubicTo(QPointF(start.x() + dx, start.y()), QPointF(end.x() - dx, end.y()), end)
    pen = QPen(color, 1.6)
    scene.addPath(path, pen)
    head = QPolygonF([end, QPointF(end.x() - 9, end.y() - 4.5), QPointF(end.x() - 9, end.y() + 4.5)])
    scene.addPolygon(head, QPen(color), QBrush(color))


class ExpressionGraphScene(QGraphicsScene):
    """The computational graph: one box per node with its value (green) and gradient (red)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackgroundBrush(QBrush(Qt.GlobalColor.white))
        self.node_rects: dict[int, QRectF] = {}  # for tests and hit checks
        self.current_node: int | None = None

    def show_graph(self, trace: Trace, positions: dict, state: GraphState, output_name: str = "f") -> None:
        self.clear()
        self.node_rects = {}
        self.current_node = state.current.node if state.current is not None else None
        boxes = {n.index: self._node_box(n, state, output_name) for n in trace.nodes}
        ncols = max((c for c, _ in positions.values()), default=0) + 1
        col_width = [max((boxes[i].width for i, (c, _) in positions.items() if c == col), default=0)
                     for col in range(ncols)]
        col_x = [sum(col_width[:c]) + COLUMN_GAP * c for c in range(ncols)]
        row_height = max((b.height for b in boxes.values()), default=40) + ROW_GAP
        for n in trace.nodes:
            col, row = positions[n.index]
            box = boxes[n.index]
            x = col_x[col] + (col_width[col] - box.width)  # right-align so edges into a column are short
            y = row * row_height + (row_height - box.height) / 2
            self.node_rects[n.index] = QRectF(x, y, box.width, box.height)
        for src, dst, _ in trace.edges:
            a, b = self.node_rects[src], self.node_rects[dst]
            _arrow(self, QPointF(a.right(), a.center().y()), QPointF(b.left(), b.center().y()))
        for n in trace.nodes:
            r = self.node_rects[n.index]
            current = n.index == self.current_node
            fill = CURRENT_FILL if current else BOX_FILL[n.kind]
            pen = QPen(CURRENT_PEN, 3.0) if current else QPen(QColor("#90a0b0"), 1.2)
            boxes[n.index].draw(self, r.x(), r.y(), fill, pen, radius=4.0 if n.kind == "const" else 8.0)
        self._legend(output_name)
        self.setSceneRect(self.itemsBoundingRect().adjusted(-12, -12, 12, 12))

    def _node_box(self, node, state: GraphState, output_name: str) -> _Box:
        value_font, head_font = _font(mono=True), _font(bold=True)
        if node.kind == "const":
            return _Box([(fmt(node.value), value_font, QColor("#555555"))])
        if node.kind == "input":
            parts = [(node.label, head_font, QColor("#0b3d91"))]
        else:
            parts = [(f"{node.label} = {OP_SYMBOLS.get(node.op, node.op)}", head_font, QColor("#202020"))]
        if node.index in state.values:
            parts += [(t, value_font, VALUE_COLOR) for t in _lines(state.values[node.index])]
        else:
            parts.append(("?", value_font, QColor("#a0a0a0")))
        if node.index in state.grads:
            parts += [(t, value_font, GRAD_COLOR) for t in _lines(state.grads[node.index], "∂ ")]
        return _Box(parts)

    def _legend(self, output_name: str) -> None:
        rect = self.itemsBoundingRect()
        y = rect.top() - 28
        value = self.addSimpleText("value (forward)", _font(size=9))
        value.setBrush(QBrush(VALUE_COLOR))
        value.setPos(rect.left(), y)
        grad = self.addSimpleText(f"∂ gradient d{output_name}/d(node) (backward)", _font(size=9))
        grad.setBrush(QBrush(GRAD_COLOR))
        grad.setPos(rect.left() + value.boundingRect().width() + 24, y)


class NetworkGraphScene(QGraphicsScene):
    """The training dashboard's network: input -> layers -> loss, one box per layer."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackgroundBrush(QBrush(Qt.GlobalColor.white))
        self.box_count = 0

    def show_boxes(self, boxes: list[LayerBox], empty_message: str) -> None:
        self.clear()
        self.box_count = len(boxes)
        if not boxes:
            self.addSimpleText(empty_message, _font(size=11)).setBrush(QBrush(QColor("#555555")))
            self.setSceneRect(self.itemsBoundingRect().adjusted(-12, -12, 12, 12))
            return
        drawn = [_Box([(b.title, _font(bold=True), QColor("#202020"))]
                      + [(line, _font(mono=True, size=9), QColor("#303030")) for line in b.lines]) for b in boxes]
        height = max(d.height for d in drawn)
        for d in drawn:
            d.height = height
        per_row = self._boxes_per_row([d.width for d in drawn], height)
        gap, row_gap = 40.0, 50.0
        prev_rect = None
        for k, (box, d) in enumerate(zip(boxes, drawn)):
            row, first_in_row = divmod(k, per_row)[0], k % per_row == 0
            x = 0.0 if first_in_row else prev_rect.right() + gap
            y = row * (height + row_gap)
            rect = QRectF(x, y, d.width, height)
            if prev_rect is not None and not first_in_row:
                _arrow(self, QPointF(prev_rect.right(), y + height / 2), QPointF(x, y + height / 2))
            elif prev_rect is not None:  # wrap: down from the previous box, left, down into this one
                mid_y = prev_rect.bottom() + row_gap / 2
                path = QPainterPath(QPointF(prev_rect.center().x(), prev_rect.bottom()))
                path.lineTo(prev_rect.center().x(), mid_y)
                path.lineTo(rect.center().x(), mid_y)
                path.lineTo(rect.center().x(), rect.top() - 9)
                self.addPath(path, QPen(EDGE_COLOR, 1.6))
                tip = QPointF(rect.center().x(), rect.top())
                head = QPolygonF([tip, QPointF(tip.x() - 4.5, tip.y() - 9), QPointF(tip.x() + 4.5, tip.y() - 9)])
                self.addPolygon(head, QPen(EDGE_COLOR), QBrush(EDGE_COLOR))
            d.draw(self, x, y, BOX_FILL[box.kind], QPen(QColor("#90a0b0"), 1.2))
            prev_rect = rect
        self.setSceneRect(self.itemsBoundingRect().adjusted(-12, -12, 12, 12))

    @staticmethod
    def _boxes_per_row(widths: list[float], height: float, aspect: float = 2.4) -> int:
        """How many boxes per row make the drawing closest to a wide screen's shape (width/height)."""
        best, best_score = len(widths), float("inf")
        for k in range(1, len(widths) + 1):
            rows = [widths[i:i + k] for i in range(0, len(widths), k)]
            width = max(sum(r) + 40.0 * (len(r) - 1) for r in rows)
            total_height = len(rows) * height + 50.0 * (len(rows) - 1)
            score = abs(np.log(width / total_height / aspect))
            if score < best_score:
                best, best_score = k, score
        return best


class GraphView(QGraphicsView):
    """A view of a graph scene that zooms: Ctrl+wheel (about the mouse), Ctrl++ / Ctrl+- and fit_to_view().

    By itself it fits the scene to the view whenever the scene changes, but never smaller than
    LEGIBLE_SCALE (the text stays readable; scroll bars appear instead) nor larger than MAX_AUTO_SCALE.
    Once the student zooms, redraws keep that zoom until fit_to_view() or a new graph (auto_fit()).
    """

    LEGIBLE_SCALE = 0.8
    MAX_AUTO_SCALE = 1.5
    ZOOM_RANGE = (0.05, 8.0)

    def __init__(self, scene: QGraphicsScene, parent=None):
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.user_zoom = False
        scene.changed.connect(self._on_scene_change)

    def zoom_factor(self) -> float:
        """Screen pixels per scene unit (1.0 = the scene's own size)."""
        return float(self.transform().m11())

    def _on_scene_change(self, _regions=None) -> None:
        if not self.user_zoom:
            self.fit()

    def _fit_scale(self) -> float | None:
        rect = self.scene().sceneRect()
        if rect.isEmpty():
            return None
        return min(self.viewport().width() / rect.width(), self.viewport().height() / rect.height())

    def fit(self) -> None:
        """The automatic fit: whole scene when it is legible, else LEGIBLE_SCALE with scroll bars."""
        scale = self._fit_scale()
        if scale is None:
            return
        self._set_scale(min(max(scale, self.LEGIBLE_SCALE), self.MAX_AUTO_SCALE))
        self.centerOn(self.scene().sceneRect().center())

    def auto_fit(self) -> None:
        """Forget the student's zoom and fit automatically again (a new graph)."""
        self.user_zoom = False
        self.fit()

    def fit_to_view(self) -> None:
        """Show the whole scene, however small; kept until the student zooms again."""
        scale = self._fit_scale()
        if scale is None:
            return
        self.user_zoom = True
        self._set_scale(min(scale, self.MAX_AUTO_SCALE))
        self.centerOn(self.scene().sceneRect().center())

    def zoom(self, factor: float) -> None:
        self.user_zoom = True
        lo, hi = self.ZOOM_RANGE
        self._set_scale(min(max(self.zoom_factor() * factor, lo), hi), keep_anchor=True)

    def _set_scale(self, scale: float, keep_anchor: bool = False) -> None:
        if keep_anchor:
            factor = scale / self.zoom_factor()
            self.scale(factor, factor)
        else:
            self.resetTransform()
            self.scale(scale, scale)

    def wheelEvent(self, event):  # noqa: N802 - Qt override
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120.0
            if steps:
                self.zoom(1.2 ** steps)
            event.accept()
            return
        super().wheelEvent(event)

    def keyPressEvent(self, event):  # noqa: N802 - Qt override
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            if event.key() in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
                self.zoom(1.2)
                return
            if event.key() == Qt.Key.Key_Minus:
                self.zoom(1 / 1.2)
                return
            if event.key() == Qt.Key.Key_0:
                self.fit_to_view()
                return
        super().keyPressEvent(event)

    def resizeEvent(self, event):  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if not self.user_zoom:
            self.fit()
