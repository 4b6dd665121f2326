"""The run keys (Space play/pause, Right or N step, R reset) from any widget except a free-text field.

Installed on the application by the main window: without it a focused spin box takes Space (and
empties itself) and a combo box takes Right. The window must have ``play_action``, ``step_action``
and ``reset_action``.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

RUN_KEYS = {Qt.Key.Key_Space: "play_action", Qt.Key.Key_Right: "step_action", Qt.Key.Key_N: "step_action",
            Qt.Key.Key_R: "reset_action"}


def is_free_text(widget) -> bool:
    """A field where typing text is the point (an expression box), as opposed to a number or choice."""
    if isinstance(widget, (QTextEdit, QPlainTextEdit)):
        return not widget.isReadOnly()
    if isinstance(widget, QLineEdit):
        parent = widget.parentWidget()
        return not widget.isReadOnly() and not isinstance(parent, (QAbstractSpinBox, QComboBox))
    return False


class RunKeys(QObject):
    """Space, Right/N and R act on the run from any widget of the window except a free-text field.

    Without this a focused spin box takes Space (and empties itself), a combo box takes Right.
    The key press is claimed at ShortcutOverride (so the widget never sees it), then triggers the action.
    """

    def __init__(self, window):
        super().__init__(window)
        self.window = window

    def _target(self, obj, event):
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier or event.key() not in RUN_KEYS:
            return None
        if not isinstance(obj, QWidget) or obj.window() is not self.window or is_free_text(obj):
            return None
        if not isinstance(obj, (QAbstractSpinBox, QComboBox)) and \
                not isinstance(obj.parentWidget(), (QAbstractSpinBox, QComboBox)):
            return None  # other widgets already leave these keys to the window's shortcuts
        return getattr(self.window, RUN_KEYS[event.key()])

    def eventFilter(self, obj, event):  # noqa: N802 - Qt name
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        action = self._target(obj, event)
        if action is None:
            return False
        event.accept()
        # ShortcutOverride is only claimed; the press triggers (holding Space does not toggle on and on)
        if kind == QEvent.Type.KeyPress and not (event.isAutoRepeat() and event.key() == Qt.Key.Key_Space):
            action.trigger()
        return True
