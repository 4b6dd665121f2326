"""A lab's choices as a plain dict, read from and written back to its form controls.

    state = form_state(lab)          # {"QGroupBox0/QComboBox1": "tanh", "lr": 0.01, ...}
    apply_form_state(lab, state)     # FormStateError before anything changes when it does not fit

Every spin box, combo box, check box, slider and free-text field below a widget is one entry,
keyed by its objectName when it has a unique one, otherwise by its path of (class, index among
siblings of that class) from the root, so every lab gets shareable setups without code of its
own. A lab may override with ``setup_state()`` / ``apply_setup(state)``. Applying validates the
whole state first (every key known, each value of the right type and in range): a setup is
applied whole or not at all.
"""
from __future__ import annotations

from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit,
                               QRadioButton, QSlider, QSpinBox, QWidget)

VALUE_TYPES = (QSpinBox, QDoubleSpinBox, QComboBox, QCheckBox, QRadioButton, QSlider, QLineEdit)


class FormStateError(ValueError):
    """The state does not fit this form; nothing was changed."""


def _is_value_widget(w: QWidget) -> bool:
    if not isinstance(w, VALUE_TYPES):
        return False
    if isinstance(w, QLineEdit):
        parent = w.parentWidget()
        if isinstance(parent, (QAbstractSpinBox, QComboBox)) or w.isReadOnly():
            return False
    if isinstance(w, QAbstractButton) and not w.isCheckable():
        return False
    if isinstance(w, QComboBox) and w.count() == 0:
        return False  # filled later by the lab (e.g. after a run): nothing to choose yet
    return True


def _path(root: QWidget, w: QWidget) -> str:
    parts = []
    node = w
    while node is not None and node is not root:
        parent = node.parent()
        siblings = [c for c in (parent.children() if parent is not None else []) if type(c) is type(node)]
        parts.append(f"{type(node).__name__}{siblings.index(node) if node in siblings else 0}")
        node = parent
    return "/".join(reversed(parts))


def value_widgets(root: QWidget) -> dict[str, QWidget]:
    """key -> widget for every value control below root (deterministic for a given build)."""
    found = [w for w in root.findChildren(QWidget) if _is_value_widget(w)]
    names = [w.objectName() for w in found]
    out = {}
    for w in found:
        name = w.objectName()
        key = name if name and not name.startswith("qt_") and names.count(name) == 1 else _path(root, w)
        out[key] = w
    return out


def _read(w: QWidget):
    if isinstance(w, (QSpinBox, QSlider)):
        return int(w.value())
    if isinstance(w, QDoubleSpinBox):
        return float(w.value())
    if isinstance(w, QComboBox):
        data = w.currentData()
        return data if isinstance(data, (str, int, float, bool)) else w.currentText()
    if isinstance(w, QAbstractButton):
        return bool(w.isChecked())
    return w.text()


def form_state(root: QWidget) -> dict:
    return {key: _read(w) for key, w in value_widgets(root).items()}


def _check(key: str, w: QWidget, value):
    """-> a callable that applies value, or raises FormStateError."""
    if isinstance(w, (QSpinBox, QSlider)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise FormStateError(f"{key}: expected a whole number, got {value!r}")
        if not w.minimum() <= value <= w.maximum():
            raise FormStateError(f"{key}: {value} is outside {w.minimum()}..{w.maximum()}")
        return lambda: w.setValue(value)
    if isinstance(w, QDoubleSpinBox):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise FormStateError(f"{key}: expected a number, got {value!r}")
        if not w.minimum() <= value <= w.maximum():
            raise FormStateError(f"{key}: {value} is outside {w.minimum()}..{w.maximum()}")
        return lambda: w.setValue(float(value))
    if isinstance(w, QComboBox):
        index = w.findData(value)
        if index < 0 and isinstance(value, str):
            index = w.findText(value)
        if index < 0:
            raise FormStateError(f"{key}: {value!r} is not one of {[w.itemText(i) for i in range(w.count())]}")
        return lambda: w.setCurrentIndex(index)
    if isinstance(w, QAbstractButton):
        if not isinstance(value, bool):
            raise FormStateError(f"{key}: expected true or false, got {value!r}")
        return lambda: w.setChecked(value)
    if not isinstance(value, str):
        raise FormStateError(f"{key}: expected text, got {value!r}")
    return lambda: (w.setText(value), w.editingFinished.emit())


def apply_form_state(root: QWidget, state: dict) -> int:
    """Validate the whole state against root's controls, then apply it; returns how many were set."""
    widgets = value_widgets(root)
    unknown = sorted(set(state) - set(widgets))
    if unknown:
        raise FormStateError(f"this setup does not match the lab's controls (unknown: {', '.join(unknown[:5])})")
    appliers = [_check(key, widgets[key], value) for key, value in state.items()]
    for apply in appliers:
        apply()
    # A choice may set other controls to its own defaults (an optimizer its learning rate), overwriting
    # values applied before it: set those once more.
    for key, value in state.items():
        if _read(widgets[key]) != value:
            try:
                _check(key, widgets[key], value)()
            except FormStateError:
                pass  # the choice narrowed this control's range; the value the choice gave stays
    return len(appliers)
