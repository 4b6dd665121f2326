"""The teacher's items, driven as a teacher would: F5 presentation mode on every lab, F11 full screen."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWidget

from user import open_window, press, trigger
from visualdl.labs import registered_labs
from visualdl.ui.presentation import CONTROLS, label_point_size, plot_items, tick_point_size
from visualdl.ui.worker import live_threads

LABS_WITHOUT_PLOTS = {"backprop"}  # its graphs are drawn as scenes, not plots: only its controls collapse


@pytest.fixture
def settings(tmp_path):
    return tmp_path / "settings.ini"


def _panels(lab):
    return lab.findChildren(QWidget, CONTROLS)


def _ticks(lab):
    """(plot, axis name, tick size) for every visible axis of every plot of the lab."""
    return [(p, a, tick_point_size(p, a)) for p in plot_items(lab) for a in ("bottom", "left")
            if p.getAxis(a).isVisible()]


def test_presentation_mode_on_every_lab_grows_plot_fonts_and_collapses_controls(qtbot, settings):
    window = open_window(qtbot, settings, registered_labs()[0].key)
    action = window.classroom.presentation_action
    for spec in registered_labs():
        trigger(window, "View", f"{spec.number}. {spec.title}")
        lab = window.current_lab()
        assert window.windowTitle().endswith(spec.title), window.last_error
        qtbot.wait(200)
        before = _ticks(lab)
        titles = [(p.titleLabel, label_point_size(p.titleLabel)) for p in plot_items(lab) if p.titleLabel.text]
        panels = _panels(lab)
        assert panels, f"{spec.key}: no side panel marked as the lab's controls"
        assert any(p.isVisible() for p in panels), f"{spec.key}: the controls of the open page are not shown"
        assert bool(before) == (spec.key not in LABS_WITHOUT_PLOTS), f"{spec.key}: {len(before)} plots"

        press(qtbot, window.lab_list, Qt.Key.Key_F5)
        assert action.isChecked()
        for plot, axis, size in before:
            assert tick_point_size(plot, axis) >= 1.5 * size, f"{spec.key}: {plot.titleLabel.text!r} {axis} ticks"
        assert all(label_point_size(t) >= 1.5 * size for t, size in titles), spec.key
        assert all(p.isHidden() for p in panels), f"{spec.key}: controls still shown while presenting"

        press(qtbot, window.lab_list, Qt.Key.Key_F5)
        assert not action.isChecked()
        for plot, axis, size in before:
            assert tick_point_size(plot, axis) == size, f"{spec.key}: {plot.titleLabel.text!r} {axis} ticks"
        assert all(label_point_size(t) == size for t, size in titles), spec.key
        assert not any(p.isHidden() for p in panels)
        assert any(p.isVisible() for p in panels)
    window.close()
    assert live_threads() == []


def test_a_lab_opened_while_presenting_is_presented_too(qtbot, settings):
    first, later = registered_labs()[0], next(s for s in registered_labs() if s.key == "optimization")
    window = open_window(qtbot, settings, first.key)
    assert later.key not in window.labs
    trigger(window, "View", "Presentation mode")
    trigger(window, "View", f"{later.number}. {later.title}")
    lab = window.current_lab()
    assert _ticks(lab) and all(tick_point_size(p, a) > 12 for p, a, _ in _ticks(lab))
    assert _panels(lab) and all(p.isHidden() for p in _panels(lab))
    window.close()


def test_presentation_mode_is_remembered_after_relaunch(qtbot, settings):
    window = open_window(qtbot, settings, "knn")
    assert not window.classroom.presentation_action.isChecked()
    press(qtbot, window.lab_list, Qt.Key.Key_F5)
    window.close()

    window = open_window(qtbot, settings)
    assert window.classroom.presentation_action.isChecked()
    lab = window.current_lab()
    assert all(p.isHidden() for p in _panels(lab))
    assert _ticks(lab) and all(tick_point_size(p, a) > 12 for p, a, _ in _ticks(lab))
    press(qtbot, window.lab_list, Qt.Key.Key_F5)  # off again, and remembered so
    window.close()

    window = open_window(qtbot, settings)
    assert not window.classroom.presentation_action.isChecked()
    assert not any(p.isHidden() for p in _panels(window.current_lab()))
    window.close()
    assert live_threads() == []


def test_f11_full_screen_and_back(qtbot, settings):
    window = open_window(qtbot, settings, "linear")
    press(qtbot, window.lab_list, Qt.Key.Key_F11)
    qtbot.waitUntil(window.isFullScreen, timeout=3000)
    assert window.classroom.full_screen_action.isChecked()
    press(qtbot, window.lab_list, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=3000)
    assert not window.classroom.full_screen_action.isChecked()
    window.showFullScreen()  # entered another way (the window manager): the menu shows it, F11 leaves it
    qtbot.waitUntil(window.isFullScreen, timeout=3000)
    view = window.classroom.view_menu
    view.popup(QPoint(0, 0))
    assert window.classroom.full_screen_action.isChecked()
    view.close()
    press(qtbot, window.lab_list, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=3000)
    assert not window.classroom.full_screen_action.isChecked()
    window.close()
