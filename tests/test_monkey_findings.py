"""Regressions for what the random-use monkey (bench/monkey.py) found, each driven through the real window."""
from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication

from visualdl.ui.app import create_window


def _menu_action(window, *path: str):
    """The action at a menu path, reached the way Qt exposes it (QAction.menu() at each level)."""
    actions = window.menuBar().actions()
    for depth, text in enumerate(path):
        action = next(a for a in actions if a.text().replace("&", "") == text)
        if depth < len(path) - 1:
            actions = action.menu().actions()
    return action


def test_export_plot_submenu_still_lists_plots_after_the_file_menu_was_walked(qtbot, tmp_path):
    # Found by the monkey (seeds 11, 12): walking the menu bar (as tests/user.trigger does) made
    # PySide6 drop the export submenu's wrapper, and opening File > Export plot then raised
    # "Internal C++ object (QMenu) already deleted" in the menu's aboutToShow slot.
    ctx, window = create_window(tmp_path / "settings.ini", "knn")
    qtbot.addWidget(window)
    window.show()
    for top in window.menuBar().actions():  # every top menu asked for, as a menu walker does
        top.menu()
    submenu = _menu_action(window, "File", "Export plot").menu()
    submenu.popup(window.mapToGlobal(QPoint(10, 10)))
    QApplication.processEvents()
    texts = [a.text() for a in submenu.actions()]
    submenu.hide()
    assert any(t.endswith("as PNG…") for t in texts), texts
    window.close()
