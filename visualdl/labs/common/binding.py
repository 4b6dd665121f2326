"""One name -> widget binding for a form (in the spirit of pyqtgraph's WidgetGroup).

    binding = WidgetBinding()
    binding.add("lr", spin(1e-7, 1e6, 1e-3, decimals=7))
    binding.add("activation", combo([("relu", "ReLU"), ("tanh", "tanh")]))
    binding.changed.connect(self._on_setting_change)      # (name, value) after a user edit
    binding.state()            -> {"lr": 0.001, "activation": "relu"}
    binding.set_state({"lr": 0.01})                         # quiet: no changed signal

Values: a combo box's current item data, a spin box's or slider's value, a check box's state,
a line edit's text. A widget's "user is done" signal emits ``changed``: valueChanged for spin
boxes (with keyboard tracking off, once the typing is done), currentIndexChanged, toggled, and
editingFinished for line edits (not every keystroke).
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox, QLineEdit, QWidget


class WidgetBinding(QObject):
    """Named form widgets read and written as one dict; ``changed(name, value)`` after each user edit."""

    changed = Signal(str, object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._widgets: dict[str, QWidget] = {}
        self._names: dict[QWidget, str] = {}

    # ---------------------------------------------------------------- building
    def add(self, name: str, widget: QWidget) -> QWidget:
        """Bind widget under name (returns it, so forms can write ``self.lr = binding.add("lr", spin(...))``)."""
        if name in self._widgets:
            raise ValueError(f"{name!r} is already bound")
        self._widgets[name] = widget
        self._names[widget] = name
        if isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(self._on_widget_change)
        elif isinstance(widget, QAbstractSpinBox):
            widget.valueChanged.connect(self._on_widget_change)
        elif isinstance(widget, QAbstractButton):
            widget.toggled.connect(self._on_widget_change)
        elif isinstance(widget, QLineEdit):
            widget.editingFinished.connect(self._on_widget_change)
        elif isinstance(widget, QAbstractSlider):
            widget.valueChanged.connect(self._on_widget_change)
        else:
            raise TypeError(f"cannot bind a {type(widget).__name__} ({name!r})")
        return widget

    # ---------------------------------------------------------------- reading and writing
    @property
    def names(self) -> list[str]:
        return list(self._widgets)

    def widget(self, name: str) -> QWidget:
        return self._widgets[name]

    def value(self, name: str):
        return _get(self._widgets[name])

    def state(self) -> dict:
        """{name: value} of every bound widget."""
        return {name: _get(w) for name, w in self._widgets.items()}

    def set_state(self, state: dict, quiet: bool = True) -> None:
        """Show the given values (unknown names raise KeyError); quiet: emit no ``changed``.

        A combo value that is not one of its items leaves the combo as it was.
        """
        unknown = set(state) - set(self._widgets)
        if unknown:
            raise KeyError(f"not bound: {', '.join(sorted(unknown))}")
        blocked = [(w, w.blockSignals(True)) for name, w in self._widgets.items() if name in state] if quiet else []
        try:
            for name, value in state.items():
                _set(self._widgets[name], value)
        finally:
            for w, was in blocked:
                w.blockSignals(was)

    @Slot()
    def _on_widget_change(self, *_args) -> None:
        widget = self.sender()
        name = self._names.get(widget)
        if name is not None:
            self.changed.emit(name, _get(widget))


def _get(w: QWidget):
    if isinstance(w, QComboBox):
        return w.currentData()
    if isinstance(w, QAbstractButton):
        return w.isChecked()
    if isinstance(w, QLineEdit):
        return w.text()
    return w.value()


def _set(w: QWidget, value) -> None:
    if isinstance(w, QComboBox):
        i = w.findData(value)
        if i >= 0:
            w.setCurrentIndex(i)
    elif isinstance(w, QAbstractButton):
        w.setChecked(bool(value))
    elif isinstance(w, QLineEdit):
        w.setText(str(value))
    else:
        w.setValue(value)
