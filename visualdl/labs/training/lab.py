"""The training dashboard widget: routes the form's changes to the training job and its updates to the plots.

The widget holds no maths: the Trainer lives in a background job (``visualdl.labs.training.job``)
driven by commands (build, play, pause, step, set, reset, evaluate, save, restore); its updates
come back as typed ``Update``/``Event`` values that this class routes to the plots and the status.
"""
from __future__ import annotations

import threading

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QWidget

from visualdl.data import DATASETS
from visualdl.engine.nn.models import PRESETS, default_config, validate_config
from visualdl.labs.training import config as form_config
from visualdl.labs.training.config import LIVE, STRUCTURE, run_label
from visualdl.labs.training.form import TrainingForm
from visualdl.labs.training.job import Event, Update, merge_updates, training_job
from visualdl.labs.training.plots import TrainingPlots
from visualdl.labs.training.routing import JobRouting
from visualdl.labs.training.sessions import SessionsMixin
from visualdl.ui.presentation import controls_panel
from visualdl.ui.worker import JobFailure, LatestJob

SETTINGS_KEY = "training/choices"
CIFAR_MISSING = "CIFAR-10 is not loaded yet: use File › Open CIFAR-10 archive… or Download CIFAR-10…"


class TrainingLab(JobRouting, SessionsMixin, QWidget):
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
        self._load = LatestJob()
        self._init_sessions()
        self._pending_request: dict | None = None
        self._pending_after_data = None
        self._run = -1
        self._playing = False
        self._play_when_built = False
        self._eval_cancel: threading.Event | None = None
        self.eval_result: Event | None = None
        self._last_status = ""

        self.form = TrainingForm()
        self.plots = TrainingPlots()
        layout = QHBoxLayout(self)
        layout.addWidget(controls_panel(self.form))
        layout.addWidget(self.plots, 1)
        self._expose_widgets()
        self.form.set_cifar_available(ctx.cifar_path() is not None)
        self._restore_choices()

        self._rebuild_timer = QTimer(self)
        self._rebuild_timer.setSingleShot(True)
        self._rebuild_timer.setInterval(250)
        self._rebuild_timer.timeout.connect(self._rebuild)
        self._connect_controls()
        ctx.cifar_path_changed.connect(self._on_cifar_path_change)

        self.job = LatestJob()
        self._ensure_job()
        self._rebuild()

    def _expose_widgets(self) -> None:
        """The form's and plots' widgets as attributes of the lab (lab.lr, lab.play_button, lab.loss_plot, ...)."""
        names = [n for n in self.form.binding.names if n not in form_config.HYPER_KEYS]  # those: lab.hyper[key]
        for name in names + ["hyper", "step_button", "play_button", "reset_button",
                                               "steps_per_update", "evaluate_button", "pin_button",
                                               "clear_pins_button"]:
            setattr(self, name, getattr(self.form, name))
        for name in ("smoothing", "smoothing_label", "log_y", "x_axis", "banner", "loss_plot", "acc_plot",
                     "status_bar", "status_fields", "eval_progress", "eval_cancel"):
            setattr(self, name, getattr(self.plots, name))

    def _ensure_job(self) -> bool:
        """Start the training job when there is none running (first use, or after it failed). True if started."""
        if self.job.is_running():
            return False
        # 20 redraws a second look smooth and leave the GUI thread time for the user.
        job = self.job.start(self.ctx.runner.submit(training_job, merge=merge_updates, max_rate=20, title="training"))
        job.yielded.connect(self._on_update)
        job.progress.connect(self._on_job_progress)
        job.failed.connect(self._on_job_failed)
        return True

    def _connect_controls(self) -> None:
        self.form.binding.changed.connect(self._on_setting_change)
        self.plots.view_changed.connect(self._save_choices)
        self.step_button.clicked.connect(self.step_once)
        self.play_button.clicked.connect(self.toggle_play)
        self.reset_button.clicked.connect(self.reset_run)
        self.pin_button.clicked.connect(self.pin_run)
        self.evaluate_button.clicked.connect(self._on_evaluate_clicked)
        self.eval_cancel.clicked.connect(self._on_eval_cancel_clicked)
        self.clear_pins_button.clicked.connect(self.clear_pinned)
        self.steps_per_update.valueChanged.connect(self._save_choices)

    # ================================================================== public state
    @property
    def log(self):
        """The live run's RunLog."""
        return self.plots.log

    @property
    def curves(self):
        return self.plots.curves

    @property
    def overlays(self):
        return self.plots.overlays

    @property
    def run_number(self) -> int:
        """The training job's run counter (bumped by each build, reset and restore; -1 before the first)."""
        return self._run

    @property
    def banner_text(self) -> str:
        return self.plots.banner_text

    def current_config(self) -> dict:
        """The config the controls describe (validated; ValueError names a bad field)."""
        return form_config.to_config(self.form.binding.state())

    def current_data_request(self) -> dict:
        return form_config.to_data_request(self.form.binding.state())

    def default_config(self) -> dict:
        """The config a first launch starts with (subclasses pick toy-data friendly values)."""
        return default_config(self.DEFAULT_PRESET)

    # ================================================================== config <-> controls
    def _apply_config(self, cfg: dict, data_request: dict | None = None) -> None:
        """Show ``cfg`` (and the dataset) in the controls without triggering a rebuild."""
        self.form.binding.set_state(form_config.to_state(cfg, data_request))
        self.form.show_relevant_fields()

    def _safe_config(self) -> dict:
        try:
            return self.current_config()
        except ValueError:
            return {}

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
        self.plots.set_view(float(saved.get("smoothing", 0.6)), bool(saved.get("log_y", False)),
                            saved.get("x_axis", "iteration") if saved.get("x_axis") in ("iteration", "epoch")
                            else "iteration")

    @Slot()
    def _save_choices(self) -> None:
        try:
            cfg = self.current_config()
        except ValueError:
            return
        self.ctx.settings.set(self.SETTINGS_KEY, {
            "config": cfg, "data": self.current_data_request(), "steps_per_update": self.steps_per_update.value(),
            **self.plots.view_state()})

    # ================================================================== setting changes
    @Slot(str, object)
    def _on_setting_change(self, name: str, value) -> None:
        if name == "preset":
            self.form.binding.set_state({"hidden": ", ".join(str(h) for h in PRESETS[value]["hidden"])})
        elif name == "optimizer":
            self.form.binding.set_state(form_config.optimizer_defaults(value))
        elif name == "dataset" and value == "cifar10" and not self.ctx.cifar_path():
            self._show_banner(CIFAR_MISSING)
        self.form.show_relevant_fields()
        if name in LIVE:
            self._on_live_change()
        elif name in STRUCTURE:
            self._rebuild_timer.start()

    def _on_live_change(self) -> None:
        self._ensure_job()
        self.job.send(("set", form_config.live_hyper(self.form.binding.state())))
        self._save_choices()

    def set_learning_rate(self, lr: float) -> None:
        """Change the learning rate now (takes effect at the next step; no reset)."""
        self.lr.setValue(lr)

    @Slot(str)
    def _on_cifar_path_change(self, path: str) -> None:
        self.form.set_cifar_available(self.ctx.cifar_path() is not None)
        if self.ctx.cifar_path():
            self.form.binding.set_state({"dataset": "cifar10"}, quiet=False)  # loads it with a progress bar
            self._rebuild_timer.start()

    # ================================================================== building runs
    def rebuild_now(self) -> None:
        """Build from the controls now instead of after the controls' short debounce."""
        self._rebuild_timer.stop()
        self._rebuild()

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
            self._show_banner(CIFAR_MISSING)
            return
        self.load_data(request)

    def _send_build(self, config: dict, data, request: dict) -> None:
        """A build stops training on the worker: the button says so at once."""
        if not self._play_when_built:
            self._set_playing(False)
        self._ensure_job()
        self.job.send(("build", config, data, request))

    def load_data(self, request: dict, then=None) -> None:
        """Load ``request`` on the worker, then build (or call ``then(data)``); the old data trains meanwhile."""
        self.job.send(("pause",))
        self._pending_after_data = then
        self._pending_request = request
        job = self._load.start(self.ctx.load_dataset(request["name"], seed=request.get("seed", 0),
                                                     **request.get("params", {})))
        job.finished.connect(self._on_data_loaded)
        job.errored.connect(self._on_data_failed)
        self._status(f"Loading {DATASETS[request['name']]['title']}…")

    @Slot(object)
    def _on_data_loaded(self, data) -> None:
        if not self._load.is_current(self.sender()):
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

    def _revert_data_controls(self) -> None:
        """Show the dataset actually in use again (after a failed or cancelled load)."""
        if self.data_request is not None:
            self._apply_config(self._safe_config() or default_config(self.DEFAULT_PRESET), self.data_request)
            self._save_choices()

    @Slot(str)
    def _on_data_failed(self, message: str) -> None:
        if self._load.is_current(self.sender()):
            self._revert_data_controls()
            self._show_banner(f"Could not load the dataset: {message}")
            if self._pending_after_data is not None:
                self.session_failed.emit(message)
                self._pending_after_data = None

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
        self.rebuild_now()  # picks up any control change; same seed -> same start

    def _set_playing(self, playing: bool) -> None:
        self._playing = playing
        self.play_button.setText("Pause" if playing else "Play")

    # ================================================================== evaluation
    @Slot()
    def _on_evaluate_clicked(self) -> None:
        self.evaluate_test("test")  # clicked(bool) must not arrive as the split

    def evaluate_test(self, split: str = "test") -> None:
        """Accuracy on a whole split, on the worker, with a progress bar and Cancel in the status strip."""
        self.pause()
        self._eval_cancel = threading.Event()
        self.plots.show_evaluating(True)
        self.evaluate_button.setEnabled(False)
        self.job.send(("evaluate", split, self._eval_cancel))

    @Slot()
    def _on_eval_cancel_clicked(self) -> None:
        if self._eval_cancel is not None:
            self._eval_cancel.set()

    @Slot(int, int, str)
    def _on_job_progress(self, done: int, total: int, message: str) -> None:
        self.plots.set_progress(done, total)

    def _end_evaluation(self) -> None:
        self.plots.show_evaluating(False)
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
        kept = self.log.copy(label=self.run_label())
        self.plots.keep(kept)
        self._status(f"Kept {kept.label} for comparison")

    @Slot()
    def clear_pinned(self) -> None:
        self.plots.clear_kept()

    # ================================================================== updates from the worker (routing.py)
    @Slot(object)
    def _on_update(self, update: Update) -> None:
        if self.job.is_current(self.sender()):
            self.route(update)

    @Slot(object)
    def _on_job_failed(self, failure: JobFailure) -> None:
        if not self.job.is_current(self.sender()):
            return
        self._set_playing(False)
        self._run = 0
        if self._eval_cancel is not None:
            self._end_evaluation()
        self._show_banner(f"The training worker stopped: {failure.message}. Play, Step or Reset starts a new one.")

    # ================================================================== sessions (see sessions.py)
    @Slot(object)
    def _on_session_read(self, session) -> None:
        if self._session_read.is_current(self.sender()) and session is not None:
            self.restore_session(session)

    @Slot(str)
    def _on_session_read_failed(self, message: str) -> None:
        if self._session_read.is_current(self.sender()):
            self._session_failed(message)

    # ================================================================== messages
    def _status(self, message: str) -> None:
        """A status-bar message that belongs to this lab: shown only while the lab is on screen."""
        self._last_status = message
        self.ctx.status(message, source=self)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._last_status:
            self.ctx.status(self._last_status)

    def _show_banner(self, message: str) -> None:
        self.plots.show_banner(message)

    def _hide_banner(self) -> None:
        self.plots.hide_banner()

    # ================================================================== Lab protocol
    def export_targets(self) -> dict:
        return self.plots.export_targets()

    def shutdown(self) -> None:
        """Stop the training worker and any load (the window calls this on close)."""
        self._rebuild_timer.stop()
        self._on_eval_cancel_clicked()
        for slot in (self._load, self._session_read, self.job):
            slot.cancel()
        for slot in (self._load, self._session_read, self.job):
            slot.wait()
