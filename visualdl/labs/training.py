"""Training dashboard: pick data, model, loss, regularization and optimizer, then watch it learn.

The widget holds no maths: the Trainer lives in a background job (visualdl.ui.training_job) that
this widget drives with commands (build, play, pause, step, set lr, reset, save, restore) and that
sends back throttled updates; the widget only appends rows to its RunLog and redraws curves.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QProgressBar, QPushButton, QScrollArea, QSizePolicy, QSlider, QSplitter,
                               QStatusBar, QVBoxLayout, QWidget)

from visualdl.data import DATASETS
from visualdl.engine.nn.models import (ACTIVATIONS, INITS, LOSSES, OPTIMIZER_NAMES, PRESETS, PREPROCESS_KINDS,
                                    REG_KINDS, default_config, validate_config)
from visualdl.engine.nn.optim import OPTIMIZERS
from visualdl.labs.common.palette import run_hex
from visualdl.labs.common.widgets import combo as _combo
from visualdl.labs.common.widgets import guard_wheel_in, select
from visualdl.labs.common.widgets import spin as _spin
from visualdl.ui.export import install_export_menu
from visualdl.ui.history import RunLog
from visualdl.ui.training_job import merge_updates, read_session, training_job

HYPER_LABELS = {"mu": "Momentum μ", "decay": "Decay ρ", "beta1": "β1", "beta2": "β2", "eps": "ε"}
SETTINGS_KEY = "training/choices"
MAX_MARKERS = 200  # epoch markers drawn only up to this many epochs
# Z order: kept runs under the live run, raw loss under everything
Z_KEPT, Z_LIVE = 1, 10
LOSS_TITLES = {"iteration": "Loss per iteration", "epoch": "Loss per iteration, against epochs"}
ACC_TITLE = "Accuracy at each epoch end"


class _Curves:
    """The plot items of one run: raw + smoothed loss, train + val accuracy.

    Pens are 1 px wide: Qt's raster engine drew a 2 px curve of 100k points 3x slower
    (bench/bench_responsiveness.py), and peak downsampling keeps every spike visible.
    """

    def __init__(self, loss_plot, acc_plot, colour: str, label: str, raw: bool = True, val_colour: str | None = None,
                 z: float = Z_LIVE):
        """colour: loss and train accuracy; val_colour: validation accuracy (default: colour darkened),
        so train and validation differ in colour, not only in marker shape and dash."""
        c = QColor(colour)
        v = QColor(val_colour) if val_colour is not None else c.darker(180)
        # Raw loss: the run's colour washed out towards white (opaque, cheaper than alpha), under
        # the smoothed curve so the trend stays readable through the noise.
        light = QColor(*(int(v + 0.68 * (255 - v)) for v in (c.red(), c.green(), c.blue())))
        self.raw = loss_plot.plot(name=f"{label} loss (raw)".strip(), pen=pg.mkPen(light, width=1)) if raw else None
        self.smooth = loss_plot.plot(name=f"{label} loss (smoothed)".strip(), pen=pg.mkPen(c, width=1))
        self.train = acc_plot.plot(name=f"{label} train acc".strip(), pen=pg.mkPen(c, width=1), symbol="o", symbolSize=5,
                                   symbolBrush=c, symbolPen=None)
        self.val = acc_plot.plot(name=f"{label} val acc".strip(), pen=pg.mkPen(v, width=1, style=pg.QtCore.Qt.PenStyle.DashLine),
                                 symbol="t", symbolSize=6, symbolBrush=v, symbolPen=None)
        for item in (self.smooth, self.train, self.val):
            item.setZValue(z)
        if self.raw is not None:
            self.raw.setZValue(z - 0.5)
        for item in self.items():
            item.setDownsampling(auto=True, method="peak")  # 100k+ points stay smooth
            item.setClipToView(True)
        self.loss_plot, self.acc_plot = loss_plot, acc_plot
        self._markers = True

    def items(self):
        return [i for i in (self.raw, self.smooth, self.train, self.val) if i is not None]

    def draw(self, log: RunLog, x_key: str) -> None:
        it, ep = log.iterations, log.epochs
        x = it[x_key]
        if self.raw is not None:
            self.raw.setData(x, it["loss"], connect="finite")
        self.smooth.setData(x, log.smoothed_loss, connect="finite")
        ex = ep[x_key]
        # Markers help while epochs are few; thousands of them (tiny toy sets: one step per epoch)
        # would make every repaint slow, so then the lines alone are drawn.
        markers = len(ex) <= MAX_MARKERS
        if markers != self._markers:
            self._markers = markers
            self.train.setSymbol("o" if markers else None)
            self.val.setSymbol("t" if markers else None)
        self.train.setData(ex, ep["train_acc"], connect="finite")
        self.val.setData(ex, ep["val_acc"], connect="finite")

    def remove(self) -> None:
        for item in self.items():
            (self.loss_plot if item in (self.raw, self.smooth) else self.acc_plot).removeItem(item)


def run_label(config: dict, lrs=()) -> str:
    """'two_layer relu adam lr=0.001', or 'lr 0.001→0.05 (varied)' when the lr changed during the run.

    config: the config the run was built with; lrs: the lr of each iteration so far.
    """
    m, o = config["model"], config["optim"]
    lrs = np.asarray(lrs, dtype=float)
    lrs = lrs[np.isfinite(lrs)]
    if lrs.size and lrs.min() != lrs.max():
        lr = f"lr {lrs[0]:g}→{lrs[-1]:g} (varied)"
    else:
        lr = f"lr={(lrs[0] if lrs.size else o['lr']):g}"
    return f"{m['preset']} {m['activation']} {o['name']} {lr}"


class TrainingLab(QWidget):
    """Course part 7: train any preset on any dataset and watch loss and accuracy curves live."""

    DEFAULT_DATASET = "builtin"
    DEFAULT_DATA_PARAMS: dict = {}
    DEFAULT_PRESET = "two_layer"
    SETTINGS_KEY = SETTINGS_KEY

    session_saved = Signal(str)
    session_loaded = Signal(str)
    session_failed = Signal(str)
    evaluated = Signal(str, object)  # split, accuracy (None when cancelled)
    updated = Signal()  # after each update from the worker was drawn (tests and other views)

    def __init__(self, ctx):
        super().__init__()
        self.ctx = ctx
        self.data = None  # the DataSplits the trainer uses (read-only here)
        self.data_request: dict | None = None
        self._data_job = None
        self._session_job = None
        self._pending_session = None
        self._pending_request: dict | None = None
        self._pending_after_data = None
        self._run = -1
        self._playing = False
        self._play_when_built = False
        self._eval_cancel = None
        self.eval_result: dict | None = None
        self._last_error: str | None = None
        self.overlays: list[tuple[RunLog, _Curves]] = []
        self.log = RunLog("run 1")
        self._build_ui()
        self.curves = _Curves(self.loss_plot, self.acc_plot, run_hex(0), "", val_colour=run_hex(1))
        self._restore_choices()
        self._rebuild_timer = QTimer(self)
        self._rebuild_timer.setSingleShot(True)
        self._rebuild_timer.setInterval(250)
        self._rebuild_timer.timeout.connect(self._rebuild)
        self._connect_controls()
        ctx.cifar_path_changed.connect(self._on_cifar_path_change)

        self.job = None
        self._ensure_job()
        self._update_axis_labels()
        self._rebuild()

    def _ensure_job(self) -> bool:
        """Start the training job when there is none running (first use, or after it failed). True if started."""
        if self.job is not None and self.job.is_running():
            return False
        # 20 redraws a second look smooth and leave the GUI thread time for the user.
        self.job = self.ctx.runner.submit(training_job, merge=merge_updates, max_rate=20, title="training")
        self.job.yielded.connect(self._on_update)
        self.job.progress.connect(self._on_job_progress)
        self.job.errored.connect(self._on_job_errored)
        return True

    # ================================================================== UI
    def _build_ui(self) -> None:
        # ---- data
        self.dataset = QComboBox()
        for name, spec in DATASETS.items():
            self.dataset.addItem(spec["title"], name)
        self.n_points = _spin(20, 20000, 300, step=50)
        self.n_classes = _spin(2, 10, 3)
        self.noise = _spin(0.0, 3.0, 0.2, decimals=3, step=0.05)
        data_box = QGroupBox("Data")
        form = QFormLayout(data_box)
        form.addRow(self.dataset)
        self._toy_rows = [("Points", self.n_points), ("Classes", self.n_classes), ("Noise", self.noise)]
        for label, w in self._toy_rows:
            form.addRow(label, w)
        self.preprocess = _combo([(k, k.replace("_", " ")) for k in PREPROCESS_KINDS])
        form.addRow("Preprocess", self.preprocess)
        self._data_form = form
        self._update_cifar_item()

        # ---- model
        self.preset = _combo([(k, v["title"]) for k, v in PRESETS.items()])
        self.hidden = QLineEdit()
        self.hidden.setPlaceholderText("e.g. 100 or 200, 100")
        self.activation = _combo([(k, k.replace("_", " ")) for k in ACTIVATIONS])
        self.init = _combo([(k, k) for k in INITS])
        self.init_std = _spin(1e-6, 10.0, 0.01, decimals=6)
        self.batchnorm = QCheckBox("Batch norm")
        self.dropout = _spin(0.0, 0.95, 0.0, decimals=2, step=0.05)
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
        self.loss = _combo([(k, {"softmax": "Softmax (cross-entropy)", "svm": "Multiclass SVM (hinge)"}.get(k, k))
                            for k in LOSSES])
        self.reg_kind = _combo([(k, {"none": "None", "l1": "L1", "l2": "L2", "elastic": "Elastic net"}.get(k, k))
                                for k in REG_KINDS])
        self.reg_strength = _spin(0.0, 100.0, 1e-4, decimals=6)
        self.l1_strength = _spin(0.0, 100.0, 0.0, decimals=6)
        loss_box = QGroupBox("Loss and regularization")
        form = QFormLayout(loss_box)
        form.addRow("Loss", self.loss)
        form.addRow("Regularization", self.reg_kind)
        form.addRow("Strength", self.reg_strength)
        form.addRow("L1 strength (elastic)", self.l1_strength)
        self.reg_strength.setToolTip("L2: 0.5·s·ΣW²  ·  L1: s·Σ|W|  ·  elastic: L2 part (biases are not regularized)")

        # ---- optimizer
        self.optimizer = _combo([(k, {"sgd": "SGD", "momentum": "SGD + momentum", "adagrad": "AdaGrad",
                                      "rmsprop": "RMSProp", "adam": "Adam"}.get(k, k)) for k in OPTIMIZER_NAMES])
        self.lr = _spin(1e-7, 1e6, 1e-3, decimals=7)
        self.lr.setToolTip("Can be changed while training runs (no reset)")
        self.hyper: dict[str, QDoubleSpinBox] = {}
        self.batch_size = _spin(1, 4096, 128)
        self.seed = _spin(0, 2**31 - 1, 0)
        opt_box = QGroupBox("Optimizer")
        form = QFormLayout(opt_box)
        form.addRow(self.optimizer)
        form.addRow("Learning rate", self.lr)
        for key in ("mu", "decay", "beta1", "beta2"):
            self.hyper[key] = _spin(0.0, 0.999999, 0.9, decimals=6)
            form.addRow(HYPER_LABELS[key], self.hyper[key])
        form.addRow("Batch size", self.batch_size)
        form.addRow("Seed", self.seed)
        self._opt_form = opt_box.layout()

        # ---- run
        self.step_button = QPushButton("Step")
        self.play_button = QPushButton("Play")
        self.reset_button = QPushButton("Reset")
        self.steps_per_update = _spin(1, 10000, 1)
        self.steps_per_update.setToolTip("Iterations per Step click (Right arrow / N)")
        self.evaluate_button = QPushButton("Test accuracy")
        self.evaluate_button.setToolTip("Accuracy on the whole test split (with progress; cancellable)")
        self.pin_button = QPushButton("Keep run for comparison")
        self.clear_pins_button = QPushButton("Clear kept runs")
        run_box = QGroupBox("Run")
        lay = QVBoxLayout(run_box)
        row = QHBoxLayout()
        for b in (self.step_button, self.play_button, self.reset_button):
            row.addWidget(b)
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
        scroll = QScrollArea()
        scroll.setWidget(controls)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(pg.QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # As wide as the widest group (toy-data rows included), plus the vertical scroll bar.
        scroll.setFixedWidth(controls.sizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 6)

        # ---- plots
        self.smoothing = QSlider(pg.QtCore.Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, 99)
        self.smoothing.setValue(60)
        self.smoothing_label = QLabel("0.60")
        self.log_y = QCheckBox("Log-scale loss")
        self.x_axis = _combo([("iteration", "x: iterations"), ("epoch", "x: epochs")])
        options = QHBoxLayout()
        options.addWidget(QLabel("Smoothing"))
        options.addWidget(self.smoothing, 1)
        options.addWidget(self.smoothing_label)
        options.addWidget(self.log_y)
        options.addWidget(self.x_axis)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        # Long messages (paths) wrap inside the plots' width instead of widening the window.
        self.banner.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.banner.setMinimumWidth(1)
        self.banner.setStyleSheet("QLabel { background: #fde2e1; color: #8a1c1c; padding: 6px; "
                                  "border: 1px solid #e0a0a0; border-radius: 3px; }")
        self.banner.hide()
        self.loss_plot = pg.PlotWidget(title=LOSS_TITLES["iteration"])
        self.acc_plot = pg.PlotWidget(title=ACC_TITLE)
        # Legends where the curves are not: loss falls (top right is free), accuracy rises (bottom
        # right is free). Both stay draggable; a translucent background keeps covered points visible.
        for plot, ylabel, offset in ((self.loss_plot, "loss", (-10, 10)), (self.acc_plot, "accuracy", (-10, -10))):
            plot.showGrid(x=False, y=False)
            plot.setLabel("left", ylabel)
            plot.setLabel("bottom", "iteration")
            legend = plot.addLegend(offset=offset)
            legend.setBrush(pg.mkBrush(255, 255, 255, 170))
        self.acc_plot.setYRange(0, 1)
        install_export_menu(self.loss_plot, "Loss")
        install_export_menu(self.acc_plot, "Accuracy")
        plots = QSplitter(pg.QtCore.Qt.Orientation.Vertical)
        plots.addWidget(self.loss_plot)
        plots.addWidget(self.acc_plot)
        plots.setSizes([500, 300])

        # ---- status strip
        self.status_bar = QStatusBar()
        self.status_bar.setSizeGripEnabled(False)
        self.status_fields = {k: QLabel() for k in ("epoch", "iteration", "loss", "acc", "speed", "lr")}
        self.eval_progress = QProgressBar()
        self.eval_progress.setMaximumWidth(160)
        self.eval_cancel = QPushButton("Cancel")
        for w in (self.eval_progress, self.eval_cancel):
            w.hide()
            self.status_bar.addWidget(w)
        for w in self.status_fields.values():
            self.status_bar.addPermanentWidget(w)

        right = QWidget()
        rcol = QVBoxLayout(right)
        rcol.setContentsMargins(0, 0, 0, 0)
        rcol.addLayout(options)
        rcol.addWidget(self.banner)
        rcol.addWidget(plots, 1)
        rcol.addWidget(self.status_bar)
        outer = QHBoxLayout(self)
        outer.addWidget(scroll)
        outer.addWidget(right, 1)
        self._show_status({})
        guard_wheel_in(self)  # the wheel scrolls the panel; a combo or spin box changes only when focused

    def _status(self, message: str) -> None:
        """A status-bar message that belongs to this lab: shown only while the lab is on screen."""
        self._last_status = message
        if self.isVisible():
            self.ctx.status(message)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if getattr(self, "_last_status", None):
            self.ctx.status(self._last_status)

    def _connect_controls(self) -> None:
        for w in (self.dataset, self.preset, self.activation, self.init, self.loss, self.reg_kind, self.optimizer,
                  self.preprocess):
            w.currentIndexChanged.connect(self._on_structure_change)
        for w in (self.n_points, self.n_classes, self.noise, self.init_std, self.dropout, self.seed):
            w.valueChanged.connect(self._on_structure_change)
        self.batchnorm.toggled.connect(self._on_structure_change)
        self.hidden.editingFinished.connect(self._on_hidden_edited)
        self.preset.currentIndexChanged.connect(self._on_preset_change)
        self.optimizer.currentIndexChanged.connect(self._on_optimizer_change)
        self.dataset.currentIndexChanged.connect(self._on_dataset_change)
        self.reg_kind.currentIndexChanged.connect(self._show_relevant_fields)
        self.init.currentIndexChanged.connect(self._show_relevant_fields)
        # live: no reset
        self.lr.valueChanged.connect(self._on_live_change)
        self.reg_strength.valueChanged.connect(self._on_live_change)
        self.l1_strength.valueChanged.connect(self._on_live_change)
        self.batch_size.valueChanged.connect(self._on_live_change)
        for box in self.hyper.values():
            box.valueChanged.connect(self._on_live_change)
        self.step_button.clicked.connect(self.step_once)
        self.play_button.clicked.connect(self.toggle_play)
        self.reset_button.clicked.connect(self.reset_run)
        self.pin_button.clicked.connect(self.pin_run)
        self.evaluate_button.clicked.connect(self._on_evaluate_clicked)
        self.eval_cancel.clicked.connect(self._on_eval_cancel_clicked)
        self.clear_pins_button.clicked.connect(self.clear_pinned)
        self.smoothing.valueChanged.connect(self._on_smoothing_change)
        self.log_y.toggled.connect(self._on_log_y_toggled)
        self.x_axis.currentIndexChanged.connect(self._on_x_axis_change)
        self.steps_per_update.valueChanged.connect(self._save_choices)

    # ================================================================== config <-> controls
    def current_config(self) -> dict:
        """The config the controls describe (validated; ValueError names a bad field)."""
        preset = self.preset.currentData()
        cfg = default_config(preset)
        m = cfg["model"]
        m["hidden"] = self._parse_hidden()
        m["activation"] = self.activation.currentData()
        m["init"] = self.init.currentData()
        m["init_std"] = self.init_std.value()
        m["batchnorm"] = self.batchnorm.isChecked()
        m["dropout"] = self.dropout.value()
        cfg["loss"] = self.loss.currentData()
        cfg["reg"] = {"kind": self.reg_kind.currentData(), "strength": self.reg_strength.value(),
                      "l1_strength": self.l1_strength.value(), "max_norm": None}
        name = self.optimizer.currentData()
        cfg["optim"] = {"name": name, "lr": self.lr.value()}
        for key in OPTIMIZERS[name]:
            if key in self.hyper:
                cfg["optim"][key] = self.hyper[key].value()
        cfg["batch_size"] = self.batch_size.value()
        cfg["seed"] = self.seed.value()
        cfg["preprocess"] = self.preprocess.currentData()
        return validate_config(cfg)

    def _parse_hidden(self) -> list[int]:
        text = self.hidden.text().replace(";", ",").strip()
        if not text:
            return []
        try:
            return [int(part) for part in text.replace(",", " ").split()]
        except ValueError:
            raise ValueError(f"Invalid hidden sizes: {text!r} (write whole numbers, e.g. 200, 100)") from None

    def current_data_request(self) -> dict:
        name = self.dataset.currentData()
        params = {}
        if DATASETS[name]["kind"] == "points":
            params = {"n_points": self.n_points.value(), "n_classes": self.n_classes.value(),
                      "noise": round(self.noise.value(), 6)}
        return {"name": name, "params": params, "seed": self.seed.value()}

    def _apply_config(self, cfg: dict, data_request: dict | None = None) -> None:
        """Show ``cfg`` (and the dataset) in the controls without triggering a rebuild."""
        widgets = self.findChildren(QWidget)
        blocked = [w.blockSignals(True) for w in widgets]
        try:
            m = cfg["model"]
            select(self.preset, m["preset"])
            self.hidden.setText(", ".join(str(h) for h in m.get("hidden", [])))
            select(self.activation, m["activation"])
            select(self.init, m["init"])
            self.init_std.setValue(m.get("init_std", 0.01))
            self.batchnorm.setChecked(bool(m.get("batchnorm")))
            self.dropout.setValue(m.get("dropout", 0.0))
            select(self.loss, cfg["loss"])
            select(self.reg_kind, cfg["reg"]["kind"])
            self.reg_strength.setValue(cfg["reg"]["strength"])
            self.l1_strength.setValue(cfg["reg"].get("l1_strength", 0.0))
            select(self.optimizer, cfg["optim"]["name"])
            self.lr.setValue(cfg["optim"]["lr"])
            for key, box in self.hyper.items():
                box.setValue(cfg["optim"].get(key, OPTIMIZERS.get(cfg["optim"]["name"], {}).get(key, box.value())))
            self.batch_size.setValue(cfg["batch_size"])
            self.seed.setValue(cfg["seed"])
            select(self.preprocess, cfg.get("preprocess", "channel"))
            if data_request:
                select(self.dataset, data_request["name"])
                p = data_request.get("params", {})
                self.n_points.setValue(p.get("n_points", self.n_points.value()))
                self.n_classes.setValue(p.get("n_classes", self.n_classes.value()))
                self.noise.setValue(p.get("noise", self.noise.value()))
        finally:
            for w, was in zip(widgets, blocked):
                w.blockSignals(was)
        self._show_relevant_fields()

    def _show_relevant_fields(self) -> None:
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

    def _restore_choices(self) -> None:
        saved = self.ctx.settings.get(self.SETTINGS_KEY) or {}
        cfg = default_config(self.DEFAULT_PRESET)
        request = {"name": self.DEFAULT_DATASET, "params": {}, "seed": 0}
        try:
            if saved.get("config"):
                cfg = validate_config(saved["config"])
            if saved.get("data", {}).get("name") in DATASETS:
                request = saved["data"]
                if request["name"] == "cifar10" and not self.ctx.cifar_path():
                    request = {"name": self.DEFAULT_DATASET, "params": {}, "seed": 0}
        except (ValueError, KeyError, TypeError):
            cfg = default_config(self.DEFAULT_PRESET)  # settings from an older version: start fresh
        if not saved:
            cfg = self.default_config()
            request = {"name": self.DEFAULT_DATASET, "params": dict(self.DEFAULT_DATA_PARAMS), "seed": 0}
        self._apply_config(cfg, request)
        self.steps_per_update.setValue(int(saved.get("steps_per_update", 1)))
        self.smoothing.setValue(int(round(100 * float(saved.get("smoothing", 0.6)))))
        self.smoothing_label.setText(f"{self.smoothing.value() / 100:.2f}")
        self.log.smoothing = self.smoothing.value() / 100
        self.log_y.setChecked(bool(saved.get("log_y", False)))
        select(self.x_axis, saved.get("x_axis", "iteration"))

    def default_config(self) -> dict:
        """The config a first launch starts with (subclasses pick toy-data friendly values)."""
        return default_config(self.DEFAULT_PRESET)

    @Slot()
    def _save_choices(self) -> None:
        try:
            cfg = self.current_config()
        except ValueError:
            return
        self.ctx.settings.set(self.SETTINGS_KEY, {
            "config": cfg, "data": self.current_data_request(), "steps_per_update": self.steps_per_update.value(),
            "smoothing": self.smoothing.value() / 100, "log_y": self.log_y.isChecked(),
            "x_axis": self.x_axis.currentData()})

    # ================================================================== building runs
    @Slot()
    def _on_structure_change(self) -> None:
        self._rebuild_timer.start()

    @Slot()
    def _on_hidden_edited(self) -> None:
        self._rebuild_timer.start()

    @Slot()
    def _on_preset_change(self) -> None:
        preset = self.preset.currentData()
        self.hidden.setText(", ".join(str(h) for h in PRESETS[preset]["hidden"]))

    @Slot()
    def _on_optimizer_change(self) -> None:
        name = self.optimizer.currentData()
        boxes = [self.lr] + list(self.hyper.values())
        for box in boxes:
            box.blockSignals(True)
        self.lr.setValue(OPTIMIZERS[name]["lr"])
        for key, box in self.hyper.items():
            if key in OPTIMIZERS[name]:
                box.setValue(OPTIMIZERS[name][key])
        for box in boxes:
            box.blockSignals(False)
        self._show_relevant_fields()

    @Slot()
    def _on_dataset_change(self) -> None:
        self._show_relevant_fields()
        if self.dataset.currentData() == "cifar10" and not self.ctx.cifar_path():
            self._show_banner("CIFAR-10 is not loaded yet: use File › Open CIFAR-10 archive… or Download CIFAR-10…")

    def _update_cifar_item(self) -> None:
        i = self.dataset.findData("cifar10")
        if i >= 0:
            self.dataset.model().item(i).setEnabled(self.ctx.cifar_path() is not None)

    @Slot(str)
    def _on_cifar_path_change(self, path: str) -> None:
        self._update_cifar_item()
        if self.ctx.cifar_path():
            select(self.dataset, "cifar10")  # -> structure change -> loads it with a progress bar
            self._rebuild_timer.start()

    @Slot()
    def _rebuild(self) -> None:
        """Build a fresh model from the controls (loading the dataset first when it changed)."""
        try:
            config = self.current_config()
        except ValueError as exc:
            self._show_banner(str(exc))
            return
        request = self.current_data_request()
        self._save_choices()
        if request == self.data_request and self.data is not None:
            self._send_build(config, self.data, request)
            return
        if request["name"] == "cifar10" and not self.ctx.cifar_path():
            self._show_banner("CIFAR-10 is not loaded yet: use File › Open CIFAR-10 archive… or Download CIFAR-10…")
            return
        self._load_data(request)

    def _load_data(self, request: dict, then=None) -> None:
        if self._data_job is not None and self._data_job.is_running():
            self._data_job.cancel()
        self.job.send(("pause",))
        self._pending_after_data = then
        self._pending_request = request
        self._data_job = self.ctx.load_dataset(request["name"], seed=request.get("seed", 0),
                                               **request.get("params", {}))
        self._data_job.finished.connect(self._on_data_loaded)
        self._data_job.errored.connect(self._on_data_failed)
        self._status(f"Loading {DATASETS[request['name']]['title']}…")

    @Slot(object)
    def _on_data_loaded(self, data) -> None:
        if self.sender() is not self._data_job:
            return  # a superseded load
        if data is None:  # cancelled: keep training what we had
            self._pending_after_data = None
            self._revert_data_controls()
            self._status("Loading cancelled; the previous dataset is still in use.")
            return
        self.data, self.data_request = data, self._pending_request
        then, self._pending_after_data = self._pending_after_data, None
        if then is not None:
            then(data)
            return
        try:
            config = self.current_config()
        except ValueError as exc:
            self._show_banner(str(exc))
            return
        self._send_build(config, data, self.data_request)

    def _send_build(self, config: dict, data, request: dict) -> None:
        """A build (or restore) stops training on the worker: the button says so at once."""
        if not self._play_when_built:
            self._set_playing(False)
        self._ensure_job()
        self.job.send(("build", config, data, request))

    def _revert_data_controls(self) -> None:
        """Show the dataset actually in use again (after a failed or cancelled load)."""
        if self.data_request is not None:
            self._apply_config(self._safe_config() or default_config(self.DEFAULT_PRESET), self.data_request)
            self._save_choices()

    @Slot(str)
    def _on_data_failed(self, message: str) -> None:
        if self.sender() is self._data_job:
            self._revert_data_controls()
            self._show_banner(f"Could not load the dataset: {message}")
            if self._pending_after_data is not None:
                self.session_failed.emit(message)
                self._pending_after_data = None

    # ================================================================== live changes
    @Slot()
    def _on_live_change(self) -> None:
        name = self.optimizer.currentData()
        hyper = {"lr": self.lr.value(), "batch_size": self.batch_size.value()}
        for key in OPTIMIZERS[name]:
            if key in self.hyper:
                hyper[key] = self.hyper[key].value()
        if self.reg_kind.currentData() != "none":
            hyper["reg_strength"] = self.reg_strength.value()
            hyper["l1_strength"] = self.l1_strength.value()
        self.job.send(("set", hyper))
        self._save_choices()

    def set_learning_rate(self, lr: float) -> None:
        """Change the learning rate now (takes effect at the next step; no reset)."""
        self.lr.setValue(lr)

    # ================================================================== run controls
    @Slot()
    def toggle_play(self) -> None:
        self.pause() if self._playing else self.play()

    def play(self) -> None:
        """Start training (as soon as the model is built, when it is still loading)."""
        self._play_when_built = self._run < 1  # no model yet: start once the first one is built
        if self._ensure_job():  # the worker had stopped: a fresh one builds the model, then plays
            self._play_when_built = True
            self._rebuild()
        self._hide_banner()  # an old error or "paused" message no longer describes the run
        self.job.send(("play",))
        self._set_playing(True)

    def pause(self) -> None:
        self._play_when_built = False
        self.job.send(("pause",))
        self._set_playing(False)

    @Slot()
    def step_once(self) -> None:
        if self._ensure_job():
            self._rebuild()
        self._hide_banner()
        self.job.send(("step", self.steps_per_update.value()))

    @Slot()
    def reset_run(self) -> None:
        self._set_playing(False)
        self._hide_banner()
        self._rebuild_timer.stop()
        self._rebuild()  # picks up any control change; same seed -> same start

    def _set_playing(self, playing: bool) -> None:
        self._playing = playing
        self.play_button.setText("Pause" if playing else "Play")

    # ================================================================== evaluation
    @Slot()
    def _on_evaluate_clicked(self) -> None:
        self.evaluate_test("test")  # clicked(bool) must not arrive as the split

    def evaluate_test(self, split: str = "test") -> None:
        """Accuracy on a whole split, on the worker, with a progress bar and Cancel in the status strip."""
        import threading

        self.pause()
        self._eval_cancel = threading.Event()
        self.eval_progress.setRange(0, 0)
        for w in (self.eval_progress, self.eval_cancel):
            w.show()
        self.evaluate_button.setEnabled(False)
        self.job.send(("evaluate", split, self._eval_cancel))

    @Slot()
    def _on_eval_cancel_clicked(self) -> None:
        if getattr(self, "_eval_cancel", None) is not None:
            self._eval_cancel.set()

    @Slot(int, int, str)
    def _on_job_progress(self, done: int, total: int, message: str) -> None:
        self.eval_progress.setRange(0, max(total, 1))
        self.eval_progress.setValue(min(done, total))

    def _end_evaluation(self) -> None:
        for w in (self.eval_progress, self.eval_cancel):
            w.hide()
        self.evaluate_button.setEnabled(True)
        self._eval_cancel = None

    # ================================================================== comparing runs
    def run_label(self) -> str:
        """The label the current run would be kept under (what it was built with; lr as it went)."""
        if not self.log.config:
            return f"run {len(self.overlays) + 1}"
        return run_label(self.log.config, self.log.iterations["lr"])

    @Slot()
    def pin_run(self) -> None:
        """Keep the current curves (own colour + legend entries) to compare with the next runs."""
        if len(self.log) == 0:
            self._status("Nothing to keep yet: train a few steps first.")
            return
        colour = run_hex(len(self.overlays) + 2)  # 0 and 1 are the live run's train and validation
        kept = self.log.copy(label=run_label(self.log.config, self.log.iterations["lr"]) if self.log.config
                             else self.log.label)
        curves = _Curves(self.loss_plot, self.acc_plot, colour, f"[{kept.label}]", raw=False, z=Z_KEPT)
        curves.draw(kept, self.x_axis.currentData())
        self.overlays.append((kept, curves))
        self._status(f"Kept {kept.label} for comparison")

    @Slot()
    def clear_pinned(self) -> None:
        for _, curves in self.overlays:
            curves.remove()
        self.overlays.clear()

    # ================================================================== updates from the worker
    @Slot(object)
    def _on_update(self, update: dict) -> None:
        if update["reset"] or update["run"] != self._run:
            self._run = update["run"]
            # the config this run was built with (not the controls, which may already show the next one)
            built = [e["config"] for e in update["events"] if e.get("config")]
            cfg = built[-1] if built else (self.log.config or self._safe_config())
            self.log = RunLog(run_label(cfg) if cfg else "run", cfg, self.smoothing.value() / 100)
        if update["rows"]:
            self.log.append(update["rows"])
        self.curves.draw(self.log, self.x_axis.currentData())
        for event in update["events"]:
            self._on_event(event)
        # The button follows commands and the worker's "stopped"/"error" events, not the status:
        # a status sent before a play command arrived would otherwise flip it back.
        self._show_status(update["status"])
        if update["snapshot"] is not None:
            self.ctx.set_training_snapshot(update["snapshot"])
        self.updated.emit()

    def _safe_config(self) -> dict:
        try:
            return self.current_config()
        except ValueError:
            return {}

    def _on_event(self, event: dict) -> None:
        kind, message = event["kind"], event.get("message", "")
        if kind == "stopped":
            self._set_playing(False)
            self._show_banner(f"Training paused. {message}")
        elif kind == "error":
            self._set_playing(False)
            self._show_banner(message)
            if message.startswith("Could not evaluate"):
                self._end_evaluation()
            if "session" in message:
                self.session_failed.emit(message)
        elif kind in ("built", "reset"):
            self._hide_banner()
            self._status(message)
            if self._play_when_built and kind == "built":
                self._play_when_built = False
                self.play()
        elif kind == "saved":
            self._status(message)
            self.session_saved.emit(event["path"])
        elif kind == "restored":
            self._apply_config(event["config"], event.get("data"))
            self.log.config = event["config"]
            self.log.label = self.run_label()
            self._hide_banner()
            self._status(message)
            self._save_choices()
            self.session_loaded.emit(message)
        elif kind == "set":
            self._status(message)
        elif kind == "evaluated":
            self._end_evaluation()
            self._status(message)
            self.eval_result = event
            self.evaluated.emit(event["split"], event["accuracy"])

    @Slot(str)
    def _on_job_errored(self, message: str) -> None:
        if self.sender() is not self.job:
            return
        self._set_playing(False)
        self._run = 0
        self._show_banner(f"The training worker stopped: {message}. Play, Step or Reset starts a new one.")

    def _show_status(self, s: dict) -> None:
        f = self.status_fields

        def num(v, fmt):
            return format(v, fmt) if isinstance(v, (int, float)) and np.isfinite(v) else "–"

        f["epoch"].setText(f"Epoch {num(s.get('epoch'), '.2f')}")
        f["iteration"].setText(f"Iteration {s.get('iteration', 0)}")
        f["loss"].setText(f"Loss {num(s.get('loss'), '.4f')}")
        acc = s.get("val_acc")
        f["acc"].setText(f"Batch acc {num(s.get('batch_acc'), '.1%')} · Val acc {num(acc, '.1%')}")
        f["speed"].setText(f"{num(s.get('examples_per_s'), ',.0f')} examples/s")
        f["lr"].setText(f"lr {num(s.get('lr'), 'g')}")

    def _show_banner(self, message: str) -> None:
        self._last_error = message
        self.banner.setText(message)
        self.banner.show()

    def _hide_banner(self) -> None:
        self.banner.hide()

    @property
    def banner_text(self) -> str:
        return "" if self.banner.isHidden() else self.banner.text()

    # ================================================================== plot options
    @Slot(int)
    def _on_smoothing_change(self, value: int) -> None:
        s = value / 100
        self.smoothing_label.setText(f"{s:.2f}")
        self.log.set_smoothing(s)
        for log, curves in self.overlays:
            log.set_smoothing(s)
            curves.draw(log, self.x_axis.currentData())
        self.curves.draw(self.log, self.x_axis.currentData())
        self._save_choices()

    @Slot(bool)
    def _on_log_y_toggled(self, checked: bool) -> None:
        self.loss_plot.setLogMode(x=False, y=checked)
        self._save_choices()

    def _update_axis_labels(self) -> None:
        key = self.x_axis.currentData()
        for plot in (self.loss_plot, self.acc_plot):
            plot.setLabel("bottom", key)
        self.loss_plot.setTitle(LOSS_TITLES[key])

    @Slot()
    def _on_x_axis_change(self) -> None:
        key = self.x_axis.currentData()
        self._update_axis_labels()
        for log, curves in self.overlays + [(self.log, self.curves)]:
            curves.draw(log, key)
        for plot in (self.loss_plot, self.acc_plot):
            plot.enableAutoRange(axis="x")
        self._save_choices()

    # ================================================================== files (app menus)
    def export_targets(self) -> dict:
        return {"Loss": self.loss_plot, "Accuracy": self.acc_plot}

    def export_history(self, path) -> Path:
        """The current run's history: .json (iterations + epochs + config) or .csv (one row per iteration)."""
        path = Path(path)
        out = self.log.write_json(path) if path.suffix.lower() == ".json" else self.log.write_csv(path)
        self._status(f"Run history written to {out}")
        return out

    def save_session(self, path) -> None:
        """Config + weights + history as <path>.npz + <path>.json (written by the worker, atomically)."""
        self.job.send(("save", str(path)))

    def load_session(self, path) -> None:
        """Read a session on the worker; the current one is untouched unless it loads completely."""
        self._session_job = self.ctx.runner.submit(read_session, str(path), title="read-session")
        self._session_job.finished.connect(self._on_session_read)
        self._session_job.errored.connect(self._on_session_failed)

    @Slot(object)
    def _on_session_read(self, session: dict) -> None:
        request = session.get("data") or {"name": session["extra"].get("dataset", "builtin"), "params": {},
                                           "seed": 0}
        if request["name"] not in DATASETS:
            return self._on_session_failed(f"{session['path']}: unknown dataset {request['name']!r}")
        if request == self.data_request and self.data is not None:
            self._send_restore(session, self.data)
            return
        self._pending_session = session
        self._load_data(request, then=self._restore_with_data)

    def _restore_with_data(self, data) -> None:
        session, self._pending_session = self._pending_session, None
        self._send_restore(session, data)

    def _send_restore(self, session: dict, data) -> None:
        self._set_playing(False)  # the worker stops the current run to replace it
        self._ensure_job()
        self.job.send(("restore", session, data))

    @Slot(str)
    def _on_session_failed(self, message: str) -> None:
        self._show_banner(f"Could not load the session: {message}")
        self.session_failed.emit(message)

    # ================================================================== shutdown
    def shutdown(self) -> None:
        """Stop the training worker and any load (the window calls this on close)."""
        self._rebuild_timer.stop()
        self._on_eval_cancel_clicked()
        for job in (self._data_job, self._session_job, self.job):
            if job is not None and job.is_running():
                job.cancel()
        for job in (self._data_job, self._session_job, self.job):
            if job is not None:
                job.wait()


class NeuralNetLab(TrainingLab):
    """Course part 5: the same dashboard, opening on a 2D spiral where a small net can be watched learning."""

    DEFAULT_DATASET = "spiral"
    DEFAULT_DATA_PARAMS = {"n_points": 300, "n_classes": 3, "noise": 0.2}
    SETTINGS_KEY = "neural_nets/choices"

    def default_config(self) -> dict:
        cfg = default_config("two_layer")
        cfg["model"]["hidden"] = [50]
        cfg["optim"] = {"name": "adam", "lr": 1e-2, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
        cfg["batch_size"] = 64
        cfg["reg"]["strength"] = 1e-3
        return validate_config(cfg)
