"""The race's control panel: surface, preset, one row per optimizer, run controls (widgets only).

Every value typed here is checked with the engine's own rules before it is sent (``check_lr``,
``make_optimizer``): a refused value is named in ``message`` and the field goes back to the
last good value.
"""
from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QVBoxLayout, QWidget)

from visualdl.data.toy import GENERATORS, TITLES as TOY_TITLES
from visualdl.engine.nn.optim import OPTIMIZERS, make_optimizer
from visualdl.engine.optimization.presets import PRESETS
from visualdl.engine.optimization.race import NAMES, TITLES, check_lr
from visualdl.engine.optimization.surfaces import SYNTHETIC
from visualdl.labs.common.widgets import combo, guard_wheel_in, spin
from visualdl.labs.optimization.map_view import RACER_COLOURS

SYMBOLS = {"lr": "lr", "mu": "μ", "decay": "decay", "eps": "ε", "beta1": "β1", "beta2": "β2"}
SPEEDS = [(1, "1 step/s"), (5, "5 steps/s"), (20, "20 steps/s"), (100, "100 steps/s"), (1000, "1000 steps/s")]
SURFACES = [(k, s.title) for k, s in SYNTHETIC.items()] + [("model", "Real model: logistic on toy data"),
                                                           ("custom", "Your own f(x, y)")]
BATCHES = [(1, "1"), (8, "8"), (64, "64"), (None, "full batch")]


def _fmt(v: float) -> str:
    return f"{v:g}"


class OptimizerRow(QWidget):
    """Checkbox + lr + the optimizer's other hyperparameters (+ Adam's bias correction) + its status."""

    enabled_changed = Signal(str, bool)
    hyper_changed = Signal(str, str, float)  # name, key, value (already checked)
    refused = Signal(str)

    def __init__(self, name: str, parent=None):
        super().__init__(parent)
        self.name = name
        self.values = dict(OPTIMIZERS[name])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 2, 0, 2)
        outer.setSpacing(1)
        line1, line2 = QHBoxLayout(), QHBoxLayout()
        line2.addSpacing(22)
        self.check = QCheckBox(TITLES[name])
        self.check.setStyleSheet(f"QCheckBox {{ color: {RACER_COLOURS[name]}; font-weight: bold; }}")
        self.check.toggled.connect(self._on_toggled)
        line1.addWidget(self.check)
        line1.addStretch(1)
        self.edits: dict[str, QLineEdit] = {}
        for i, key in enumerate(self.values):
            edit = QLineEdit(_fmt(self.values[key]))
            edit.setObjectName(f"{name}-{key}")
            edit.setFixedWidth(56)
            edit.setToolTip(f"{TITLES[name]} {key}: type a value, then Enter")
            edit.editingFinished.connect(self._on_edited)
            self.edits[key] = edit
            line = line1 if i == 0 else line2  # lr beside the name, the rest below
            line.addWidget(QLabel(SYMBOLS[key]))
            line.addWidget(edit)
        self.bias = None
        if name == "adam":
            self.bias = QCheckBox("bias correction")
            self.bias.setChecked(True)
            self.bias.setToolTip("Adam's m / (1 - β1^t) and n / (1 - β2^t); off: the first steps are too big")
            line1.insertWidget(1, self.bias)
        line2.addStretch(1)
        outer.addLayout(line1)
        if len(self.values) > 1:
            outer.addLayout(line2)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #b00020;")
        outer.addWidget(self.status)
        self.status.hide()

    @Slot(bool)
    def _on_toggled(self, on: bool) -> None:
        self.enabled_changed.emit(self.name, on)

    @Slot()
    def _on_edited(self) -> None:
        edit = self.sender()
        key = next(k for k, e in self.edits.items() if e is edit)
        text = edit.text().strip()
        try:
            value = check_lr(text) if key == "lr" else float(text)
            make_optimizer(self.name, **{key: value})  # the engine's own checks (mu in [0, 1), eps > 0, ...)
        except ValueError as exc:
            edit.setText(_fmt(self.values[key]))
            self.refused.emit(f"{TITLES[self.name]}: {exc}")
            return
        if value != self.values[key]:
            self.values[key] = value
            edit.setText(_fmt(value))
            self.hyper_changed.emit(self.name, key, value)

    def set_values(self, values: dict) -> None:
        for key, v in values.items():
            self.values[key] = float(v)
            self.edits[key].setText(_fmt(v))

    def set_status(self, text: str | None) -> None:
        if (text or "") == self.status.text():
            return
        self.status.setText(text or "")
        self.status.setVisible(bool(text))


