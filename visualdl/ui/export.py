"""Export plots as PNG, SVG and CSV — the one set of helpers every lab uses.

A *target* is any of: a pyqtgraph ``PlotItem`` / ``PlotWidget`` / ``GraphicsLayoutWidget`` /
graphics item, a ``QGraphicsScene``, or any ``QWidget`` (drawn as it is on screen). CSV needs
data: plot items (their curves, as rows ``series,x,y``), ``ImageItem``s (the matrix), or any
object with its own ``export_csv(path)`` method.

SVG: pyqtgraph 0.14's ``SVGExporter`` raises ValueError on PySide6 >= 6.11, so ``export_svg``
tries it and falls back to rendering the scene through QtSvg's ``QSvgGenerator``; either way
the file is checked to parse as XML with an <svg> root before we call it done.
"""
from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401 - registers pg.exporters
from PySide6.QtCore import QObject, QPoint, QRectF, QSize, Qt, Slot
from PySide6.QtGui import QAction, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QGraphicsScene, QGraphicsView, QMenu, QWidget

from visualdl.atomic import replace_atomic, write_atomic


class ExportError(ValueError):
    """Raised with a plain-words message when a target cannot be written in a format."""


# --------------------------------------------------------------------------- target helpers
def _plot_item(target):
    """The PlotItem behind a target, or None."""
    if isinstance(target, pg.PlotItem):
        return target
    if isinstance(target, pg.PlotWidget):
        return target.getPlotItem()
    return None


def _graphics_item(target):
    """The QGraphicsItem to draw (for pyqtgraph targets), or None for plain widgets/scenes."""
    if isinstance(target, pg.PlotWidget):
        return target.getPlotItem()
    if isinstance(target, pg.GraphicsLayoutWidget):
        return target.ci
    if isinstance(target, pg.GraphicsView):
        return target.centralWidget
    if hasattr(target, "sceneBoundingRect") and hasattr(target, "scene"):
        return target
    return None


def _svg_is_valid(path: Path) -> bool:
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError):
        return False
    return root.tag.endswith("svg")


# --------------------------------------------------------------------------- PNG
PNG_SCALE = 2.0  # exported pictures are twice their size on screen: sharp on a slide or a projector


def png_size(target, width: int | None = None, scale: float = PNG_SCALE) -> tuple[int, int]:
    """(width, height) in pixels of the PNG export_png writes for target.

    width: the image width in pixels (the height follows the aspect ratio); else the size on
    screen times scale."""
    item = _graphics_item(target)
    if item is not None and item.scene() is not None:
        rect = item.sceneBoundingRect()
    elif isinstance(target, QGraphicsScene):
        rect = target.itemsBoundingRect()
    elif isinstance(target, QWidget):
        rect = QRectF(0, 0, target.width(), target.height())
    else:
        raise ExportError(f"Cannot export {type(target).__name__} as PNG")
    w, h = max(rect.width(), 1.0), max(rect.height(), 1.0)
    factor = (float(width) / w) if width else float(scale)
    if not factor > 0:
        raise ExportError(f"Invalid PNG size: width {width!r}, scale {scale!r} (need a positive number)")
    return max(1, round(w * factor)), max(1, round(h * factor))


def export_png(target, path, width: int | None = None, scale: float = PNG_SCALE) -> Path:
    """Write ``target`` as a PNG image ``width`` pixels wide (default: ``scale`` x its size on screen)."""
    path = Path(path)
    size = png_size(target, width, scale)

    def write(tmp: Path) -> None:
        item = _graphics_item(target)
        if item is not None and item.scene() is not None:
            exporter = pg.exporters.ImageExporter(item)
            exporter.parameters()["width"] = size[0]
            exporter.export(str(tmp))
        elif isinstance(target, QGraphicsScene):
            _render_scene_png(target, tmp, size)
        elif isinstance(target, QWidget):
            if not _render_widget_png(target, tmp, size):
                raise ExportError(f"Could not write PNG {path}")
        else:
            raise ExportError(f"Cannot export {type(target).__name__} as PNG")
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise ExportError(f"Could not write PNG {path}")

    return replace_atomic(path, write)


