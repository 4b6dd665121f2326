"""Presentation mode scales any lab's plots for a projector and restores them exactly."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QWidget

from visualdl.ui.presentation import CONTROLS, apply_presentation, tick_point_size


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
    before_title = plot.titleLabel.item.font().pointSizeF()
    assert apply_presentation(lab, True) == 1
    assert tick_point_size(plot) > 1.5 * before_ticks
    assert plot.titleLabel.item.font().pointSizeF() > before_title
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