class RacePanel(QWidget):
    """All controls of the race, built once; the page connects their signals."""

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)

        box = QGroupBox("Surface")
        form = QFormLayout(box)
        self.surface = combo(SURFACES)
        form.addRow("Loss", self.surface)
        order = ["moons"] + [k for k in GENERATORS if k != "moons"]
        self.dataset = combo([(k, TOY_TITLES[k].replace(" (2D)", "")) for k in order])
        self.reg = combo([("none", "none"), ("l2", "L2"), ("l1", "L1"), ("elastic", "elastic net")])
        self.lam = spin(0.0, 10.0, 0.0, decimals=3, step=0.01)
        self.batch = combo(BATCHES)
        self.model_rows = [(QLabel("Data (2 classes)"), self.dataset), (QLabel("Regularization"), self.reg),
                           (QLabel("λ"), self.lam), (QLabel("Minibatch"), self.batch)]
        self.expr = QLineEdit("x^2 + 10*y^2")
        self.expr.setObjectName("expr")
        self.expr.setToolTip("f(x, y) with + - * / ^, exp, log, tanh, sigmoid, relu, max; Enter to use it")
        self.half_width = spin(0.1, 1000.0, 3.0, decimals=2)
        self.custom_rows = [(QLabel("f(x, y) ="), self.expr), (QLabel("Map |x|, |y| ≤"), self.half_width)]
        self.noise = spin(0.0, 100.0, 0.0, decimals=2, step=0.1)
        self.noise_row = (QLabel("Gradient noise σ"), self.noise)
        for label, w in self.model_rows + self.custom_rows + [self.noise_row]:
            form.addRow(label, w)
        self.expr_error = QLabel("")
        self.expr_error.setStyleSheet("color: #b00020; font-family: monospace;")
        self.expr_error.setWordWrap(False)
        form.addRow(self.expr_error)
        self.expr_error.hide()
        layout.addWidget(box)

        box = QGroupBox("Course problems")
        v = QVBoxLayout(box)
        self.preset = combo([("", "Choose a preset…")] + [(k, p["title"]) for k, p in PRESETS.items()])
        self.preset_note = QLabel("")
        self.preset_note.setWordWrap(True)
        v.addWidget(self.preset)
        v.addWidget(self.preset_note)
        layout.addWidget(box)

        box = QGroupBox("Optimizers (the engine's own)")
        v = QVBoxLayout(box)
        v.setSpacing(0)
        self.rows = {name: OptimizerRow(name) for name in NAMES}
        for row in self.rows.values():
            v.addWidget(row)
        layout.addWidget(box)

        box = QGroupBox("Run")
        v = QVBoxLayout(box)
        h = QHBoxLayout()
        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.step_button = QPushButton("Step")
        self.reset_button = QPushButton("Reset")
        for b in (self.play_button, self.step_button, self.reset_button):
            h.addWidget(b)
        v.addLayout(h)
        form = QFormLayout()
        self.speed = combo(SPEEDS)
        self.speed.setCurrentIndex(2)
        self.inspect = combo([(n, TITLES[n]) for n in NAMES])
        self.log_y = QCheckBox("log y (loss − lowest value on the map)")
        form.addRow("Speed", self.speed)
        form.addRow("Show what it carries", self.inspect)
        form.addRow(self.log_y)
        v.addLayout(form)
        self.start_label = QLabel("Start: click the map")
        v.addWidget(self.start_label)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        v.addWidget(self.message)
        layout.addWidget(box)
        layout.addStretch(1)
        for box in self.findChildren(QComboBox):  # long item texts must not widen the panel
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(8)
        guard_wheel_in(self)

    def show_rows_for(self, key: str) -> None:
        for label, w in self.model_rows:
            label.setVisible(key == "model")
            w.setVisible(key == "model")
        for label, w in self.custom_rows:
            label.setVisible(key == "custom")
            w.setVisible(key == "custom")
        self.noise_row[0].setVisible(key != "model")
        self.noise_row[1].setVisible(key != "model")
        if key != "custom":
            self.expr_error.hide()
