"""Help > Keyboard shortcuts and Help > About: their texts and the (non-blocking) message box."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from visualdl import __version__

SHORTCUTS = [
    ("Space", "Play / pause training"),
    ("Right or N", "One step (steps-per-update iterations)"),
    ("R", "Reset the run (same seed, fresh weights)"),
    ("Ctrl+1 … Ctrl+7", "Jump to a lab"),
    ("Ctrl+O", "Open a CIFAR-10 archive"),
    ("Ctrl+S / Ctrl+L", "Save / load a session"),
    ("Ctrl+E", "Export all plots of this lab into a folder"),
    ("F5", "Presentation mode: large fonts and lines, side controls hidden"),
    ("F11", "Full screen"),
    ("Ctrl+Q", "Quit"),
]


def shortcuts_html() -> str:
    rows = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;&nbsp;{v}</td></tr>" for k, v in SHORTCUTS)
    return f"<table>{rows}</table>"


def about_html() -> str:
    return (f"<b>VisualDL {__version__}</b><br>See deep learning work: nearest neighbours, "
            "linear classifiers, losses and optimizers, backpropagation, neural and "
            "convolutional networks — every number computed by a small NumPy engine you can read.")


def help_box(parent: QWidget, title: str, html: str) -> QMessageBox:
    """An information box that deletes itself when closed (call .open(): it does not block)."""
    box = QMessageBox(QMessageBox.Icon.Information, title, html, QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return box
