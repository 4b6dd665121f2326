"""Lab 5: neural networks — a live playground for small nets on 2D data.

The student watches, while the engine's Trainer runs on the worker (job.py): the decision map,
every neuron's picture in the network diagram (weights as lines), the hidden space, and the
train/validation loss and accuracy. Every number comes from the worker's snapshot (engine
``compute_views``); this widget only draws and sends commands.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (QDialog, QFileDialog, QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget)

from visualdl.data.toy import toy_defaults
from visualdl.engine.playground.points_csv import read_points_csv, write_points_csv
from visualdl.labs.common.widgets import combo
from visualdl.labs.common.plots import scrollable, settle_plots
from visualdl.labs.neural_nets.controls import ControlPanel, speed_text
from visualdl.labs.neural_nets.diagram import NetworkDiagram
from visualdl.labs.neural_nets.job import merge_updates, playground_job
from visualdl.labs.neural_nets.neuron import FormulaPanel, SingleNeuronPanel
from visualdl.labs.neural_nets.plots import Curves, DecisionMap, HiddenSpacePlot, PointsPlot, decision_rgb, signed_rgb
from visualdl.ui.export import install_export_menu
from visualdl.ui.presentation import controls_panel
from visualdl.ui.worker import LatestJob

HOVER_HINT = "Hover a line to read its weight · click a neuron to enlarge it"
MAX_ROWS = 10000  # curve rows kept (about 15 minutes of play at full speed before thinning)
SPIRAL_NOISE = 0.1  # the toy default (0.2) blurs the arms more than a first lesson wants


def _pct(v) -> str:
    return "–" if v is None or v != v else f"{100 * v:.1f}%"


def _num(v) -> str:
    """A loss for the metrics line: 4 decimals, or 3 significant digits with an exponent when huge (diverging)."""
    if v is None or v != v:
        return "–"
    return f"{v:.4f}" if abs(v) < 1e4 else f"{v:.3g}"


def read_csv_job(ctl, path):
    """Worker job: the points of a CSV file (raises DataError naming bad lines)."""
    return read_points_csv(path)


class NeuronDialog(QDialog):
    """One neuron's picture, enlarged, with the data on top; follows the training live."""

    def __init__(self, column: int, unit: int, title: str, parent=None):
        super().__init__(parent)
        self.column, self.unit = column, unit
        self.setWindowTitle(title)
        self.plot = PointsPlot(title)
        self.range_label = QLabel()
        install_export_menu(self.plot, "neuron")
        layout = QVBoxLayout(self)
        layout.addWidget(self.plot)
        layout.addWidget(self.range_label)
        self.resize(480, 500)

    def show_views(self, views, points, bounds) -> None:
        maps = views["inputs"] if self.column == 0 else views["neurons"][self.column - 1]
        values = maps[self.unit]
        self.plot.set_image(signed_rgb(values), bounds)
        if points is not None:
            self.plot.set_points(*points)
        dead = self.column > 0 and bool(views["dead"][self.column - 1][self.unit])
        self.range_label.setText(f"Blue > 0, red < 0, white 0 · values from {values.min():.3g} to {values.max():.3g} "
                                 "over the plane"
                                 + (" · DEAD: never active on the training points" if dead else ""))