def _render_scene_png(scene: QGraphicsScene, path: Path, size: tuple[int, int]) -> None:
    rect = scene.itemsBoundingRect()
    image = QImage(size[0], size[1], QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    scene.render(painter, QRectF(image.rect()), rect)
    painter.end()
    image.save(str(path), "PNG")


def _render_widget_png(widget: QWidget, path: Path, size: tuple[int, int]) -> bool:
    """Draw the widget as on screen, scaled to size (vector text and lines stay sharp)."""
    image = QImage(size[0], size[1], QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    painter.scale(size[0] / max(widget.width(), 1), size[1] / max(widget.height(), 1))
    widget.render(painter, QPoint(0, 0))
    painter.end()
    return image.save(str(path), "PNG")


# --------------------------------------------------------------------------- SVG
def export_svg(target, path) -> Path:
    """Write ``target`` as a valid SVG file; returns the path."""
    path = Path(path)

    def write(tmp: Path) -> None:
        item = _graphics_item(target)
        written = False
        if item is not None and item.scene() is not None:
            try:
                pg.exporters.SVGExporter(item).export(str(tmp))
                written = _svg_is_valid(tmp)
            except Exception:  # noqa: BLE001 - pyqtgraph 0.14 + PySide6 >= 6.11: use QtSvg below
                written = False
        if not written:
            _render_svg_qt(target, item, tmp)
        if not _svg_is_valid(tmp):
            raise ExportError(f"Could not write a valid SVG file {path}")

    return replace_atomic(path, write)


def _render_svg_qt(target, item, path: Path) -> None:
    """Draw the target through QSvgGenerator (works on every PySide6 with QtSvg)."""
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setTitle(path.stem)
    if item is not None and item.scene() is not None:
        source = item.sceneBoundingRect()
        generator.setSize(QSize(int(source.width()), int(source.height())))
        generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
        painter = QPainter(generator)
        item.scene().render(painter, QRectF(0, 0, source.width(), source.height()), source)
        painter.end()
    elif isinstance(target, QGraphicsScene):
        source = target.itemsBoundingRect()
        generator.setSize(QSize(int(source.width()), int(source.height())))
        generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
        painter = QPainter(generator)
        target.render(painter, QRectF(0, 0, source.width(), source.height()), source)
        painter.end()
    elif isinstance(target, QWidget):
        size = target.size()
        generator.setSize(size)
        generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
        painter = QPainter(generator)
        target.render(painter, QPoint(0, 0))
        painter.end()
    else:
        raise ExportError(f"Cannot export {type(target).__name__} as SVG")


# --------------------------------------------------------------------------- CSV
def can_export_csv(target) -> bool:
    """True when ``export_csv`` has data to write for ``target``."""
    return _plot_item(target) is not None or isinstance(target, pg.ImageItem) \
        or callable(getattr(target, "export_csv", None))


def export_csv(plot_item, path) -> Path:
    """Write the data behind a plot as CSV; returns the path.

    Plots: one row per point, columns ``series,x,y`` (series = the curve's legend name).
    ImageItem: the image matrix, one row per image row.
    """
    path = Path(path)
    custom = getattr(plot_item, "export_csv", None)
    if callable(custom) and _plot_item(plot_item) is None:
        custom(path)
        return path
    plot = _plot_item(plot_item)
    if plot is None and not (isinstance(plot_item, pg.ImageItem) and plot_item.image is not None):
        raise ExportError(f"{type(plot_item).__name__} has no data to write as CSV")

    def write(fh) -> None:
        writer = csv.writer(fh)
        if plot is not None:
            writer.writerow(["series", "x", "y"])
            for i, item in enumerate(plot.listDataItems()):
                x, y = item.getOriginalDataset() if hasattr(item, "getOriginalDataset") else item.getData()
                if x is None or y is None:
                    continue
                name = item.name() if hasattr(item, "name") and item.name() else f"series {i + 1}"
                for xv, yv in zip(np.asarray(x).tolist(), np.asarray(y).tolist()):
                    writer.writerow([name, repr(float(xv)), repr(float(yv))])
        else:
            image = np.asarray(plot_item.image)
            for row in image.reshape(image.shape[0], -1):
                writer.writerow([repr(float(v)) for v in row])

    return write_atomic(path, write, newline="", encoding="utf-8")


# --------------------------------------------------------------------------- all at once
def slug(name: str) -> str:
    """A file-name-safe version of a plot name: 'Loss (per iteration)' -> 'loss_per_iteration'."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "plot"


def export_all(targets: dict, folder) -> list[Path]:
    """Write every target as PNG and SVG (and CSV when it has data) into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, target in targets.items():
        base = folder / slug(name)
        written.append(export_png(target, base.with_suffix(".png")))
        written.append(export_svg(target, base.with_suffix(".svg")))
        if can_export_csv(target):
            written.append(export_csv(target, base.with_suffix(".csv")))
    return written


# --------------------------------------------------------------------------- right-click menu
FORMATS = {"PNG": ("PNG image (*.png)", export_png), "SVG": ("SVG vector image (*.svg)", export_svg),
           "CSV": ("CSV data (*.csv)", export_csv)}


class _ExportMenu(QObject):
    """Adds Export PNG/SVG/CSV entries to a plot's right-click menu; lives as the widget's child."""

    def __init__(self, widget, name: str):
        super().__init__(widget)
        self.widget = widget
        self.name = name
        self.last_error: str | None = None

    def actions_for(self, menu: QMenu, with_csv: bool) -> None:
        for fmt in ("PNG", "SVG") + (("CSV",) if with_csv else ()):
            action = QAction(f"Export {fmt}…", menu)
            action.setData(fmt)
            action.triggered.connect(self._on_export_triggered)
            menu.addAction(action)

    @Slot()
    def _on_export_triggered(self) -> None:
        fmt = self.sender().data()
        filt, _ = FORMATS[fmt]
        path, _ = QFileDialog.getSaveFileName(self.widget, f"Export {self.name} as {fmt}",
                                              f"{slug(self.name)}.{fmt.lower()}", filt)
        if path:
            self.export(fmt, path)

    def export(self, fmt: str, path) -> Path | None:
        try:
            return FORMATS[fmt][1](self.widget, path)
        except (ExportError, OSError) as exc:
            self.last_error = str(exc)
            window = self.widget.window()
            if hasattr(window, "show_error"):
                window.show_error(f"Export failed: {exc}")
            return None

    @Slot(object)
    def _on_custom_menu(self, pos) -> None:
        menu = QMenu(self.widget)
        self.actions_for(menu, with_csv=can_export_csv(self.widget))
        menu.exec(self.widget.mapToGlobal(pos))


def install_export_menu(plot_widget, name: str = "plot") -> _ExportMenu:
    """Give a plot (PlotWidget/PlotItem) or any widget an Export PNG/SVG/CSV right-click menu.

    For pyqtgraph plots the entries join the ViewBox menu and pyqtgraph's own "Export..." dialog is
    removed (its SVG exporter breaks on newer PySide6; ours does not).
    """
    helper = _ExportMenu(plot_widget, name)
    plot = _plot_item(plot_widget)
    if plot is not None:
        menu = plot.vb.menu
        menu.addSeparator()
        helper.actions_for(menu, with_csv=True)
        scene = plot.scene()
        if scene is not None and hasattr(scene, "contextMenu"):
            scene.contextMenu = []
    elif isinstance(plot_widget, QWidget) and not isinstance(plot_widget, QGraphicsView):
        plot_widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        plot_widget.customContextMenuRequested.connect(helper._on_custom_menu)
    plot_widget._visualdl_export_menu = helper  # keep it alive with the widget
    return helper
