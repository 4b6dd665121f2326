"""The dashboard's left panel: run buttons and the data / model / loss / optimizer form, in a scroll area.

Every setting is bound by name in ``form.binding`` (a WidgetBinding): ``form.binding.state()`` is the
flat dict that ``visualdl.labs.training.config`` turns into a trainer config and a data request.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLineEdit, QPushButton,
                               QScrollArea, QVBoxLayout, QWidget)

from visualdl.data import DATASETS
from visualdl.engine.nn.models import ACTIVATIONS, INITS, LOSSES, OPTIMIZER_NAMES, PREPROCESS_KINDS, PRESETS, REG_KINDS
from visualdl.engine.nn.optim import OPTIMIZERS
from visualdl.labs.common.binding import WidgetBinding
from visualdl.labs.common.widgets import combo, guard_wheel_in, spin
from visualdl.labs.training.config import HYPER_KEYS

HYPER_LABELS = {"mu": "Momentum μ", "decay": "Decay ρ", "beta1": "β1", "beta2": "β2", "eps": "ε"}
LOSS_TITLES = {"softmax": "Softmax (cross-entropy)", "svm": "Multiclass SVM (hinge)"}
REG_TITLES = {"none": "None", "l1": "L1", "l2": "L2", "elastic": "Elastic net"}
OPTIMIZER_TITLES = {"sgd": "SGD", "momentum": "SGD + momentum", "adagrad": "AdaGrad", "rmsprop": "RMSProp",
                    "adam": "Adam"}


class TrainingForm(QScrollArea):
    """Run buttons + settings; each setting widget is an attribute named like its binding key."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.binding = b = WidgetBinding(self)

        # ---- data
        dataset = QComboBox()
        for name, spec in DATASETS.items():
            dataset.addItem(spec["title"], name)
        self.dataset = b.add("dataset", dataset)
        self.n_points = b.add("n_points", spin(20, 20000, 300, step=50))
        self.n_classes = b.add("n_classes", spin(2, 10, 3))
        self.noise = b.add("noise", spin(0.0, 3.0, 0.2, decimals=3, step=0.05))
        self.preprocess = b.add("preprocess", combo([(k, k.replace("_", " ")) for k in PREPROCESS_KINDS]))
        data_box = QGroupBox("Data")
        form = QFormLayout(data_box)
        form.addRow(self.dataset)
        self._toy_rows = [("Points", self.n_points), ("Classes", self.n_classes), ("Noise", self.noise)]
        for label, w in self._toy_rows:
            form.addRow(label, w)
        form.addRow("Preprocess", self.preprocess)
        self._data_form = form

        # ---- model
        self.preset = b.add("preset", combo([(k, v["title"]) for k, v in PRESETS.items()]))
        self.hidden = b.add("hidden", QLineEdit())
        self.hidden.setPlaceholderText("e.g. 100 or 200, 100")
        self.activation = b.add("activation", combo([(k, k.replace("_", " ")) for k in ACTIVATIONS]))
        self.init = b.add("init", combo([(k, k) for k in INITS]))
        self.init_std = b.add("init_std", spin(1e-6, 10.0, 0.01, decimals=6))
        self.batchnorm = b.add("batchnorm", QCheckBox("Batch norm"))
        self.dropout = b.add("dropout", spin(0.0, 0.95, 0.0, decimals=2, step=0.05))
        model_box = QGroupBox("Model")
        form = QFormLayout(model_box)
        form.addRow(self.preset)
        form.addRow("Hidden sizes", self.hidden)
        form.addRow("Activation", self.activation)
        form.addRow("Init", self.init)
        form.addRow("Init std", self.init_std)
        form.addRow(self.batchnorm)
        form.addRow("Dropout p", self.dropout)

        # ---- loss + regularization
        self.loss = b.add("loss", combo([(k, LOSS_TITLES.get(k, k)) for k in LOSSES]))
        self.reg_kind = b.add("reg_kind", combo([(k, REG_TITLES.get(k, k)) for k in REG_KINDS]))
        self.reg_strength = b.add("reg_strength", spin(0.0, 100.0, 1e-4, decimals=6))
        self.l1_strength = b.add("l1_strength", spin(0.0, 100.0, 0.0, decimals=6))
        loss_box = QGroupBox("Loss and regularization")
        form = QFormLayout(loss_box)
        form.addRow("Loss", self.loss)
        form.addRow("Regularization", self.reg_kind)
        form.addRow("Strength", self.reg_strength)
        form.addRow("L1 strength (elastic)", self.l1_strength)
        self.reg_strength.setToolTip("L2: 0.5·s·ΣW²  ·  L1: s·Σ|W|  ·  elastic: L2 part (biases are not regularized)")

        # ---- optimizer
        self.optimizer = b.add("optimizer", combo([(k, OPTIMIZER_TITLES.get(k, k)) for k in OPTIMIZER_NAMES]))
        self.lr = b.add("lr", spin(1e-7, 1e6, 1e-3, decimals=7))
        self.lr.setToolTip("Can be changed while training runs (no reset)")
        self.hyper = {key: b.add(key, spin(0.0, 0.999999, 0.9, decimals=6)) for key in HYPER_KEYS}
        self.batch_size = b.add("batch_size", spin(1, 4096, 128))
        self.seed = b.add("seed", spin(0, 2**31 - 1, 0))
        opt_box = QGroupBox("Optimizer")
        form = QFormLayout(opt_box)
        form.addRow(self.optimizer)
        form.addRow("Learning rate", self.lr)
        for key, box in self.hyper.items():
            form.addRow(HYPER_LABELS[key], box)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Seed", self.seed)
        self._opt_form = form

        # ---- run
        self.step_button = QPushButton("Step")
        self.play_button = QPushButton("Play")
        self.reset_button = QPushButton("Reset")
        self.steps_per_update = spin(1, 10000, 1)
        self.steps_per_update.setToolTip("Iterations per Step click (Right arrow / N)")
        self.evaluate_button = QPushButton("Test accuracy")
        self.evaluate_button.setToolTip("Accuracy on the whole test split (with progress; cancellable)")
        self.pin_button = QPushButton("Keep run for comparison")
        self.clear_pins_button = QPushButton("Clear kept runs")
        run_box = QGroupBox("Run")
        lay = QVBoxLayout(run_box)
        row = QHBoxLayout()
        for button in (self.step_button, self.play_button, self.reset_button):
            row.addWidget(button)
        lay.addLayout(row)
        form = QFormLayout()
        form.addRow("Steps per update", self.steps_per_update)
        lay.addLayout(form)
        lay.addWidget(self.evaluate_button)
        lay.addWidget(self.pin_button)
        lay.addWidget(self.clear_pins_button)

        controls = QWidget()
        col = QVBoxLayout(controls)
        for box in (run_box, data_box, model_box, loss_box, opt_box):
            col.addWidget(box)
        col.addStretch(1)
        self.setWidget(controls)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # As wide as the widest group (toy-data rows included), plus the vertical scroll bar.
        self.setFixedWidth(controls.sizeHint().width() + self.verticalScrollBar().sizeHint().width() + 6)
        guard_wheel_in(controls)  # the wheel scrolls the panel; a combo or spin box changes only when focused

    def show_relevant_fields(self) -> None:
        """Toy-data rows for point sets only, no CNN for points, the chosen optimizer's own fields, ..."""
        points = DATASETS[self.dataset.currentData()]["kind"] == "points"
        for _, w in self._toy_rows:
            self._data_form.setRowVisible(w, points)
        model = self.preset.model()
        for i in range(self.preset.count()):
            model.item(i).setEnabled(not (points and PRESETS[self.preset.itemData(i)]["kind"] == "cnn"))
        reg = self.reg_kind.currentData()
        self.reg_strength.setEnabled(reg in ("l2", "elastic", "l1"))
        self.l1_strength.setEnabled(reg == "elastic")
        self.init_std.setEnabled(self.init.currentData() == "gaussian")
        used = OPTIMIZERS[self.optimizer.currentData()]
        for key, box in self.hyper.items():
            self._opt_form.setRowVisible(box, key in used)

    def set_cifar_available(self, available: bool) -> None:
        i = self.dataset.findData("cifar10")
        if i >= 0:
            self.dataset.model().item(i).setEnabled(available)
