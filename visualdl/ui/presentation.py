"""Presentation mode: every plot of a lab legible on a projector, without the lab knowing about it.

    apply_presentation(lab_widget, True)    # larger axis/label/title fonts, thicker lines, bigger markers
    apply_presentation(lab_widget, False)   # back exactly to how the lab drew them

It walks the pyqtgraph plots below a widget, so every lab (today's and future ones) honours it.
The original pens, symbol sizes and fonts are remembered on the items themselves, so switching
back and forth never compounds, and items a lab adds later are scaled at the next application.
Side panels whose objectName is ``CONTROLS`` (a lab's form) collapse while presenting.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QFont, QPen
from PySide6.QtWidgets import QWidget

SCALE = 1.8          # fonts
LINE_SCALE = 2.5     # curve pens
SYMBOL_SCALE = 1.8   # markers
BASE_POINT_SIZE = 9  # pyqtgraph's default tick font size, when the item has none of its own
CONTROLS = "lab-controls"
_ORIGINAL = "_visualdl_presentation_original"


def plot_items(root: QWidget) -> list[pg.PlotItem]:
    """Every pyqtgraph plot below root (in every view's scene)."""
    items = []
    for view in root.findChildren(pg.GraphicsView):
        scene = view.scene()
        if scene is None:
            continue
        items.extend(i for i in scene.items() if isinstance(i, pg.PlotItem))
    return items


def _remember(obj, key: str, value):
    store = obj.__dict__.setdefault(_ORIGINAL, {})
    return store.setdefault(key, value)


def _scaled_font(font: QFont | None, on: bool, original_size: float) -> QFont:
    font = QFont(font) if font is not None else QFont()
    font.setPointSizeF(original_size * (SCALE if on else 1.0))
    return font


def _style_axis(axis: pg.AxisItem, on: bool) -> None:
    tick_font = axis.style.get("tickFont")
    size = _remember(axis, "tick_size", tick_font.pointSizeF() if tick_font is not None else BASE_POINT_SIZE)
    font = _scaled_font(tick_font, on, size)
    if tick_font is None or tick_font.pointSizeF() != font.pointSizeF():  # the refresh changes nothing twice
        axis.setStyle(tickFont=font)
    label_size = _remember(axis, "label_size", float(BASE_POINT_SIZE + 1))
    font = _scaled_font(axis.label.font(), on, label_size)
    if axis.label.font().pointSizeF() != font.pointSizeF():
        axis.label.setFont(font)
    pen = axis.pen()
    width = _remember(axis, "pen_width", pen.widthF())
    if pen.widthF() != width * (2.0 if on else 1.0):
        pen = QPen(pen)
        pen.setWidthF(width * (2.0 if on else 1.0))
        axis.setPen(pen)


def _style_curve(item: pg.PlotDataItem, on: bool) -> None:
    pen = item.opts.get("pen")
    if pen is not None:
        pen = pg.mkPen(pen)
        width = _remember(item, "pen_width", pen.widthF() or 1.0)
        if pen.widthF() != width * (LINE_SCALE if on else 1.0):
            pen.setWidthF(width * (LINE_SCALE if on else 1.0))
            item.setPen(pen)
    if item.opts.get("symbol") is not None:
        size = _remember(item, "symbol_size", item.opts.get("symbolSize", 10))
        if item.opts.get("symbolSize") != size * (SYMBOL_SCALE if on else 1.0):
            item.setSymbolSize(size * (SYMBOL_SCALE if on else 1.0))


def _style_scatter(item: pg.ScatterPlotItem, on: bool) -> None:
    size = _remember(item, "size", item.opts.get("size", 7))
    if item.opts.get("size") != size * (SYMBOL_SCALE if on else 1.0):
        item.setSize(size * (SYMBOL_SCALE if on else 1.0))


def _size_option(spec) -> tuple[float, str] | None:
    """"9pt" -> (9.0, "pt"); None for sizes given in words ("large")."""
    number = str(spec).rstrip("ptxPTX ")
    try:
        return float(number), str(spec)[len(number):]
    except ValueError:
        return None


def _style_label(label: pg.LabelItem, on: bool, default_size: float) -> None:
    """A title or legend entry: by its HTML size option ("11pt", which wins over the font), else its font."""
    spec = _remember(label, "size_option", label.opts.get("size"))
    if spec is None:
        size = _remember(label, "size", default_size)
        font = _scaled_font(label.item.font(), on, size)
        if label.item.font().pointSizeF() != font.pointSizeF():
            label.item.setFont(font)
        return
    parsed = _size_option(spec)
    if parsed is None:
        return  # left as the lab set it
    value, unit = parsed
    wanted = f"{value * (SCALE if on else 1.0):g}{unit}"
    if label.opts.get("size") != wanted:
        label.setText(label.text, size=wanted)


def _style_plot(plot: pg.PlotItem, on: bool) -> None:
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        if axis is not None and axis.isVisible():
            _style_axis(axis, on)
    _style_label(plot.titleLabel, on, 12.0)
    for item in plot.listDataItems():
        if isinstance(item, pg.PlotDataItem):
            _style_curve(item, on)
        elif isinstance(item, pg.ScatterPlotItem):
            _style_scatter(item, on)
    legend = plot.legend
    if legend is not None:
        for _sample, label in legend.items:
            _style_label(label, on, 9.0)


def apply_presentation(root: QWidget, on: bool) -> int:
    """Scale every plot below root for a projector (on) or back (off); returns how many plots."""
    plots = plot_items(root)
    for plot in plots:
        _style_plot(plot, on)
    for panel in root.findChildren(QWidget, CONTROLS):
        panel.setVisible(not on)
    return len(plots)


def controls_panel(widget: QWidget) -> QWidget:
    """Mark a lab's side panel of controls (collapsed while presenting); returns the widget, for one-line use."""
    widget.setObjectName(CONTROLS)
    return widget


def label_point_size(label: pg.LabelItem) -> float:
    """The size a title or legend entry draws with now: its size option when it has one, else its font's."""
    parsed = _size_option(label.opts["size"]) if label.opts.get("size") is not None else None
    return parsed[0] if parsed is not None else label.item.font().pointSizeF()


def tick_point_size(plot: pg.PlotItem, axis: str = "bottom") -> float:
    """The tick font size a plot's axis draws with now (tests and figures use it)."""
    font = plot.getAxis(axis).style.get("tickFont")
    return font.pointSizeF() if font is not None else float(BASE_POINT_SIZE)
