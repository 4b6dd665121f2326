"""The course's babysitting order as a checklist beside the dashboard; each item opens its experiment."""
from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QCheckBox, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

# (item, what to do, experiment tab key or None); the course's order, optional steps last
CHECKLIST = [
    ("1. Preprocess", "zero-centre (subtract the mean image or per-channel mean)", "preprocess"),
    ("2. Architecture", "start small; pick the activation (ReLU is the default)", "activations"),
    ("3. Initialization", "Xavier for tanh, Kaiming for ReLU; check the loss at start (ln 10 ≈ 2.3)",
     "init"),
    ("4. Learning rate", "overfit a tiny subset first, then find a rate that makes the loss go "
     "down (range test); update/weight ≈ 1e-3", "lr"),
    ("Augmentation (optional)", "flips and shifts (the dashboard's Augment box)", None),
    ("Batch norm (optional)", "after each FC/conv, before the nonlinearity", "batchnorm"),
    ("Dropout (optional)", "when train and val accuracy drift apart", "overfit"),
]


class Checklist(QFrame):
    """A column of checkable steps; `open_requested(key)` asks the lab to show an experiment tab."""

    open_requested = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFixedWidth(260)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        head = QLabel("<b>Babysitting the learning process</b>")
        head.setWordWrap(True)
        lay.addWidget(head)
        self.boxes: list[QCheckBox] = []
        self.links: dict[str, QPushButton] = {}
        for text, hint, key in CHECKLIST:
            row = QWidget()
            r = QHBoxLayout(row)
            r.setContentsMargins(0, 0, 0, 0)
            box = QCheckBox(text)
            box.setToolTip(hint)
            r.addWidget(box, 1)
            self.boxes.append(box)
            if key is not None:
                link = QPushButton("Open")
                link.setToolTip(f"Open the experiment: {hint}")
                link.setProperty("experiment", key)
                link.setFixedWidth(46)
                link.clicked.connect(self._on_link)
                r.addWidget(link)
                self.links[key] = link
            lay.addWidget(row)
            note = QLabel(hint)
            note.setWordWrap(True)
            note.setStyleSheet("color: #555; font-size: 9pt; margin-left: 20px")
            lay.addWidget(note)
        lay.addStretch(1)

    @Slot()
    def _on_link(self) -> None:
        key = self.sender().property("experiment")
        self.open_requested.emit(str(key))
