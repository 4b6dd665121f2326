"""The shared form helpers: the wheel scrolls a panel instead of changing an unfocused value."""
from __future__ import annotations

from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from user import wheel
from visualdl.labs.common.palette import CLASS_RGB, class_hex, class_rgb
from visualdl.labs.common.widgets import combo, select, spin


def _panel(qtbot):
    area, inner = QScrollArea(), QWidget()
    layout = QVBoxLayout(inner)
    box = combo([("relu", "relu"), ("tanh", "tanh"), ("sigmoid", "sigmoid")])
    layout.addWidget(box)
    spins = [spin(0, 10, 3) for _ in range(30)]
    for s in spins:
        layout.addWidget(s)
    area.setWidget(inner)
    area.resize(200, 200)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    return area, box, spins


def test_wheel_over_unfocused_combo_scrolls_the_panel_not_the_value(qtbot):
    area, box, spins = _panel(qtbot)
    wheel(qtbot, box, -120)
    assert box.currentData() == "relu"
    assert area.verticalScrollBar().value() > 0
    wheel(qtbot, spins[5], -120)
    assert spins[5].value() == 3


def test_wheel_over_focused_combo_changes_it(qtbot):
    area, box, _ = _panel(qtbot)
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    wheel(qtbot, box, -120)
    assert box.currentData() == "tanh"


def test_select_and_palette():
    box = combo([("a", "A"), ("b", "B")])
    select(box, "b")
    assert box.currentText() == "B"
    select(box, "missing")
    assert box.currentText() == "B"
    assert class_rgb(3) == tuple(int(v) for v in CLASS_RGB[3])
    assert class_rgb(13) == class_rgb(3)
    assert class_hex(0) == "#1f77b4"
