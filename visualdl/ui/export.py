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
from dataclasses import dataclass
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401 - registers pg.exporters
from PySide6.QtCore import QBuffer, QIODevice, QObject, QPoint, QRectF, QSize, Qt, QTimer, Signal, Slot
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


def render_png(target, width: int | None = None, scale: float = PNG_SCALE) -> QImage:
    """Draw ``target`` into an image (GUI thread: it reads the widgets); ``save_png`` writes it anywhere."""
    size = png_size(target, width, scale)
    item = _graphics_item(target)
    if item is not None and item.scene() is not None:
        exporter = pg.exporters.ImageExporter(item)
        exporter.parameters()["width"] = size[0]
        image = exporter.export(toBytes=True)
    elif isinstance(target, QGraphicsScene):
        image = _scene_image(target, size)
    elif isinstance(target, QWidget):
        image = _widget_image(target, size)
    else:
        raise ExportError(f"Cannot export {type(target).__name__} as PNG")
    if image is None or image.isNull():
        raise ExportError(f"Could not draw {type(target).__name__} as PNG")
    return image


def save_png(image: QImage, path) -> Path:
    """Compress and write a drawn image (touches no widget: safe on a worker thread)."""
    path = Path(path)

    def write(tmp: Path) -> None:
        if not image.save(str(tmp), "PNG") or not tmp.exists() or tmp.stat().st_size == 0:
            raise ExportError(f"Could not write PNG {path}")

    return replace_atomic(path, write)


def export_png(target, path, width: int | None = None, scale: float = PNG_SCALE) -> Path:
    """Write ``target`` as a PNG image ``width`` pixels wide (default: ``scale`` x its size on screen)."""
    return save_png(render_png(target, width, scale), path)


