"""Lab 2, page 1: a 3-class linear classifier on 2D points that the student edits by hand.

Regions, one line w_c . x + b_c = 0 per class with an arrow along w_c (where
class c's score grows; drag its round handle to turn w_c), W and b in spin
boxes with their current gradient next to them, a table of each point's scores and loss, and the data, regularization
and total loss. Step / Run / Re-randomize drive the engine in a worker job
(linear2d_job); every edit is sent to it as a command and comes back as a snapshot.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Slot
from PySide6.QtWidgets import (QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QTableView, QVBoxLayout, QWidget)

from visualdl.data import DATASETS
from visualdl.engine.course.demos import HARD_CASES, hard_case
from visualdl.engine.course.linear2d import aim_class
from visualdl.labs.common.widgets import combo, guard_wheel_in, spin
from visualdl.labs.common.plots import ClassLegend, RegionPlot, class_color, scrollable, write_csv
from visualdl.labs.linear.jobs import hard_case_verdict_job, linear2d_job
from visualdl.ui.export import install_export_menu
from visualdl.ui.presentation import controls_panel
from visualdl.ui.worker import LatestJob

TOY_SETS = [name for name, d in DATASETS.items() if d["kind"] == "points"]
NUM_CLASSES = 3
HARD_HINT = "One click loads one of the course's hard cases and runs the linear classifier on it."


class PointTableModel(QAbstractTableModel):
    """Rows: points; columns: x1, x2, class, one score per class, loss."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.X = np.zeros((0, 2))
        self.y = np.zeros(0, int)
        self.scores = np.zeros((0, NUM_CLASSES))
        self.loss = np.zeros(0)

    def set_values(self, X, y, scores, loss) -> None:
        same_shape = self.scores.shape == np.shape(scores)
        if not same_shape:
            self.beginResetModel()
        self.X, self.y, self.scores, self.loss = X, y, scores, loss
        if same_shape:
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))
        else:
            self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.y)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else 4 + self.scores.shape[1]

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802 - Qt API
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section)
        names = ["x1", "x2", "class"] + [f"s{c}" for c in range(self.scores.shape[1])] + ["loss"]
        return names[section]

    def value(self, row: int, col: int) -> float:
        C = self.scores.shape[1]
        if col < 2:
            return float(self.X[row, col])
        if col == 2:
            return int(self.y[row])
        if col < 3 + C:
            return float(self.scores[row, col - 3])
        return float(self.loss[row])

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            v = self.value(row, col)
            return str(v) if col == 2 else f"{v:.3f}"
        if role == Qt.ItemDataRole.ForegroundRole and 3 <= col < 3 + self.scores.shape[1]:
            if col - 3 == int(self.y[row]):
                return pg.mkColor(*class_color(int(self.y[row])))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class PointTable(QTableView):
    """The per-point table; CSV: every row as shown, full precision."""

    def export_csv(self, path) -> None:
        m = self.model()
        header = [m.headerData(c, Qt.Orientation.Horizontal) for c in range(m.columnCount())]
        write_csv(path, header, [[m.value(r, c) for c in range(m.columnCount())] for r in range(m.rowCount())])


