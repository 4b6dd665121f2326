"""Presentation mode scales any lab's plots for a projector and restores them exactly."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QWidget

from visualdl.ui.presentation import CONTROLS, apply_presentation, label_point_size, tick_point_size


def _lab(qtbot):
    lab = QWidget()
    layout = QHBoxLayout(lab)
    controls = QWidget()
    controls.setObjectName(CONTROLS)
    layout.addWidget(controls)
    plot = pg.PlotWidget(title="Loss")
    plot.addLegend()
    curve = plot.plot([0, 1, 2], [3, 1, 2], pen=pg.mkPen("b", width=1), symbol="o", symbolSize=6, name="loss")
    layout.addWidget(plot)
    qtbot.addWidget(lab)
    lab.show()
    return lab, controls, plot.getPlotItem(), curve


def test_presentation_grows_fonts_lines_markers_and_hides_controls(qtbot):
    lab, controls, plot, curve = _lab(qtbot)
    before_ticks = tick_point_size(plot)
    before_title = label_point_size(plot.titleLabel)
    assert apply_presentation(lab, True) == 1
    assert tick_point_size(plot) > 1.5 * before_ticks
    assert label_point_size(plot.titleLabel) > 1.5 * before_title
    assert curve.opts["pen"].widthF() >= 2.5
    assert curve.opts["symbolSize"] > 6
    assert not controls.isVisible()


def test_presentation_off_restores_and_never_compounds(qtbot):
    lab, controls, plot, curve = _lab(qtbot)
    before = tick_point_size(plot)
    apply_presentation(lab, True)
    on_size = tick_point_size(plot)
    apply_presentation(lab, True)  # twice on: same as once
    assert tick_point_size(plot) == on_size
    apply_presentation(lab, False)
    assert tick_point_size(plot) == before
    assert curve.opts["pen"].widthF() == 1
    assert curve.opts["symbolSize"] == 6
    assert controls.isVisible()


def test_titles_and_legends_with_their_own_size_scale_and_restore(qtbot):
    lab = QWidget()
    layout = QHBoxLayout(lab)
    plot = pg.PlotWidget()
    plot.setTitle("Loss vs iteration", size="9pt")
    plot.addLegend(labelTextSize="8pt")
    plot.plot([0, 1], [1, 0], name="SGD")
    layout.addWidget(plot)
    qtbot.addWidget(lab)
    item = plot.getPlotItem()
    label = item.legend.items[0][1]
    apply_presentation(lab, True)
    assert item.titleLabel.opts["size"] == "16.2pt" and "font-size:16.2pt" in item.titleLabel.item.toHtml()
    assert label.opts["size"] == "14.4pt"
    apply_presentation(lab, True)
    assert item.titleLabel.opts["size"] == "16.2pt"
    apply_presentation(lab, False)
    assert item.titleLabel.opts["size"] == "9pt" and label.opts["size"] == "8pt"
    assert item.titleLabel.text == "Loss vs iteration"