def _blank_image(size: tuple[int, int]) -> tuple[QImage, QPainter]:
    image = QImage(size[0], size[1], QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    return image, painter


def _scene_image(scene: QGraphicsScene, size: tuple[int, int]) -> QImage:
    image, painter = _blank_image(size)
    scene.render(painter, QRectF(image.rect()), scene.itemsBoundingRect())
    painter.end()
    return image


def _widget_image(widget: QWidget, size: tuple[int, int]) -> QImage:
    """The widget as on screen, scaled to size (vector text and lines stay sharp)."""
    image, painter = _blank_image(size)
    painter.scale(size[0] / max(widget.width(), 1), size[1] / max(widget.height(), 1))
    widget.render(painter, QPoint(0, 0))
    painter.end()
    return image


# --------------------------------------------------------------------------- SVG
def render_svg(target) -> bytes:
    """``target`` as the bytes of a valid SVG document (GUI thread: it reads the widgets)."""
    item = _graphics_item(target)
    if item is not None and item.scene() is not None:
        try:
            data = pg.exporters.SVGExporter(item).export(toBytes=True)
            if _svg_bytes_valid(data):
                return data
        except Exception:  # noqa: BLE001 - pyqtgraph 0.14 + PySide6 >= 6.11: use QtSvg below
            pass
    data = _render_svg_qt(target, item)
    if not _svg_bytes_valid(data):
        raise ExportError(f"Could not draw {type(target).__name__} as a valid SVG")
    return data


def _svg_bytes_valid(data) -> bool:
    try:
        return bool(data) and ET.fromstring(data).tag.endswith("svg")
    except ET.ParseError:
        return False


def save_bytes(data: bytes, path) -> Path:
    """Write a drawn SVG (or any bytes) atomically (touches no widget: safe on a worker thread)."""
    return write_atomic(Path(path), lambda fh: fh.write(data), mode="wb")


def export_svg(target, path) -> Path:
    """Write ``target`` as a valid SVG file; returns the path."""
    return save_bytes(render_svg(target), path)


def _render_svg_qt(target, item) -> bytes:
    """Draw the target through QSvgGenerator (works on every PySide6 with QtSvg)."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    if item is not None and item.scene() is not None:
        scene, source = item.scene(), item.sceneBoundingRect()
    elif isinstance(target, QGraphicsScene):
        scene, source = target, target.itemsBoundingRect()
    elif isinstance(target, QWidget):
        scene, source = None, QRectF(0, 0, target.width(), target.height())
    else:
        raise ExportError(f"Cannot export {type(target).__name__} as SVG")
    generator.setSize(QSize(int(source.width()), int(source.height())))
    generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
    painter = QPainter(generator)
    if scene is not None:
        scene.render(painter, QRectF(0, 0, source.width(), source.height()), source)
    else:
        target.render(painter, QPoint(0, 0))
    painter.end()
    buffer.close()
    return bytes(buffer.data())


# --------------------------------------------------------------------------- CSV
def can_export_csv(target) -> bool:
    """True when ``export_csv`` has data to write for ``target``."""
    return _plot_item(target) is not None or isinstance(target, pg.ImageItem) \
        or callable(getattr(target, "export_csv", None))


def csv_rows(target) -> list[list]:
    """The data behind a plot, copied as CSV rows (GUI thread: it reads the plot); ``save_csv`` writes them.

    Plots: a header, then one row per point, columns ``series,x,y`` (series = the curve's legend name).
    ImageItem: the image matrix, one row per image row.
    """
    plot = _plot_item(target)
    if plot is None and not (isinstance(target, pg.ImageItem) and target.image is not None):
        raise ExportError(f"{type(target).__name__} has no data to write as CSV")
    if plot is None:
        image = np.array(target.image, dtype=float)
        return [row for row in image.reshape(image.shape[0], -1)]
    rows: list = [["series", "x", "y"]]
    for i, item in enumerate(plot.listDataItems()):
        x, y = item.getOriginalDataset() if hasattr(item, "getOriginalDataset") else item.getData()
        if x is None or y is None:
            continue
        name = item.name() if hasattr(item, "name") and item.name() else f"series {i + 1}"
        rows.append((name, np.array(x, dtype=float), np.array(y, dtype=float)))
    return rows


def save_csv(rows: list, path) -> Path:
    """Write rows from ``csv_rows`` (touches no widget: safe on a worker thread)."""

    def write(fh) -> None:
        writer = csv.writer(fh)
        for row in rows:
            if isinstance(row, np.ndarray):  # an image row
                writer.writerow([repr(float(v)) for v in row.tolist()])
            elif isinstance(row, tuple):  # one curve: a row per point
                name, x, y = row
                writer.writerows([name, repr(xv), repr(yv)] for xv, yv in zip(x.tolist(), y.tolist()))
            else:
                writer.writerow(row)

    return write_atomic(Path(path), write, newline="", encoding="utf-8")


def export_csv(plot_item, path) -> Path:
    """Write the data behind a plot as CSV (see ``csv_rows``), or call the target's own ``export_csv(path)``."""
    path = Path(path)
    custom = getattr(plot_item, "export_csv", None)
    if callable(custom) and _plot_item(plot_item) is None:
        custom(path)
        return path
    return save_csv(csv_rows(plot_item), path)


# --------------------------------------------------------------------------- all at once
def slug(name: str) -> str:
    """A file-name-safe version of a plot name: 'Loss (per iteration)' -> 'loss_per_iteration'."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "plot"


@dataclass(frozen=True)
class Drawn:
    """One file of an export, drawn on the GUI thread and not yet written.

    kind: "png" (payload: QImage), "svg" (bytes), "csv" (rows from ``csv_rows``), or "written" (a target
    with its own ``export_csv`` wrote the file already; its data is small).
    """

    path: Path
    kind: str
    payload: Any = None


def file_kinds(target) -> list[str]:
    """The files an export of ``target`` writes: png, svg, and csv when it has data."""
    return ["png", "svg"] + (["csv"] if can_export_csv(target) else [])


def files_per_target(target) -> int:
    return len(file_kinds(target))


def draw_file(name: str, target, folder, kind: str) -> Drawn:
    """What one file of ``target`` needs from the widgets (PNG or SVG drawn, CSV data copied)."""
    path = (Path(folder) / slug(name)).with_suffix(f".{kind}")
    if kind == "png":
        return Drawn(path, "png", render_png(target))
    if kind == "svg":
        return Drawn(path, "svg", render_svg(target))
    if callable(getattr(target, "export_csv", None)) and _plot_item(target) is None:
        return Drawn(export_csv(target, path), "written")
    return Drawn(path, "csv", csv_rows(target))


def draw_target(name: str, target, folder) -> list[Drawn]:
    """Everything of one target that must touch the widgets: PNG and SVG drawn, CSV data copied."""
    return [draw_file(name, target, folder, kind) for kind in file_kinds(target)]


def write_drawn(drawn: Drawn) -> Path:
    """Compress and write one drawn file (touches no widget: safe on a worker thread)."""
    if drawn.kind == "png":
        return save_png(drawn.payload, drawn.path)
    if drawn.kind == "svg":
        return save_bytes(drawn.payload, drawn.path)
    if drawn.kind == "csv":
        return save_csv(drawn.payload, drawn.path)
    return drawn.path


def export_all(targets: dict, folder) -> list[Path]:
    """Write every target as PNG and SVG (and CSV when it has data) into ``folder``, here and now.

    The window's File > Export all plots uses ``AllPlotsExport`` instead: same files, written by a
    worker job while the window stays usable.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [write_drawn(d) for name, target in targets.items() for d in draw_target(name, target, folder)]


def write_drawn_job(ctl, total: int):
    """Worker job: write the files the GUI thread sends (``("file", Drawn)`` each, then ``("done",)``).

    Returns the paths written, in order (None when cancelled). Progress: files written of ``total``.
    """
    written: list[Path] = []
    while not ctl.cancelled:
        for command in ctl.next_commands(wait=True, timeout=0.1):
            if command[0] == "done":
                return written
            path = write_drawn(command[1])
            written.append(path)
            ctl.report_progress(len(written), total, f"Wrote {path.name}")
        yield None
    return None


class AllPlotsExport(QObject):
    """File > Export all plots without freezing the window.

    Drawing must happen where the plots live, so the GUI thread draws one file's picture (or copies one
    plot's data) per turn of the event loop (the window answers in between); compressing the PNGs and writing every file happen on a
    worker job, whose progress bar (files written of all) and Cancel button are in the status bar.
    ``ended`` fires once: ``written`` is the list of files, or None when cancelled or failed (``error``).
    """

    ended = Signal()

    def __init__(self, ctx, targets: dict, folder, parent: QObject | None = None):
        super().__init__(parent)
        self.folder = Path(folder)
        self.written: list[Path] | None = None
        self.error: str | None = None
        self.done = False
        self._pending = [(name, target, kind) for name, target in targets.items() for kind in file_kinds(target)]
        self.total = len(self._pending)
        self.job = ctx.runner.submit(write_drawn_job, self.total, title="export-all")
        self.job.finished.connect(self._on_finished)
        self.job.errored.connect(self._on_errored)
        ctx.track(self.job, f"Exporting {len(targets)} plots")
        QTimer.singleShot(0, self._draw_next)

    def is_running(self) -> bool:
        return not self.done

    def cancel(self) -> None:
        self.job.cancel()

    @Slot()
    def _draw_next(self) -> None:
        if self.done or self.job.cancelled or not self.job.is_running():
            return
        if not self._pending:
            self.job.send(("done",))
            return
        name, target, kind = self._pending.pop(0)
        try:
            self.job.send(("file", draw_file(name, target, self.folder, kind)))
        except (ExportError, OSError, RuntimeError) as exc:  # RuntimeError: the plot was closed meanwhile
            self._fail(f"{name}: {exc}")
            return
        QTimer.singleShot(0, self._draw_next)

    @Slot(object)
    def _on_finished(self, written) -> None:
        if not self.done:
            self.written = written
            self._end()

    @Slot(str)
    def _on_errored(self, message: str) -> None:
        self._fail(message)

    def _fail(self, message: str) -> None:
        if self.done:
            return
        self.error = message
        self.job.cancel()
        self._end()

    def _end(self) -> None:
        self.done = True
        self.ended.emit()


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
