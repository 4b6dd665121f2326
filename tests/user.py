"""Drive the real widgets the way a student does: one line per control in a test.

    from user import click, type_into, choose, wheel, trigger, press
    click(qtbot, lab.play_button)            # a real mouse click (so clicked(bool) is exercised)
    type_into(qtbot, lab.hidden_edit, "100") # select all, type, Enter
    choose(qtbot, lab.activation_combo, "tanh")   # by item text or data, through the popup's keys
    wheel(qtbot, panel_widget, -120)         # one wheel notch over a widget
    trigger(window, "File", "Export all…")    # a menu action by its visible texts
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QWidget


def click(qtbot, widget: QWidget, button=Qt.MouseButton.LeftButton, modifier=Qt.KeyboardModifier.NoModifier,
          pos: QPoint | None = None) -> None:
    """A real mouse click; refuses disabled or hidden widgets (a user could not click them either)."""
    assert widget.isEnabled(), f"{_name(widget)} is disabled"
    assert widget.isVisible(), f"{_name(widget)} is not visible"
    qtbot.mouseClick(widget, button, modifier, pos if pos is not None else widget.rect().center())
    QApplication.processEvents()


def type_into(qtbot, widget: QWidget, text: str, enter: bool = True) -> None:
    """Focus, select all, type text, then Enter (spin boxes and line edits commit on Enter)."""
    assert widget.isEnabled(), f"{_name(widget)} is disabled"
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(widget, text)
    if enter:
        qtbot.keyClick(widget, Qt.Key.Key_Return)
    QApplication.processEvents()


def choose(qtbot, box: QComboBox, item) -> None:
    """Pick an item by its text or its data, with the keyboard as a user would (Home, then Down)."""
    index = box.findText(str(item))
    if index < 0:
        index = box.findData(item)
    assert index >= 0, f"{item!r} is not an item of {_name(box)}: {[box.itemText(i) for i in range(box.count())]}"
    assert box.isEnabled(), f"{_name(box)} is disabled"
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Home)
    for _ in range(box.count()):  # Down skips disabled items, so press until the item is reached
        if box.currentIndex() >= index:
            break
        qtbot.keyClick(box, Qt.Key.Key_Down)
    QApplication.processEvents()
    assert box.currentIndex() == index, f"{_name(box)}: could not reach item {index}"


def wheel(qtbot, widget: QWidget, delta_y: int = -120, pos: QPoint | None = None) -> None:
    """One wheel turn (negative = towards the user) over widget at pos (its centre by default)."""
    pos = pos if pos is not None else widget.rect().center()
    event = QWheelEvent(QPointF(pos), QPointF(widget.mapToGlobal(pos)), QPoint(0, 0), QPoint(0, delta_y),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)
    QApplication.processEvents()


def trigger(window, *path: str) -> None:
    """Trigger a menu action by its visible texts, e.g. trigger(win, "File", "Export all…") ('&' ignored)."""
    menu_bar = window.menuBar()
    actions = menu_bar.actions()
    for depth, text in enumerate(path):
        found = [a for a in actions if a.text().replace("&", "") == text]
        assert found, f"no menu item {text!r} in {[a.text() for a in actions]}"
        action = found[0]
        if depth < len(path) - 1:
            actions = action.menu().actions()
    assert action.isEnabled(), f"menu item {path} is disabled"
    action.trigger()
    QApplication.processEvents()


def press(qtbot, widget: QWidget, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(widget, key, modifier)
    QApplication.processEvents()


def buttons(root: QWidget) -> dict[str, QAbstractButton]:
    """Every visible button below root by its text (for 'click every control' tests)."""
    return {b.text(): b for b in root.findChildren(QAbstractButton) if b.text()}


def _name(widget: QWidget) -> str:
    return f"{type(widget).__name__}({getattr(widget, 'text', lambda: '')() or widget.objectName()!r})"


def open_window(qtbot, settings, key=None, activate: bool = True):
    """The real main window on ``settings`` (an .ini path), opened on lab ``key``, shown and exposed;
    with ``activate``, also the active window, which window shortcuts need."""
    from visualdl.ui.app import create_window

    ctx, window = create_window(settings, key)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    if activate:
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    return window
