"""Lab 6, "A CNN learning, live": train a small or standard CNN and watch its filters and feature maps form.

The tab holds no maths and no second trainer: it drives the training dashboard's own background job
(visualdl.labs.training.job) with the same commands (build, play, pause, step, reset) and hands it a
``FeatureProbe`` (visualdl.engine.cnn.features) that the job runs with each snapshot, a few times a
second, on the worker thread: the first-layer filters, one image through every layer, its class
probabilities. This widget only draws what comes back.

    tab = LiveCnnTab(ctx)             # ctx: AppContext; loads CIFAR-10 when open, else the built-in images
    tab.export_targets() -> dict      # every view, for File > Export all
    tab.shutdown()                    # stops the job and any load
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QFileDialog, QWidget

from visualdl.data import DATASETS
from visualdl.engine.cnn.features import FeatureProbe, resize_image
from visualdl.engine.nn.models import default_config, validate_config
from visualdl.labs.cnn.live_ui import DEFAULT_PRESET, LiveUi, read_image_file
from visualdl.labs.cnn.live_views import MapGrid
from visualdl.labs.common.binding import WidgetBinding
from visualdl.labs.common.palette import class_hex
from visualdl.labs.common.widgets import select

# ---- the training dashboard's pieces this tab shares (their modules may move: fix the paths here only)
from visualdl.labs.common.curves import RunCurves as Curves  # noqa: E402
from visualdl.labs.training.history import RunLog  # noqa: E402
from visualdl.labs.training.job import Event, Status, Update, merge_updates, training_job  # noqa: E402
from visualdl.ui.worker import LatestJob  # noqa: E402


def live_config(preset: str = DEFAULT_PRESET) -> dict:
    """The tab's training settings: the preset's defaults (standard CNN: batch norm, flips and shifts),
    Adam lr 1e-3 (constant: Play may run for any time), batch 128. Chosen so that CIFAR-10 reaches 60%
    test accuracy within 3 minutes on 2 cores; ``bench/bench_cnn_live.py accuracy`` measures it."""
    cfg = default_config(preset)
    cfg["optim"] = {"name": "adam", "lr": 1e-3}
    cfg["batch_size"] = 128
    return validate_config(cfg)


class LiveCnnTab(LiveUi, QWidget):
    """Train a CNN on the dashboard's job and watch filters, feature maps and probabilities a few times a second."""

    updated = Signal()  # after each update from the worker was drawn (tests, benchmarks)
    views_updated = Signal()  # after filters / maps / probabilities were redrawn

    BUILTIN_PARAMS = {"n_train": 5000, "n_val": 1000, "n_test": 1000}
    SETTINGS_KEY = "cnn/live_choices"  # model, dataset and map normalisation, remembered across launches

    def __init__(self, ctx, builtin_params: dict | None = None, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.builtin_params = dict(builtin_params or self.BUILTIN_PARAMS)
        self.data = None
        self.data_request: dict | None = None
        self._data_job = LatestJob()
        self._pending_request: dict | None = None
        self._run = -1
        self._playing = False
        self._eval_cancel: threading.Event | None = None
        self._resume_after_eval = False
        self._built = False
        self.view: dict | None = None  # the last probe result shown
        self.snapshot = None  # the last training Snapshot (its parameter arrays are checked against the table)
        self.own_image: np.ndarray | None = None  # (32, 32, 3) picture from a file, when chosen
        self.own_original: np.ndarray | None = None
        self._own_name = ""
        self._probe_tag = None
        self.enlarged: tuple[str, int] | None = None
        self.message = ""
        self.log = RunLog("live CNN")
        self.grids: dict[str, MapGrid] = {}
        self._build_ui()
        self.curves = Curves(self.loss_plot, self.acc_plot, class_hex(0), "")
        self.job = ctx.runner.submit(training_job, merge=merge_updates, max_rate=10, title="cnn-live")
        self.job.yielded.connect(self._on_update)
        self.job.errored.connect(self._on_job_errored)
        ctx.cifar_path_changed.connect(self._on_cifar_path_change)
        self.choices = WidgetBinding(self)
        for name, box in (("dataset", self.dataset), ("preset", self.preset), ("normalise", self.normalise)):
            self.choices.add(name, box)
        self._restore_choices()
        self.choices.changed.connect(self._save_choices)
        self.dataset.currentIndexChanged.connect(self._on_dataset_change)
        self.preset.currentIndexChanged.connect(self._on_preset_change)
        self._on_dataset_change()

    # ================================================================== remembered choices
    def _restore_choices(self) -> None:
        """The last model, normalisation and image set (CIFAR-10 only while it is open; else the
        built-in images); with nothing remembered, CIFAR-10 when it is open."""
        saved = self.ctx.settings.get(self.SETTINGS_KEY)
        saved = saved if isinstance(saved, dict) else {}
        dataset = "cifar10" if self.ctx.cifar_path() else "builtin"
        if saved.get("dataset") == "builtin" or (saved.get("dataset") == "cifar10" and self.ctx.cifar_path()):
            dataset = saved["dataset"]
        state = {"dataset": dataset}
        for name in ("preset", "normalise"):
            if isinstance(saved.get(name), str):
                state[name] = saved[name]  # an unknown value leaves the combo as it was
        self.choices.set_state(state)

    @Slot()
    def _save_choices(self, *_args) -> None:
        state = self.choices.state()
        if DATASETS.get(state["dataset"], {}).get("kind") != "image":
            state.pop("dataset")  # toy points are refused: not worth remembering
        self.ctx.settings.set(self.SETTINGS_KEY, state)

    # ================================================================== data and model
    def current_request(self) -> dict:
        name = self.dataset.currentData()
        params = dict(self.builtin_params) if name == "builtin" else {}
        return {"name": name, "params": params, "seed": 0}

    @Slot()
    def use_builtin(self) -> None:
        """The offer made when toy points or an unopened CIFAR-10 are chosen."""
        select(self.dataset, "builtin")

    @Slot(str)
    def _on_cifar_path_change(self, path: str) -> None:
        if self.ctx.cifar_path():
            if self.dataset.currentData() == "cifar10":
                self._on_dataset_change()
            else:
                select(self.dataset, "cifar10")

    @Slot()
    def _on_dataset_change(self) -> None:
        request = self.current_request()
        name = request["name"]
        spec = DATASETS[name]
        if spec["kind"] != "image":
            self.pause()
            self._show_banner(f"A CNN needs images: “{spec['title']}” is 2-D points (x, y), with no pixels for "
                              "a filter to slide over. Choose an image set.", offer=True)
            return
        if name == "cifar10" and not self.ctx.cifar_path():
            self._show_banner("CIFAR-10 is not open yet: use File › Open CIFAR-10 archive… (or Download "
                              "CIFAR-10…).", offer=True)
            return
        if request == self.data_request and self.data is not None:
            self._hide_banner()
            return
        self._load_data(request)

    def _load_data(self, request: dict) -> None:
        self.pause()
        self._pending_request = request
        job = self._data_job.start(self.ctx.load_dataset(request["name"], seed=request["seed"], **request["params"]))
        job.finished.connect(self._on_data_loaded)
        job.errored.connect(self._on_data_failed)
        self.status.setText(f"Loading {DATASETS[request['name']]['title']}…")

    @Slot(object)
    def _on_data_loaded(self, data) -> None:
        if not self._data_job.is_current(self.sender()) or data is None:
            return  # superseded or cancelled: keep what we had
        self.data, self.data_request = data, self._pending_request
        self._hide_banner()
        self.own_image = self.own_original = None
        self.image_index.blockSignals(True)
        self.image_index.setRange(0, max(0, len(data.X_test) - 1))
        self.image_index.setValue(min(self.image_index.value(), self.image_index.maximum()))
        self.image_index.blockSignals(False)
        self._build()

    @Slot(str)
    def _on_data_failed(self, message: str) -> None:
        if self._data_job.is_current(self.sender()):
            self._show_banner(f"Could not load the dataset: {message}", offer=True)

    @Slot()
    def _on_preset_change(self) -> None:
        if self.data is not None:
            self._build()

    def _build(self) -> None:
        self._set_playing(False)
        self.job.send(("build", live_config(self.preset.currentData()), self.data, self.data_request))
        self._send_probe()

    # ================================================================== run controls
    @Slot()
    def toggle_play(self) -> None:
        self.pause() if self._playing else self.play()

    def play(self) -> None:
        if self.data is None or not self._built:
            self.status.setText("The model is not ready yet (loading data).")
            return
        self.job.send(("play",))
        self._set_playing(True)

    def pause(self) -> None:
        self.job.send(("pause",))
        self._set_playing(False)

    @Slot()
    def step_once(self) -> None:
        if self._built:
            self.job.send(("step", 1))

    @Slot()
    def reset_run(self) -> None:
        """Same seed, fresh weights, curves cleared."""
        self._set_playing(False)
        self.job.send(("reset",))

    @Slot()
    def evaluate_test(self) -> None:
        """Accuracy on the whole test split, measured by the job between steps; training resumes after."""
        if not self._built or self._eval_cancel is not None:
            return
        self._resume_after_eval = self._playing
        self._set_playing(False)
        self._eval_cancel = threading.Event()
        self.test_button.setEnabled(False)
        self.test_result.setText("Measuring test accuracy…")
        self.job.send(("evaluate", "test", self._eval_cancel))

    def _end_evaluation(self, text: str) -> None:
        self._eval_cancel = None
        self.test_button.setEnabled(True)
        self.test_result.setText(text)
        if self._resume_after_eval:
            self._resume_after_eval = False
            self.play()

    def _set_playing(self, playing: bool) -> None:
        self._playing = playing
        self.play_button.setText("Pause" if playing else "Play")

    # ================================================================== which image
    @Slot()
    def previous_image(self) -> None:
        self._go_to_image(self.image_index.value() - 1)

    @Slot()
    def next_image(self) -> None:
        self._go_to_image(self.image_index.value() + 1)

    def _go_to_image(self, i: int) -> None:
        i = max(0, min(self.image_index.maximum(), i))
        self.own_image = None
        if i == self.image_index.value():
            self._send_probe()  # back from a picture of one's own to the same test image
        else:
            self.image_index.setValue(i)  # -> valueChanged -> _send_probe

    @Slot(int)
    def _on_image_index_change(self, value: int) -> None:
        self.own_image = None
        self._send_probe()

    @Slot()
    def _on_open_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an image to classify", "",
                                              "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp);;All files (*)")
        if path:
            self.open_image(path)

    def open_image(self, path) -> bool:
        """Classify a picture from disk with the live model (resized to 32×32). False (and says why) if it is not one."""
        try:
            original = read_image_file(path)
            small = resize_image(original, 32)
        except (ValueError, OSError) as exc:
            self._show_banner(str(exc))
            return False
        self._hide_banner()
        self.own_original, self.own_image = original, small
        self._own_name = Path(path).name
        self._send_probe()
        return True

    def current_image(self) -> tuple[np.ndarray | None, int | None, object]:
        """(image (32, 32, 3) uint8, true label or None, tag) of what goes through the network."""
        if self.own_image is not None:
            return self.own_image, None, ("file", self._own_name, id(self.own_image))
        if self.data is None or len(self.data.X_test) == 0:
            return None, None, None
        i = self.image_index.value()
        return self.data.X_test[i], int(self.data.y_test[i]), ("test", i, id(self.data))

    def _send_probe(self) -> None:
        """Ask the job for the views of the current image (only while the tab is on screen)."""
        image, label, tag = self.current_image()
        if image is None:
            return
        self._show_input(image, label)
        if not self.isVisible():
            return
        self._probe_tag = tag
        self.job.send(("probe", FeatureProbe(image, label, tag)))

    # ================================================================== updates from the worker
    @Slot(object)
    def _on_update(self, update: Update) -> None:
        try:
            if update.reset or update.run != self._run:
                self._run = update.run
                self.log = RunLog("live CNN", {}, 0.6)
            if update.rows:
                self.log.append(update.rows)
            self.curves.draw(self.log, "iteration")
            for event in update.events:
                self._on_event(event)
            self._show_status(update.status)
            if update.snapshot is not None:
                self.snapshot = update.snapshot
                self.shapes.check(update.snapshot, key=self._run)
            probe = update.probe
            if probe is not None and probe.get("tag") == self._probe_tag:
                self.view = probe
                self._redraw_views()
        except Exception as exc:  # noqa: BLE001 - never raise out of a Qt slot
            self._show_banner(f"Could not draw the update: {exc}")
        self.updated.emit()

    def _on_event(self, event: Event) -> None:
        kind, message = event.kind, event.message
        if kind in ("built", "reset"):
            self._built = True
            self.ctx.status(message, source=self)
            if kind == "built" and event.config is not None and self.data is not None:
                self.shapes.set_model(event.config, self.data.input_shape, self.data.num_classes)
        elif kind == "evaluated":
            it = self.view["iteration"] if self.view is not None else 0
            self._end_evaluation(f"{message} (iteration {it})" if event.accuracy is not None else message)
        elif kind in ("stopped", "error"):
            self._set_playing(False)
            self._show_banner(message)
            if event.command == "evaluate":
                self._resume_after_eval = False
                self._end_evaluation("")

    @Slot(str)
    def _on_job_errored(self, message: str) -> None:
        self._set_playing(False)
        self._show_banner(f"The training worker stopped: {message}")

    def _show_status(self, s: Status) -> None:
        def num(v, fmt):
            return format(v, fmt) if isinstance(v, (int, float)) and np.isfinite(v) else "–"

        self.status.setText(f"Iteration {s.iteration} · epoch {num(s.epoch, '.2f')} · "
                            f"loss {num(s.loss, '.3f')} · val acc {num(s.val_acc, '.1%')} · "
                            f"{num(s.examples_per_s, ',.0f')} images/s")

    @Slot()
    def _on_normalise_change(self) -> None:
        self._draw_safely(self._redraw_maps)

    @Slot(str, int)
    def _on_map_clicked(self, name: str, index: int) -> None:
        self._draw_safely(self.enlarge, name, index)

    def _draw_safely(self, fn, *args) -> None:
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001 - never raise out of a Qt slot
            self._show_banner(f"Could not draw the views: {exc}")

    # ---- the views are gathered only while the tab is on screen
    def showEvent(self, event):  # noqa: N802 (Qt name)
        super().showEvent(event)
        self._send_probe()

    def hideEvent(self, event):  # noqa: N802 (Qt name)
        super().hideEvent(event)
        self._probe_tag = None
        self.job.send(("probe", None))

    # ================================================================== messages
    def _show_banner(self, message: str, offer: bool = False) -> None:
        self.message = message
        self.banner.setText(message)
        self.use_builtin_button.setVisible(offer)
        self.banner_box.show()

    def _hide_banner(self) -> None:
        self.message = ""
        self.banner_box.hide()

    @property
    def banner_text(self) -> str:
        return "" if self.banner_box.isHidden() else self.banner.text()

    # ================================================================== app hooks
    def export_targets(self) -> dict:
        targets = {"CNN first-layer filters": self.filter_view, "CNN loss": self.loss_plot,
                   "CNN accuracy": self.acc_plot, "CNN class probabilities": self.probs_plot,
                   "CNN feature maps": self.maps_panel, "CNN enlarged feature map": self.big_view,
                   "CNN live model shapes": self.shapes.table}
        for name, grid in self.grids.items():
            targets[f"CNN feature maps {name}"] = grid
        return targets

    @property
    def built(self) -> bool:
        """Whether a model is built on the current data (Play, Step and the views need one)."""
        return self._built

    def shutdown(self) -> None:
        """Stop the training job and any dataset load (the lab calls this when the window closes)."""
        if self._eval_cancel is not None:
            self._eval_cancel.set()
        for job in (self._data_job, self.job):
            if job is not None and job.is_running():
                job.cancel()
        for job in (self._data_job, self.job):
            if job is not None:
                job.wait()