class NeuralNetsLab(QWidget):
    SETTINGS_KEY = "neural_nets/choices"  # the controls' values, remembered across launches

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.seed = 0
        self.custom_points = None  # (X, y) of a loaded CSV, or None for the toy sets
        self.info = self.views = self.points = None
        self.rows: list[dict] = []
        self.status: dict = {}
        self.neuron_dialog: NeuronDialog | None = None
        self.csv_job = LatestJob()
        self.last_error = ""
        self._build()
        self.controls.restore(ctx.settings.get(self.SETTINGS_KEY))
        self.job = ctx.runner.submit(playground_job, merge=merge_updates, title="playground")
        self.job.yielded.connect(self._on_update)
        self.job.errored.connect(self._on_job_error)
        self.job.send(("speed", self.controls.speed()))
        self.setup()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.controls = c = ControlPanel()
        self.diagram = NetworkDiagram()
        self.hover_label = QLabel(HOVER_HINT)
        self.message_label = QLabel()  # what went wrong (a diverged run, a bad file), until the next run
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("color: #8a1c00; font-weight: bold")
        self.message_label.hide()
        self.metrics_label = QLabel()
        self.metrics_label.setWordWrap(True)
        self.loss_plot = Curves("Loss", "softmax loss")
        self.acc_plot = Curves("Accuracy", "accuracy", legend_offset=(-5, -5))  # bottom right: it rises
        self.acc_plot.setYRange(0, 1)
        self.map = DecisionMap()
        self.hidden_plot = HiddenSpacePlot()
        self.pair_combo = combo([(p, f"h{p[0] + 1} vs h{p[1] + 1}") for p in HiddenSpacePlot.PAIRS])
        self.hidden_caption = QLabel()
        self.hidden_caption.setWordWrap(True)
        self.neuron_panel = SingleNeuronPanel()
        self.formula_panel = FormulaPanel()
        for plot, name in ((self.loss_plot, "loss"), (self.acc_plot, "accuracy"), (self.map, "decision map"),
                           (self.hidden_plot, "hidden space")):
            install_export_menu(plot, name)

        middle = QVBoxLayout()
        middle.addWidget(self.diagram, 3)
        middle.addWidget(self.hover_label)
        middle.addWidget(self.message_label)
        middle.addWidget(self.metrics_label)
        curves = QHBoxLayout()
        curves.addWidget(self.loss_plot)
        curves.addWidget(self.acc_plot)
        middle.addLayout(curves, 2)

        hidden_page = QWidget()
        hl = QVBoxLayout(hidden_page)
        hl.setContentsMargins(2, 2, 2, 2)
        hl.addWidget(self.pair_combo)
        hl.addWidget(self.hidden_plot, 1)
        hl.addWidget(self.hidden_caption)
        self.tabs = QTabWidget()
        self.tabs.addTab(hidden_page, "Hidden space")
        self.tabs.addTab(self.neuron_panel, "One neuron")
        self.tabs.addTab(self.formula_panel, "Formulas")
        right = QVBoxLayout()
        self.map.setMinimumHeight(380)
        right.addWidget(self.map, 1)
        right.addWidget(self.tabs, 1)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        c.setFixedWidth(236)
        layout.addWidget(controls_panel(scrollable(c, 252)))
        layout.addLayout(middle, 1)
        layout.addLayout(right, 1)

        c.play_button.toggled.connect(self._on_play_toggled)
        c.step_button.clicked.connect(self.step_once)
        c.reset_button.clicked.connect(self.reset_run)
        c.new_weights_button.clicked.connect(self._on_new_weights)
        c.speed_slider.valueChanged.connect(self._on_speed_change)
        c.load_button.clicked.connect(self._on_load_clicked)
        c.save_button.clicked.connect(self._on_save_clicked)
        c.set_combo.currentIndexChanged.connect(self._on_set_change)
        for box in (c.classes_spin, c.points_spin, c.layers_spin, *c.unit_spins):
            box.valueChanged.connect(self._on_run_setting_change)
        for box in (c.noise_spin, c.val_spin):
            box.valueChanged.connect(self._on_run_setting_change)
        for box in (c.activation_combo, c.optimizer_combo):
            box.currentIndexChanged.connect(self._on_run_setting_change)
        for box in c.feature_boxes.values():
            box.toggled.connect(self._on_run_setting_change)
        for box in (c.lr_spin, c.reg_spin, c.batch_spin):
            box.valueChanged.connect(self._on_hyper_change)
        c.reg_combo.currentIndexChanged.connect(self._on_hyper_change)
        self.map.clicked.connect(self._on_map_clicked)
        self.diagram.node_clicked.connect(self._on_node_clicked)
        self.diagram.hovered.connect(self.hover_label.setText)
        self.pair_combo.currentIndexChanged.connect(self._on_pair_change)

    # ------------------------------------------------------------------ commands
    def setup(self) -> None:
        """A new run from the controls (data, features, architecture): paused, curves cleared."""
        if not self.controls.features():
            self._show_error("Choose at least one input feature.")
            return
        self.controls.play_button.setChecked(False)
        self.job.send(("setup", self.controls.spec(self.seed), self.custom_points))
        self._save_choices()

    def _save_choices(self) -> None:
        self.ctx.settings.set(self.SETTINGS_KEY, self.controls.remembered())

    def play(self) -> None:
        """Start training (``python -m visualdl --lab neural_nets --play``)."""
        self.controls.play_button.setChecked(True)

    def toggle_play(self) -> None:
        self.controls.play_button.toggle()

    def step_once(self) -> None:
        self.controls.play_button.setChecked(False)
        self.job.send(("step", 1))

    def reset_run(self) -> None:
        self.controls.play_button.setChecked(False)
        self.job.send(("reset", False))

    @Slot()
    def _on_new_weights(self) -> None:
        self.controls.play_button.setChecked(False)
        self.job.send(("reset", True))

    @Slot(bool)
    def _on_play_toggled(self, playing: bool) -> None:
        self.controls.play_button.setText("Pause" if playing else "Play")
        self.job.send(("play",) if playing else ("pause",))

    @Slot(int)
    def _on_speed_change(self, _i: int) -> None:
        self.job.send(("speed", self.controls.speed()))
        self._save_choices()

    @Slot()
    def _on_run_setting_change(self, *_):
        self.setup()

    @Slot(int)
    def _on_set_change(self, _i: int) -> None:
        c = self.controls
        name = c.set_combo.currentData()
        if name != "csv":
            self.custom_points = None
            d = toy_defaults(name)
            for box, value in ((c.classes_spin, d["n_classes"]),
                               (c.noise_spin, SPIRAL_NOISE if name == "spiral" else d["noise"])):
                box.blockSignals(True)
                box.setValue(value)
                box.blockSignals(False)
        for box in (c.classes_spin, c.points_spin, c.noise_spin):
            box.setEnabled(name != "csv")
        self.setup()

    @Slot()
    def _on_hyper_change(self, *_):
        self.job.send(("set", self.controls.hyper()))
        self._save_choices()

    @Slot(float, float, object)
    def _on_map_clicked(self, x: float, y: float, modifiers) -> None:
        if modifiers & Qt.KeyboardModifier.ShiftModifier:
            self.job.send(("remove", x, y))
        else:
            self.job.send(("add", x, y, self.controls.click_class.currentData() or 0))

    @Slot(int)
    def _on_pair_change(self, _i: int) -> None:
        self.hidden_plot.pair = self.pair_combo.currentData()
        if self.views is not None:
            self._draw_hidden()

    @Slot(int, int)
    def _on_node_clicked(self, column: int, unit: int) -> None:
        if self.neuron_dialog is not None:
            self.neuron_dialog.close()
        what = f"input {self.info['features'][unit]}" if column == 0 else f"hidden layer {column}, unit {unit + 1}"
        self.neuron_dialog = NeuronDialog(column, unit, what.capitalize(), self)
        if self.views is not None:
            self.neuron_dialog.show_views(self.views, self.points, self.info["bounds"])
        self.neuron_dialog.show()

    # ------------------------------------------------------------------ CSV
    @Slot()
    def _on_load_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load points (x1,x2,label)", "", "CSV files (*.csv);;All files (*)")
        if path:
            self.load_csv(path)

    def load_csv(self, path) -> None:
        """Read the file on the worker; on success the points replace the data (a new run)."""
        job = self.csv_job.start(self.ctx.runner.submit(read_csv_job, str(path), title="load-points"))
        job.finished.connect(self._on_csv_loaded)
        job.errored.connect(self._show_error)

    @Slot(object)
    def _on_csv_loaded(self, points) -> None:
        if points is None or not self.csv_job.is_current(self.sender()):
            return
        c = self.controls
        self.custom_points = points
        if c.set_combo.findData("csv") < 0:
            c.set_combo.addItem("Own points (CSV)", "csv")
        self.last_error = ""
        c.set_combo.blockSignals(True)
        c.set_combo.setCurrentIndex(c.set_combo.findData("csv"))
        c.set_combo.blockSignals(False)
        self._on_set_change(c.set_combo.currentIndex())
        self.ctx.status(f"Loaded {len(points[1])} points", source=self)

    @Slot()
    def _on_save_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save points", "points.csv", "CSV files (*.csv)")
        if path:
            self.save_csv(path)

    def save_csv(self, path) -> None:
        if self.points is None:
            return
        Xt, yt, Xv, yv = self.points
        try:
            write_points_csv(path, np.concatenate([Xt, Xv]), np.concatenate([yt, yv]))
            self.ctx.status(f"Saved {len(yt) + len(yv)} points to {path}", source=self)
        except (OSError, ValueError) as exc:
            self._show_error(f"Could not save {path}: {exc}")

    # ------------------------------------------------------------------ updates
    @Slot(object)
    def _on_update(self, u: dict) -> None:
        problems = [e for e in u["events"] if e["kind"] in ("error", "stopped")]
        if u["reset"] and not problems:
            self._clear_message()  # a new run: the last run's trouble is over
        for event in problems:
            self._show_error(event["message"])
        if u["info"] is not None:
            self.info = info = u["info"]
            self.seed = info["seed"]
            self.diagram.set_structure(info["sizes"], info["features"], info["num_classes"])
            self.formula_panel.set_net(info["sizes"], info["activation"])
            self.controls.set_classes(info["num_classes"])
            if self.neuron_dialog is not None:
                self.neuron_dialog.close()
                self.neuron_dialog = None
        if u["reset"]:
            self.rows = []
        if u["points"] is not None:
            self.points = u["points"]
            self.map.set_points(*self.points)
        self.rows.extend(u["rows"])
        if len(self.rows) > MAX_ROWS:  # a long session: keep every other older row, the curves stay cheap
            half = len(self.rows) // 2
            self.rows = self.rows[:half:2] + self.rows[half:]
        self.status = u["status"]
        if u["views"] is not None:
            self.views = u["views"]
            self._draw_views()
        if u["rows"] or u["reset"]:
            self._draw_curves()
        if not self.status["playing"] and self.controls.play_button.isChecked() and not u["reset"] \
                and any(e["kind"] in ("stopped", "error") for e in u["events"]):
            self.controls.play_button.setChecked(False)
        self._show_metrics()
        settle_plots(self)

    def _draw_views(self) -> None:
        v, info = self.views, self.info
        self.map.set_image(decision_rgb(v["pred"], v["conf"], info["num_classes"]), info["bounds"])
        self.diagram.show_views(v)
        self._draw_hidden()
        if self.neuron_dialog is not None:
            self.neuron_dialog.show_views(v, self.points, info["bounds"])

    def _draw_hidden(self) -> None:
        v = self.views
        k = v["hidden"]["train"].shape[1] if v["hidden"] is not None else 0
        self.pair_combo.setVisible(k == 3)
        y_tr, y_va = (self.points[1], self.points[3]) if self.points is not None else ([], [])
        self.hidden_caption.setText(self.hidden_plot.show_views(v, y_tr, y_va, self.info["num_classes"]))

    def _draw_curves(self) -> None:
        it = np.array([r["iteration"] for r in self.rows], float)
        get = lambda key: np.array([r[key] for r in self.rows], float)  # noqa: E731
        self.loss_plot.set_rows(it, get("train_loss"), get("val_loss"))
        self.acc_plot.set_rows(it, get("train_acc"), get("val_acc"))

    def _show_metrics(self) -> None:
        m = self.rows[-1] if self.rows else {}
        s = self.status
        speed = f" · {s['steps_per_s']:,.0f} updates/s" if s.get("playing") else " · paused"
        self.metrics_label.setText(
            f"<b>Iteration {s.get('iteration', 0):,}</b> (epoch {s.get('epoch', 0):.1f}){speed} "
            f"(speed: {speed_text(self.controls.speed())})<br>"
            f"train: loss {_num(m.get('train_loss'))}, accuracy <b>{_pct(m.get('train_acc'))}</b> · "
            f"validation: loss {_num(m.get('val_loss'))}, accuracy <b>{_pct(m.get('val_acc'))}</b>")

    def _show_error(self, message: str) -> None:
        self.last_error = message
        self.message_label.setText(message)
        self.message_label.show()
        self.ctx.status(message, source=self)

    def _clear_message(self) -> None:
        self.message_label.clear()
        self.message_label.hide()

    @Slot(str)
    def _on_job_error(self, message: str) -> None:
        self._show_error(f"The playground stopped: {message}")

    # ------------------------------------------------------------------ app hooks
    def export_targets(self) -> dict:
        targets = {"decision map": self.map, "network diagram": self.diagram.scene(), "hidden space": self.hidden_plot,
                   "loss": self.loss_plot, "accuracy": self.acc_plot, "single neuron": self.neuron_panel.plot,
                   "formulas": self.formula_panel}
        if self.neuron_dialog is not None and self.neuron_dialog.isVisible():
            targets["enlarged neuron"] = self.neuron_dialog.plot
        return targets

    def shutdown(self) -> None:
        for slot in (self.job, self.csv_job):  # the worker's cancel Event, as in every lab
            slot.cancel()
        if self.neuron_dialog is not None:
            self.neuron_dialog.close()
