"""Regressions for what the random-use monkey (bench/monkey.py) found, driven through the real window."""
from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QMenu

from visualdl.ui.app import create_window


def test_export_plot_submenu_fills_after_the_menu_bar_was_walked(qtbot, tmp_path):
    # Found by the monkey (seeds 11, 12 with --cifar): once anything asked the menu bar's actions for
    # their menu() (as tests/user.trigger does), PySide6 6.10 left window.export_menu's wrapper dead,
    # and opening File > Export plot raised "Internal C++ object (QMenu) already deleted".
    ctx, window = create_window(tmp_path / "settings.ini", "knn")
    qtbot.addWidget(window)
    window.show()
    for top in window.menuBar().actions():
        top.menu()
    submenu = next(m for m in window.findChildren(QMenu) if m.title() == "Export plot")
    submenu.popup(window.mapToGlobal(QPoint(10, 10)))  # opens as when the pointer rests on it
    QApplication.processEvents()
    texts = [a.text() for a in submenu.actions()]
    submenu.hide()
    assert any(t.endswith("as PNG…") for t in texts), texts
    window.close()
