"""Export helpers: PNG, SVG (valid even when pyqtgraph's exporter fails) and CSV of real plot data."""
from __future__ import annotations

import csv
import xml.etree.ElementTree as ET

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel

from visualdl.ui import export

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def plot(qtbot):
    widget = pg.PlotWidget(title="Loss")
    qtbot.addWidget(widget)
    widget.addLegend()
    widget.plot(np.arange(5), np.array([2.3, 1.9, 1.5, 1.2, 1.0]), name="raw loss")
    widget.plot(np.arange(3), np.array([0.1, 0.2, 0.3]), name="val acc")
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_png_is_an_image_of_the_plot(plot, tmp_path):
    path = export.export_png(plot, tmp_path / "loss.png")
    image = QImage(str(path))
    assert not image.isNull() and image.width() >= 300


def test_svg_is_valid(plot, tmp_path):
    root = ET.parse(export.export_svg(plot, tmp_path / "loss.svg")).getroot()
    assert root.tag == SVG_NS + "svg"


def test_svg_falls_back_to_qtsvg_when_pyqtgraph_exporter_fails(plot, tmp_path, monkeypatch):
    class Broken:
        def __init__(self, item):
            pass

        def export(self, path):  # what pyqtgraph 0.14 does on PySide6 >= 6.11
            raise ValueError("broken exporter")

    monkeypatch.setattr(pg.exporters, "SVGExporter", Broken)
    root = ET.parse(export.export_svg(plot, tmp_path / "loss.svg")).getroot()
    assert root.tag == SVG_NS + "svg"
    assert root.findall(f".//{SVG_NS}path") or root.findall(f".//{SVG_NS}polyline")


def test_csv_holds_every_curve_point(plot, tmp_path):
    with open(export.export_csv(plot, tmp_path / "loss.csv"), newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["series", "x", "y"]
    raw = [(float(x), float(y)) for s, x, y in rows[1:] if s == "raw loss"]
    assert raw == [(0.0, 2.3), (1.0, 1.9), (2.0, 1.5), (3.0, 1.2), (4.0, 1.0)]
    assert len([r for r in rows[1:] if r[0] == "val acc"]) == 3


def test_plain_widget_exports_png_and_svg_but_not_csv(qtbot, tmp_path):
    label = QLabel("hello")
    qtbot.addWidget(label)
    label.resize(120, 40)
    label.show()
    assert not QImage(str(export.export_png(label, tmp_path / "w.png"))).isNull()
    assert ET.parse(export.export_svg(label, tmp_path / "w.svg")).getroot().tag == SVG_NS + "svg"
    with pytest.raises(export.ExportError, match="QLabel"):
        export.export_csv(label, tmp_path / "w.csv")
    assert not (tmp_path / "w.csv").exists()


def test_export_all_writes_every_format_per_plot(plot, qtbot, tmp_path):
    label = QLabel("weights")
    qtbot.addWidget(label)
    written = export.export_all({"Loss (per iteration)": plot, "Weights": label}, tmp_path / "out")
    names = sorted(p.name for p in written)
    assert names == ["loss_per_iteration.csv", "loss_per_iteration.png", "loss_per_iteration.svg",
                     "weights.png", "weights.svg"]
    assert all(p.stat().st_size > 0 for p in written)


def test_right_click_menu_gets_export_entries(plot, tmp_path):
    helper = export.install_export_menu(plot, "Loss")
    texts = [a.text() for a in plot.getPlotItem().vb.menu.actions()]
    assert {"Export PNG…", "Export SVG…", "Export CSV…"} <= set(texts)
    assert plot.getPlotItem().scene().contextMenu == []  # pyqtgraph's own dialog is gone
    assert helper.export("CSV", tmp_path / "m.csv").exists()


def test_a_failed_export_leaves_the_old_file_and_no_temporary(plot, tmp_path, monkeypatch):
    target = tmp_path / "loss.svg"
    target.write_text("old")

    def broken(*_args, **_kwargs):
        raise export.ExportError("the exporter broke")

    monkeypatch.setattr(export, "_render_svg_qt", broken)
    monkeypatch.setattr(export.pg.exporters.SVGExporter, "export", broken)
    with pytest.raises(export.ExportError):
        export.export_svg(plot, target)
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["loss.svg"]


def test_csv_of_a_custom_target_and_write_csv_are_atomic(tmp_path):
    from visualdl.labs.common.plots import write_csv

    path = tmp_path / "t.csv"
    write_csv(path, ["a", "b"], [[1, 2], [3, 4]])
    assert path.read_text().splitlines() == ["a,b", "1,2", "3,4"]
    with pytest.raises(TypeError):
        write_csv(path, ["a"], 5)  # rows that are not rows: the old file stays whole
    assert path.read_text().splitlines() == ["a,b", "1,2", "3,4"] and len(list(tmp_path.iterdir())) == 1