class Linear2DPage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.job = LatestJob()
        self.load_job = LatestJob()
        self.verdict_job = LatestJob()
        self.verdict: dict | None = None  # {"linear_acc", "hidden_acc"} of the hard case shown
        self.verdict_case: str | None = None
        self.snap: dict | None = None
        self.data = None
        self._build()
        self.generate()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        data_box = QGroupBox("Data (3 classes)")
        dform = QFormLayout(data_box)
        self.set_combo = combo([(name, DATASETS[name]["title"]) for name in TOY_SETS])
        self.set_combo.setCurrentIndex(TOY_SETS.index("blobs") if "blobs" in TOY_SETS else 0)
        self.points_spin = spin(6, 600, 60, step=10)
        self.seed_spin = spin(0, 99999, 0)
        self.generate_button = QPushButton("Generate")
        dform.addRow("Set", self.set_combo)
        dform.addRow("Points", self.points_spin)
        dform.addRow("Seed", self.seed_spin)
        dform.addRow(self.generate_button)

        train_box = QGroupBox("Loss and optimization")
        tform = QFormLayout(train_box)
        self.loss_combo = combo([("svm", "Multiclass SVM (hinge)"), ("softmax", "Softmax (cross-entropy)")])
        self.lr_spin = spin(0.0001, 10.0, 0.1, decimals=4, step=0.01, keyboard_tracking=True)
        self.reg_spin = spin(0.0, 10.0, 0.01, decimals=4, step=0.01, keyboard_tracking=True)
        self.step_button = QPushButton("Step")
        self.run_button = QPushButton("Run")
        self.run_button.setCheckable(True)
        self.random_button = QPushButton("Re-randomize")
        tform.addRow("Loss", self.loss_combo)
        tform.addRow("Step size", self.lr_spin)
        tform.addRow("L2 strength", self.reg_spin)
        buttons = QHBoxLayout()
        for b in (self.step_button, self.run_button, self.random_button):
            buttons.addWidget(b)
        tform.addRow(buttons)
        self.loss_label = QLabel("")
        self.loss_label.setWordWrap(True)
        tform.addRow(self.loss_label)

        param_box = QGroupBox("W and b (edit; gradient in grey)")
        grid = QGridLayout(param_box)
        for col, name in enumerate(["w1", "w2", "b"]):
            grid.addWidget(QLabel(f"{name}  (∂L/∂{name})"), 0, 1 + col, Qt.AlignmentFlag.AlignCenter)
        self.param_spins: list[list[QDoubleSpinBox]] = []
        self.grad_labels: list[list[QLabel]] = []
        self.row_names: list[QLabel] = []
        for c in range(NUM_CLASSES):
            name = QLabel(f"class {c}")
            name.setStyleSheet(f"color: rgb{class_color(c)}; font-weight: bold;")
            grid.addWidget(name, 1 + 2 * c, 0)
            self.row_names.append(name)
            spins, grads = [], []
            for j in range(3):
                box = spin(-100.0, 100.0, 0.0, decimals=3, step=0.1)
                box.valueChanged.connect(self._on_param_edit)
                grad = QLabel("")
                grad.setStyleSheet("color: grey;")
                grid.addWidget(box, 1 + 2 * c, 1 + j)
                grid.addWidget(grad, 2 + 2 * c, 1 + j, Qt.AlignmentFlag.AlignCenter)
                spins.append(box)
                grads.append(grad)
            self.param_spins.append(spins)
            self.grad_labels.append(grads)

        hard_box = QGroupBox("Not linearly separable (2 classes)")
        hlayout = QVBoxLayout(hard_box)
        hrow = QHBoxLayout()
        self.hard_buttons = {}
        for key, text in (("xor", "XOR"), ("ring", "Ring"), ("islands", "Two islands")):
            button = QPushButton(text)
            button.setToolTip(HARD_CASES[key])
            button.setProperty("case", key)
            button.clicked.connect(self._on_hard_case_clicked)
            hrow.addWidget(button)
            self.hard_buttons[key] = button
        hlayout.addLayout(hrow)
        self.verdict_label = QLabel(HARD_HINT)
        self.verdict_label.setWordWrap(True)
        self.lab5_button = QPushButton("Lab 5: a hidden layer solves it →")
        self.lab5_button.clicked.connect(self._on_lab5_clicked)
        hlayout.addWidget(self.verdict_label)
        hlayout.addWidget(self.lab5_button)

        side = QVBoxLayout()
        for w in (data_box, hard_box, train_box, param_box):
            side.addWidget(w)
        side.addStretch(1)
        side_widget = QWidget()
        side_widget.setLayout(side)

        self.plot = RegionPlot("Regions and lines w·x + b = 0 (drag a round arrowhead to turn that w)")
        install_export_menu(self.plot, "linear 2D")
        self.line_items = []
        for c in range(NUM_CLASSES):
            pen = pg.mkPen(*class_color(c), width=2.5)
            line = pg.PlotDataItem(pen=pen)
            arrow = pg.PlotDataItem(pen=pen)
            head = pg.PlotDataItem(pen=pen)
            for item in (line, arrow, head):
                self.plot.addItem(item)
            self.line_items.append((line, arrow, head))
        # a handle on each arrowhead: drag it to turn w_c (the line turns about the arrow's foot)
        self.handles = []
        for c in range(NUM_CLASSES):
            handle = pg.TargetItem(size=13, symbol="o", pen=pg.mkPen(*class_color(c), width=2),
                                   brush=pg.mkBrush(255, 255, 255, 160), movable=True)
            handle.setZValue(10)
            handle.class_index = c
            handle.sigPositionChangeFinished.connect(self._on_handle_dragged)
            self.plot.addItem(handle)
            self.handles.append(handle)

        self.table_model = PointTableModel(self)
        self.table = PointTable()
        self.table.setModel(self.table_model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(20)
        install_export_menu(self.table, "point scores")

        self.class_legend = ClassLegend()
        self.class_legend.set_classes([f"class {c}" for c in range(NUM_CLASSES)])
        right = QVBoxLayout()
        right.addWidget(self.plot, 3)
        right.addWidget(self.class_legend)
        right.addWidget(self.table, 2)
        layout = QHBoxLayout(self)
        side_widget.setFixedWidth(360)  # long set names are elided, not allowed to widen the panel
        layout.addWidget(controls_panel(scrollable(side_widget, 376)))
        layout.addLayout(right, 1)

        guard_wheel_in(side_widget)
        self.generate_button.clicked.connect(self.generate)
        self.loss_combo.currentIndexChanged.connect(self._on_loss_change)
        self.lr_spin.valueChanged.connect(self._on_lr_change)
        self.reg_spin.valueChanged.connect(self._on_reg_change)
        self.step_button.clicked.connect(self.step_once)
        self.run_button.toggled.connect(self._on_run_toggled)
        self.random_button.clicked.connect(self.randomize)

    # ------------------------------------------------------------------ data and job
    @Slot()
    def generate(self) -> None:
        self.status("Generating data…")
        self.load_job.start(self.ctx.load_dataset(self.set_combo.currentData(), seed=self.seed_spin.value(), track=False,
                                              n_points=self.points_spin.value(), n_classes=NUM_CLASSES,
                                              val_fraction=0.0, test_fraction=0.0))
        self.load_job.job.finished.connect(self._on_data_loaded)
        self.load_job.job.errored.connect(self.status)

    @Slot(object)
    def _on_data_loaded(self, data) -> None:
        if data is None or not self.load_job.is_current(self.sender()):
            return
        self.verdict_job.cancel()
        self.verdict, self.verdict_case = None, None
        self.verdict_label.setText(HARD_HINT)
        self.use_data(data)

    @Slot()
    def _on_hard_case_clicked(self) -> None:
        """Load a hard case (engine.course.demos.hard_case), start Run, and ask the worker how a trained
        linear classifier and a 2-layer net do on it."""
        key = self.sender().property("case")
        X, y = hard_case(key, n_points=self.points_spin.value(), seed=self.seed_spin.value())
        self.use_data(SimpleNamespace(name=key, X_train=X, y_train=y, num_classes=2))
        self.verdict, self.verdict_case = None, key
        self.verdict_label.setText(f"{HARD_CASES[key]}: training a linear classifier and a 2-layer net…")
        self.verdict_job.start(self.ctx.runner.submit(hard_case_verdict_job, X, y, title="hard-case"))
        self.verdict_job.job.finished.connect(self._on_verdict)
        self.verdict_job.job.errored.connect(self.status)
        if not self.run_button.isChecked():
            self.run_button.setChecked(True)

    @Slot(object)
    def _on_verdict(self, result) -> None:
        if result is None or not self.verdict_job.is_current(self.sender()):
            return
        self.verdict = result
        self.verdict_label.setText(
            f"{HARD_CASES[self.verdict_case]}: no line separates the classes. A trained linear classifier "
            f"gets {100 * result['linear_acc']:.1f}% of the points right; a 2-layer net with 50 ReLU units "
            f"gets {100 * result['hidden_acc']:.1f}%.")

    @Slot()
    def _on_lab5_clicked(self) -> None:
        window = self.window()
        if hasattr(window, "show_lab"):
            window.show_lab("neural_nets")

    def use_data(self, data) -> None:
        """Train on data (anything with X_train, y_train, num_classes): the running job gets it."""
        self.data = data
        if self.job.send(("data", data.X_train, data.y_train, data.num_classes)):
            return
        self.job.start(self.ctx.runner.submit(linear2d_job, data.X_train, data.y_train, data.num_classes,
                                          loss=self.loss_combo.currentData(), reg=self.reg_spin.value(),
                                          lr=self.lr_spin.value(), seed=self.seed_spin.value(), title="linear-2d"))
        self.job.job.yielded.connect(self._on_snapshot)
        self.job.job.errored.connect(self.status)

    def send(self, command) -> None:
        self.job.send(command)

    def status(self, message: str) -> None:
        self.loss_label.setText(message)

    @Slot()
    def step_once(self) -> None:
        self.run_button.setChecked(False)
        self.send(("step",))

    @Slot(bool)
    def _on_run_toggled(self, on: bool) -> None:
        self.run_button.setText("Pause" if on else "Run")
        self.send(("run", on))

    def toggle_run(self) -> None:
        self.run_button.toggle()

    @Slot()
    def randomize(self) -> None:
        self.send(("randomize", int(np.random.default_rng().integers(1 << 31))))

    @Slot(int)
    def _on_loss_change(self, _i: int) -> None:
        self.send(("loss", self.loss_combo.currentData()))

    @Slot(float)
    def _on_lr_change(self, value: float) -> None:
        self.send(("lr", value))

    @Slot(float)
    def _on_reg_change(self, value: float) -> None:
        self.send(("reg", value))

    @Slot(float)
    def _on_param_edit(self, _value: float) -> None:
        C = len(self.snap["W"]) if self.snap is not None else NUM_CLASSES
        W = np.array([[self.param_spins[c][j].value() for j in range(2)] for c in range(C)])
        b = np.array([self.param_spins[c][2].value() for c in range(C)])
        self.send(("set", W, b))

    @Slot(object)
    def _on_handle_dragged(self, handle) -> None:
        """The student dropped class c's arrowhead somewhere: aim w_c there."""
        if self.snap is None:
            return
        c = handle.class_index
        geo = self.snap["lines"][c]
        if geo is None:
            return
        pos = handle.pos()
        W, b = aim_class(self.snap["W"], self.snap["b"], c, geo["arrow_start"], (pos.x(), pos.y()))
        self.send(("set", W, b))

    # ------------------------------------------------------------------ drawing
    @Slot(object)
    def _on_snapshot(self, snap: dict) -> None:
        if not self.job.is_current(self.sender()):
            return
        self.snap = snap
        X, y = snap["X"], snap["y"]  # the points this snapshot was computed on
        self.plot.set_regions(snap["regions"], None, snap["bounds"])
        self.plot.set_points(X, y)
        for c, (line, arrow, head) in enumerate(self.line_items):
            geo = snap["lines"][c] if c < len(snap["lines"]) else None
            handle = self.handles[c]
            handle.setVisible(geo is not None)
            if geo is None:
                for item in (line, arrow, head):
                    item.setData([], [])
                continue
            if not getattr(handle, "moving", False):  # never pull it from under the mouse
                handle.blockSignals(True)
                handle.setPos(*geo["arrow_end"])
                handle.blockSignals(False)
            line.setData([geo["p1"][0], geo["p2"][0]], [geo["p1"][1], geo["p2"][1]])
            arrow.setData([geo["arrow_start"][0], geo["arrow_end"][0]], [geo["arrow_start"][1], geo["arrow_end"][1]])
            head.setData(geo["head"][:, 0], geo["head"][:, 1])
        xmin, xmax, ymin, ymax = snap["bounds"]
        self.plot.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0)
        C = len(snap["W"])
        for c in range(NUM_CLASSES):  # a 2-class set hides the third row
            for widget in (self.row_names[c], *self.param_spins[c], *self.grad_labels[c]):
                widget.setVisible(c < C)
        self.class_legend.set_classes([f"class {c}" for c in range(C)])
        for c in range(C):
            values = (snap["W"][c, 0], snap["W"][c, 1], snap["b"][c])
            grads = (snap["dW"][c, 0], snap["dW"][c, 1], snap["db"][c])
            for j in range(3):
                spin = self.param_spins[c][j]
                if not spin.hasFocus():  # never overwrite what the student is typing
                    spin.blockSignals(True)
                    spin.setValue(float(values[j]))
                    spin.blockSignals(False)
                self.grad_labels[c][j].setText(f"({grads[j]:+.4f})")
        self.table_model.set_values(X, y, snap["scores"], snap["point_loss"])
        name = "SVM" if snap["loss"] == "svm" else "softmax"
        self.loss_label.setText(f"{name} data loss {snap['data_loss']:.4f}\n+ L2 loss {snap['reg_loss']:.4f}"
                                f"\n= total loss {snap['total']:.4f}\naccuracy {100 * snap['accuracy']:.1f}% · "
                                f"step {snap['step']}")

    def export_targets(self) -> dict:
        return {"linear 2D": self.plot, "point scores": self.table}

    def shutdown(self) -> None:
        for slot in (self.job, self.load_job, self.verdict_job):
            slot.cancel()
