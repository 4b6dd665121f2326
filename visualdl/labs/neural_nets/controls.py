"""The playground's side panel: data, input features, architecture, training and run controls.

Only widgets: the lab reads them into a PlaygroundSpec (``spec()``) and connects their signals.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton,
                               QSlider, QVBoxLayout, QWidget)

from visualdl.data.toy import TITLES
from visualdl.engine.nn.optim import OPTIMIZERS
from visualdl.engine.playground.features import FEATURES
from visualdl.engine.playground.network import ACTIVATIONS
from visualdl.engine.playground.session import TOY_SETS, PlaygroundSpec
from visualdl.labs.common.binding import WidgetBinding
from visualdl.labs.common.widgets import combo, guard_wheel_in, spin

SPEEDS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 0]  # updates per second; 0 = as fast as possible
MAX_LAYERS = 3
# TF-Playground-like start: the last hidden layer has 2 units, so the hidden space is drawn at once
DEFAULT_HIDDEN = [8, 2]
OPTIMIZER_TITLES = {"sgd": "SGD", "momentum": "SGD + momentum", "adagrad": "AdaGrad", "rmsprop": "RMSProp",
                    "adam": "Adam"}


def speed_text(ups: float) -> str:
    return "as fast as possible" if ups == 0 else f"{ups:g} update{'s' if ups != 1 else ''}/s"


class ControlPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        d = PlaygroundSpec()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(4)

        run = QGroupBox("Run")
        rl = QGridLayout(run)
        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.step_button = QPushButton("Step")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Start again from the same initial weights (same seed)")
        self.new_weights_button = QPushButton("New weights")
        self.new_weights_button.setToolTip("Start again from new random initial weights (next seed)")
        rl.addWidget(self.play_button, 0, 0)
        rl.addWidget(self.step_button, 0, 1)
        rl.addWidget(self.reset_button, 1, 0)
        rl.addWidget(self.new_weights_button, 1, 1)
        self.speed_slider = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=len(SPEEDS) - 1)
        self.speed_slider.setValue(SPEEDS.index(20))
        self.speed_label = QLabel()
        rl.addWidget(QLabel("Speed"), 2, 0)
        rl.addWidget(self.speed_label, 2, 1)
        rl.addWidget(self.speed_slider, 3, 0, 1, 2)
        layout.addWidget(run)

        data = QGroupBox("Data")
        f = QFormLayout(data)
        self.set_combo = combo([(name, TITLES[name].replace(" (2D)", "")) for name in TOY_SETS])
        self.classes_spin = spin(2, 10, d.n_classes)
        self.points_spin = spin(10, 5000, d.n_points, step=50)
        self.noise_spin = spin(0.0, 1.0, d.noise, decimals=2, step=0.05)
        self.val_spin = spin(0.0, 0.6, d.val_ratio, decimals=2, step=0.05)
        self.click_class = combo([])
        f.addRow("Set", self.set_combo)
        f.addRow("Classes", self.classes_spin)
        f.addRow("Points", self.points_spin)
        f.addRow("Noise", self.noise_spin)
        f.addRow("Validation share", self.val_spin)
        f.addRow("Click adds", self.click_class)
        hint = QLabel("Click the map: add a point · Shift+click: remove the nearest")
        hint.setWordWrap(True)
        f.addRow(hint)
        row = QHBoxLayout()
        self.load_button = QPushButton("Load CSV…")
        self.save_button = QPushButton("Save CSV…")
        row.addWidget(self.load_button)
        row.addWidget(self.save_button)
        f.addRow(row)
        layout.addWidget(data)

        feats = QGroupBox("Input features")
        g = QGridLayout(feats)
        self.feature_boxes: dict[str, QCheckBox] = {}
        for i, (name, (title, _)) in enumerate(FEATURES.items()):
            box = QCheckBox(title)
            box.setChecked(name in d.features)
            self.feature_boxes[name] = box
            g.addWidget(box, i // 2, i % 2)
        layout.addWidget(feats)

        net = QGroupBox("Network")
        f = QFormLayout(net)
        self.layers_spin = spin(0, MAX_LAYERS, len(DEFAULT_HIDDEN))
        self.layers_spin.setToolTip("0 hidden layers = the linear classifier")
        units = QHBoxLayout()
        self.unit_spins = [spin(1, 256, n) for n in DEFAULT_HIDDEN + [8] * (MAX_LAYERS - len(DEFAULT_HIDDEN))]
        for s in self.unit_spins:
            s.setToolTip("Units in this hidden layer (1-16 drawn as pictures)")
            units.addWidget(s)
        self.activation_combo = combo(list(ACTIVATIONS.items()))
        f.addRow("Hidden layers", self.layers_spin)
        f.addRow("Units", units)
        f.addRow("Activation", self.activation_combo)
        layout.addWidget(net)

        train = QGroupBox("Training")
        f = QFormLayout(train)
        self.optimizer_combo = combo([(k, OPTIMIZER_TITLES[k]) for k in OPTIMIZERS])
        self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData(d.optimizer))
        self.lr_spin = spin(1e-5, 10.0, d.lr, decimals=5, step=0.001)
        self.reg_combo = combo([("none", "none"), ("l2", "L2"), ("l1", "L1")])
        self.reg_combo.setCurrentIndex(self.reg_combo.findData(d.reg_kind))
        self.reg_spin = spin(0.0, 10.0, d.reg_strength, decimals=5, step=0.0001)
        self.batch_spin = spin(1, 5000, d.batch_size)
        f.addRow("Optimizer", self.optimizer_combo)
        f.addRow("Learning rate", self.lr_spin)
        f.addRow("Regularization", self.reg_combo)
        f.addRow("Strength λ", self.reg_spin)
        f.addRow("Batch size", self.batch_spin)
        layout.addWidget(train)
        layout.addStretch(1)
        guard_wheel_in(self)
        self.layers_spin.valueChanged.connect(self._enable_units)
        self.speed_slider.valueChanged.connect(self._show_speed)
        self.binding = self._bind()
        self._enable_units()
        self._show_speed()

    def _bind(self) -> WidgetBinding:
        """Every choice the lab remembers, by name (``binding.state()`` is what the settings keep)."""
        b = WidgetBinding(self)
        for name, widget in (("dataset", self.set_combo), ("classes", self.classes_spin),
                             ("points", self.points_spin), ("noise", self.noise_spin), ("val_share", self.val_spin),
                             ("layers", self.layers_spin), ("activation", self.activation_combo),
                             ("optimizer", self.optimizer_combo), ("lr", self.lr_spin), ("reg_kind", self.reg_combo),
                             ("reg_strength", self.reg_spin), ("batch_size", self.batch_spin),
                             ("speed", self.speed_slider)):
            b.add(name, widget)
        for i, box in enumerate(self.unit_spins):
            b.add(f"units{i + 1}", box)
        for name, box in self.feature_boxes.items():
            b.add(f"feature:{name}", box)
        return b

    def remembered(self) -> dict:
        """The choices to keep across launches (not own CSV points: those are not saved with them)."""
        state = self.binding.state()
        if state["dataset"] == "csv":
            del state["dataset"]
        return state

    def restore(self, saved) -> None:
        """Show remembered choices, quietly; names or values this version does not know are skipped."""
        if not isinstance(saved, dict):
            return
        for name, value in saved.items():
            if name not in self.binding.names or isinstance(value, (dict, list)):
                continue
            try:
                self.binding.set_state({name: value})
            except (TypeError, ValueError, OverflowError):
                pass
        self._enable_units()
        self._show_speed()

    def _enable_units(self, *_):
        for i, s in enumerate(self.unit_spins):
            s.setEnabled(i < self.layers_spin.value())

    def _show_speed(self, *_):
        self.speed_label.setText(speed_text(self.speed()))

    def speed(self) -> float:
        return float(SPEEDS[self.speed_slider.value()])

    def features(self) -> tuple:
        return tuple(n for n, box in self.feature_boxes.items() if box.isChecked())

    def hidden(self) -> list[int]:
        return [s.value() for s in self.unit_spins[: self.layers_spin.value()]]

    def hyper(self) -> dict:
        """The settings that change between steps without a reset."""
        return {"lr": self.lr_spin.value(), "reg_kind": self.reg_combo.currentData(),
                "reg_strength": self.reg_spin.value(), "batch_size": self.batch_spin.value()}

    def spec(self, seed: int = 0) -> PlaygroundSpec:
        h = self.hyper()
        return PlaygroundSpec(dataset=self.set_combo.currentData(), n_points=self.points_spin.value(),
                              n_classes=self.classes_spin.value(), noise=self.noise_spin.value(),
                              val_ratio=self.val_spin.value(), features=self.features(), hidden=self.hidden(),
                              activation=self.activation_combo.currentData(),
                              optimizer=self.optimizer_combo.currentData(), lr=h["lr"], reg_kind=h["reg_kind"],
                              reg_strength=h["reg_strength"], batch_size=h["batch_size"], seed=seed)

    def set_classes(self, n: int) -> None:
        current = self.click_class.currentData()
        self.click_class.blockSignals(True)
        self.click_class.clear()
        for c in range(n):
            self.click_class.addItem(f"class {c}", c)
        self.click_class.blockSignals(False)
        if current is not None and current < n:
            self.click_class.setCurrentIndex(current)
