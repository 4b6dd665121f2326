"""Small widget helpers every lab form uses: spin boxes, combo boxes, the wheel guard.

The wheel guard: a combo or spin box inside a scrolling side panel must not change its value
when the student only turns the wheel to scroll the panel. Guarded widgets take strong focus
(click or Tab) and ignore the wheel until they have it, so the wheel scrolls the panel instead.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox, QDoubleSpinBox, QSlider,
                               QSpinBox, QWidget)


def spin(low, high, value, decimals: int | None = None, step=None, keyboard_tracking: bool = False):
    """A QSpinBox (decimals None) or QDoubleSpinBox with adaptive steps, guarded against the wheel."""
    box = QDoubleSpinBox() if decimals is not None else QSpinBox()
    if decimals is not None:
        box.setDecimals(decimals)
        box.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
    box.setRange(low, high)
    if step is not None:
        box.setSingleStep(step)
    box.setValue(value)
    box.setKeyboardTracking(keyboard_tracking)  # False: act when the user is done typing
    guard_wheel(box)
    return box


def combo(items) -> QComboBox:
    """items: list of (key, text); the key is the item's data. Guarded against the wheel."""
    box = QComboBox()
    for key, text in items:
        box.addItem(text, key)
    guard_wheel(box)
    return box


def select(box: QComboBox, key) -> None:
    """Make the item whose data is key current (no-op when there is none)."""
    i = box.findData(key)
    if i >= 0:
        box.setCurrentIndex(i)


class _WheelGuard(QObject):
    """Swallows wheel events of an unfocused value widget and hands them to the enclosing scroll area."""

    def eventFilter(self, obj, event):  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.Wheel and isinstance(obj, QWidget) and not obj.hasFocus():
            area = _scroll_area_of(obj)
            if area is not None:  # scroll the panel as if the wheel were over its background
                QApplication.sendEvent(area.verticalScrollBar(), event)
            return True
        return False


def _scroll_area_of(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    return parent


_GUARD: _WheelGuard | None = None


def guard_wheel(widget: QWidget) -> QWidget:
    """Make one value widget ignore the wheel unless focused; returns it."""
    global _GUARD
    if _GUARD is None:
        _GUARD = _WheelGuard()
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    widget.installEventFilter(_GUARD)
    return widget


def guard_wheel_in(root: QWidget) -> None:
    """Guard every combo box, spin box and slider below root (call after the form is built)."""
    for cls in (QComboBox, QAbstractSpinBox, QSlider):
        for w in root.findChildren(cls):
            guard_wheel(w)
