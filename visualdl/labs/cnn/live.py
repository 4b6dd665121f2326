"""Lab 6, "A CNN learning, live": train a small or standard CNN and watch its filters and feature maps form.

The tab holds no maths and no second trainer: it drives the training dashboard's own background job
(visualdl.ui.training_job) with the same commands (build, play, pause, step, reset) and hands it a
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
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (QFileDialog, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QScrollArea,
                               QSplitter, QVBoxLayout, QWidget)

from visualdl.data import DATASETS
from visualdl.engine.cnn.features import FeatureProbe, grid_shape, resize_image, tile_grid
from visualdl.engine.models import default_config, validate_config
from visualdl.labs.cnn.live_views import (DIVERGING, GREYS, MapGrid, MosaicView, ProbabilityBars, ScaleLegend,
                                          colourise, rgb_tiles_image, to_qimage)
from visualdl.labs.common.palette import class_hex
from visualdl.labs.common.widgets import combo, select, spin
from visualdl.ui.export import install_export_menu

# ---- the training dashboard's pieces this tab shares (their modules may move: fix the paths here only)
from visualdl.labs.training import _Curves as Curves  # noqa: E402  (becoming visualdl.labs.common.curves)
from visualdl.ui.history import RunLog  # noqa: E402
from visualdl.ui.training_job import merge_updates, training_job  # noqa: E402

PRESETS = {"small_cnn": "Small CNN (conv32 5×5, fc)", "standard_cnn": "Standard CNN (conv32, conv64, fc256)"}
SHORT_TITLES = {"builtin": "Built-in images", "cifar10": "CIFAR-10"}
DEFAULT_PRESET = "standard_cnn"
CAPTION = ("Early layers respond to edges and colours; deeper layers combine them into larger, more abstract "
           "patterns (each conv2 pixel sees a bigger patch of the image than a conv1 pixel).")
SKIPPED_TYPES = ("Flatten", "Dropout")  # a copy of the layer before them: not drawn twice


def live_config(preset: str = DEFAULT_PRESET) -> dict:
    """The tab's training settings: the preset's defaults (standard CNN: batch norm, flips and shifts),
    Adam lr 1e-3, batch 128: measured by bench/bench_cnn_live.py on CIFAR-10 (see its docstring)."""
    cfg = default_config(preset)
    cfg["optim"] = {"name": "adam", "lr": 1e-3}
    cfg["batch_size"] = 128
    return validate_config(cfg)


def qimage_to_array(image: QImage) -> np.ndarray:
    """A QImage -> (H, W, 3) uint8 RGB array (a copy)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w, stride = rgb.height(), rgb.width(), rgb.bytesPerLine()
    buf = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=h * stride).reshape(h, stride)
    return buf[:, :w * 3].reshape(h, w, 3).copy()


def read_image_file(path) -> np.ndarray:
    """Read a PNG/JPEG/... with Qt's image reader -> (H, W, 3) uint8; ValueError in plain words if it is not one."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > 2048:  # a photo: 2048 px is plenty for 32x32
        reader.setScaledSize(size.scaled(2048, 2048, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        raise ValueError(f"{Path(path).name} is not an image this app can read ({reader.errorString()}); "
                         "open a PNG or JPEG picture")
    return qimage_to_array(image)


class LiveCnnTab(QWidget):
    """Train a CNN on the dashboard's job and watch filters, feature maps and probabilities a few times a second."""

    updated = Signal()  # after each update from the worker was drawn (tests, benchmarks)
    views_updated = Signal()  # after filters / maps / probabilities were redrawn

    BUILTIN_PARAMS = {"n_train": 5000, "n_val": 1000, "n_test": 1000}

    def __init__(self, ctx, builtin_params: dict | None = None, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.builtin_params = dict(builtin_params or self.BUILTIN_PARAMS)
        self.data = None
        self.data_request: dict | None = None
        self._data_job = None
        self._pending_request: dict | None = None
        self._run = -1
        self._playing = False
        self._eval_cancel: threading.Event | None = None
        self._resume_after_eval = False
        self._built = False
        self.view: dict | None = None  # the last probe result shown
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
        select(self.dataset, "cifar10" if ctx.cifar_path() else "builtin")
        self.dataset.currentIndexChanged.connect(self._on_dataset_change)
        self.preset.currentIndexChanged.connect(self._on_preset_change)
        self._on_dataset_change()

    # ================================================================== UI
    def _build_ui(self) -> None:
        self.dataset = combo([(k, SHORT_TITLES.get(k, v["title"])) for k, v in DATASETS.items()])
        self.preset = combo(list(PRESETS.items()))
        select(self.preset, DEFAULT_PRESET)
        self.play_button = QPushButton("Play")
        self.step_button = QPushButton("Step")
        self.reset_button = QPushButton("Reset")
        self.play_button.clicked.connect(self.toggle_play)
        self.step_button.clicked.connect(self.step_once)
        self.reset_button.clicked.connect(self.reset_run)
        self.test_button = QPushButton("Test accuracy")
        self.test_button.setToolTip("Accuracy on the whole test set (training pauses meanwhile, then goes on)")
        self.test_button.clicked.connect(self.evaluate_test)
        self.status = QLabel("Loading…")
        self.test_result = QLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel("Data"))
        top.addWidget(self.dataset)
        top.addWidget(QLabel("Model"))
        top.addWidget(self.preset)
        for b in (self.play_button, self.step_button, self.reset_button, self.test_button):
            top.addWidget(b)
        top.addStretch(1)

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("color: #8a1c00; font-weight: bold")
        self.use_builtin_button = QPushButton("Use the built-in images")
        self.use_builtin_button.clicked.connect(self.use_builtin)
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.use_builtin_button)
        self.banner_box = QWidget()
        self.banner_box.setLayout(banner_row)
        self.banner_box.hide()

        # ---- left: filters and curves
        self.filter_view = MosaicView(200)
        self.filter_title = QLabel("First-layer filters")
        self.filter_title.setWordWrap(True)
        filters_box = QGroupBox("What the first layer looks for")
        fl = QVBoxLayout(filters_box)
        fl.addWidget(self.filter_title)
        fl.addWidget(self.filter_view, 0, Qt.AlignmentFlag.AlignHCenter)
        fl.addWidget(ScaleLegend(np.rint(np.linspace(0, 255, 256))[:, None].repeat(3, 1).astype(np.uint8),
                                 "−", "0", "+",
                                 "one tile per filter (R, G, B), each scaled by its own largest |weight|"))
        self.loss_plot = pg.PlotWidget(title="Loss")
        self.acc_plot = pg.PlotWidget(title="Accuracy (● train, ▲ val)")
        for plot, name in ((self.loss_plot, "loss"), (self.acc_plot, "accuracy")):
            plot.setLabel("bottom", "iteration")
            plot.setMinimumHeight(110)
            install_export_menu(plot, f"CNN {name}")
        self.acc_plot.setYRange(0, 1)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(filters_box)
        ll.addWidget(self.loss_plot, 1)
        ll.addWidget(self.acc_plot, 1)

        # ---- middle: the image, its probabilities, the enlarged map
        self.image_index = spin(0, 0, 0)
        self.image_index.setToolTip("Which test image goes through the network")
        self.image_index.valueChanged.connect(self._on_image_index_change)
        self.prev_button = QPushButton("◀")
        self.next_button = QPushButton("▶")
        for b in (self.prev_button, self.next_button):
            b.setFixedWidth(32)
        self.prev_button.clicked.connect(self.previous_image)
        self.next_button.clicked.connect(self.next_image)
        self.open_button = QPushButton("Open image…")
        self.open_button.clicked.connect(self._on_open_clicked)
        pick = QHBoxLayout()
        pick.addWidget(QLabel("Test image"))
        pick.addWidget(self.image_index)
        pick.addWidget(self.prev_button)
        pick.addWidget(self.next_button)
        pick.addStretch(1)
        self.original_label = QLabel()
        self.small_label = QLabel()
        for lab in (self.original_label, self.small_label):
            lab.setFixedSize(96, 96)
            lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lab.setStyleSheet("background: #eeeeee")
        self.image_caption = QLabel()
        self.image_caption.setWordWrap(True)
        images = QHBoxLayout()
        images.addWidget(self.original_label)
        images.addWidget(self.small_label)
        images.addStretch(1)
        file_row = QHBoxLayout()
        file_row.addWidget(self.open_button)
        file_row.addWidget(self.image_caption, 1)
        self.probs_plot = ProbabilityBars()
        self.probs_plot.setMinimumHeight(170)
        self.prediction = QLabel()
        install_export_menu(self.probs_plot, "CNN class probabilities")
        self.big_title = QLabel("Click any feature map to enlarge it")
        self.big_title.setWordWrap(True)
        self.big_view = MosaicView(128)
        image_box = QGroupBox("One image through the network")
        il = QVBoxLayout(image_box)
        il.addLayout(pick)
        il.addLayout(file_row)
        il.addLayout(images)
        il.addWidget(self.prediction)
        il.addWidget(self.probs_plot, 1)
        il.addWidget(self.big_title)
        il.addWidget(self.big_view, 0, Qt.AlignmentFlag.AlignHCenter)

        # ---- right: every layer's feature maps
        self.normalise = combo([("map", "Scale each map by its own max |value|"),
                                ("layer", "One scale for the whole layer")])
        self.normalise.currentIndexChanged.connect(self._redraw_maps)
        caption = QLabel(CAPTION)
        caption.setWordWrap(True)
        caption.setStyleSheet("font-style: italic")
        legends = QHBoxLayout()
        legends.addWidget(ScaleLegend(DIVERGING, "−max", "0", "+max", "signed: conv, batch norm"))
        legends.addWidget(ScaleLegend(GREYS, "0", "", "max", "after ReLU, pooling"))
        self.maps_panel = QWidget()
        self.maps_layout = QGridLayout(self.maps_panel)
        self.maps_layout.setContentsMargins(2, 2, 2, 2)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.maps_panel)
        maps_box = QGroupBox("Feature maps of every layer, for this image")
        ml = QVBoxLayout(maps_box)
        norm_row = QHBoxLayout()
        norm_row.addWidget(QLabel("Normalise"))
        norm_row.addWidget(self.normalise, 1)
        ml.addLayout(norm_row)
        ml.addLayout(legends)
        ml.addWidget(caption)
        ml.addWidget(scroll, 1)

        left.setMaximumWidth(250)
        image_box.setMaximumWidth(290)
        split = QSplitter(Qt.Orientation.Horizontal)
        for w in (left, image_box, maps_box):
            split.addWidget(w)
        split.setSizes([240, 270, 550])
        root = QVBoxLayout(self)
        root.addLayout(top)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.test_result)
        root.addLayout(status_row)
        root.addWidget(self.banner_box)
        root.addWidget(split, 1)
        for w, name in ((self.filter_view, "CNN first-layer filters"), (self.big_view, "CNN enlarged feature map"),
                        (self.maps_panel, "CNN feature maps")):
            install_export_menu(w, name)

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
        if self._data_job is not None and self._data_job.is_running():
            self._data_job.cancel()
        self.pause()
        self._pending_request = request
        self._data_job = self.ctx.load_dataset(request["name"], seed=request["seed"], **request["params"])
        self._data_job.finished.connect(self._on_data_loaded)
        self._data_job.errored.connect(self._on_data_failed)
        self.status.setText(f"Loading {DATASETS[request['name']]['title']}…")

    @Slot(object)
    def _on_data_loaded(self, data) -> None:
        if self.sender() is not self._data_job or data is None:
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
        if self.sender() is self._data_job:
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
        self.own_image = None
        self.image_index.setValue(max(0, self.image_index.value() - 1))
        self._send_probe()

    @Slot()
    def next_image(self) -> None:
        self.own_image = None
        self.image_index.setValue(min(self.image_index.maximum(), self.image_index.value() + 1))
        self._send_probe()

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
        image, label, tag = self.current_image()
        if image is None:
            return
        self._probe_tag = tag
        self._show_input(image, label)
        self.job.send(("probe", FeatureProbe(image, label, tag)))

    def _show_input(self, image: np.ndarray, label: int | None) -> None:
        small = QPixmap.fromImage(to_qimage(image)).scaled(96, 96, Qt.AspectRatioMode.KeepAspectRatio,
                                                          Qt.TransformationMode.FastTransformation)
        self.small_label.setPixmap(small)
        if self.own_original is not None and label is None:
            self.original_label.setPixmap(QPixmap.fromImage(to_qimage(self.own_original)).scaled(
                96, 96, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))
            h, w = self.own_original.shape[:2]
            self.image_caption.setText(f"{self._own_name}: {w}×{h} → centre square → 32×32 (right)")
        else:
            self.original_label.clear()
            self.original_label.setText("test image\n32×32")
            names = self.data.class_names if self.data is not None else []
            self.image_caption.setText(f"Test image {self.image_index.value()} · true class: "
                                       f"{names[label] if label is not None and label < len(names) else '?'}")

    # ================================================================== updates from the worker
    @Slot(object)
    def _on_update(self, update: dict) -> None:
        try:
            if update["reset"] or update["run"] != self._run:
                self._run = update["run"]
                self.log = RunLog("live CNN", {}, 0.6)
            if update["rows"]:
                self.log.append(update["rows"])
            self.curves.draw(self.log, "iteration")
            for event in update["events"]:
                self._on_event(event)
            self._show_status(update["status"])
            probe = update.get("probe")
            if probe is not None and probe.get("tag") == self._probe_tag:
                self.view = probe
                self._redraw_views()
        except Exception as exc:  # noqa: BLE001 - never raise out of a Qt slot
            self._show_banner(f"Could not draw the update: {exc}")
        self.updated.emit()

    def _on_event(self, event: dict) -> None:
        kind, message = event["kind"], event.get("message", "")
        if kind in ("built", "reset"):
            self._built = True
            self.ctx.status(message)
        elif kind == "evaluated":
            it = self.view["iteration"] if self.view is not None else 0
            self._end_evaluation(f"{message} (iteration {it})" if event["accuracy"] is not None else message)
        elif kind in ("stopped", "error"):
            self._set_playing(False)
            self._show_banner(message)
            if message.startswith("Could not evaluate"):
                self._resume_after_eval = False
                self._end_evaluation("")

    @Slot(str)
    def _on_job_errored(self, message: str) -> None:
        self._set_playing(False)
        self._show_banner(f"The training worker stopped: {message}")

    def _show_status(self, s: dict) -> None:
        def num(v, fmt):
            return format(v, fmt) if isinstance(v, (int, float)) and np.isfinite(v) else "–"

        self.status.setText(f"Iteration {s.get('iteration', 0)} · epoch {num(s.get('epoch'), '.2f')} · "
                            f"loss {num(s.get('loss'), '.3f')} · val acc {num(s.get('val_acc'), '.1%')} · "
                            f"{num(s.get('examples_per_s'), ',.0f')} images/s")

    # ================================================================== drawing the views
    def _redraw_views(self) -> None:
        v = self.view
        if v["filters"] is not None:
            tiles = v["filters"]
            cols = min(8, len(tiles))
            mosaic = tile_grid(tiles, cols)
            k = tiles.shape[1]
            self.filter_view.set_rgb(rgb_tiles_image(mosaic), (k, k, cols, len(tiles)))
            self.filter_title.setText(f"conv1: {len(tiles)} filters {k}×{k}×3 · iteration {v['iteration']}")
        names = self.data.class_names if self.data is not None else []
        self.probs_plot.show_probs(v["probs"], names, v["label"])
        top = v["predicted"]
        guess = names[top] if top < len(names) else str(top)
        self.prediction.setText(f"Predicted: <b>{guess}</b> ({v['probs'][top]:.0%})")
        self._redraw_maps()
        self.views_updated.emit()

    @Slot()
    def _redraw_maps(self) -> None:
        if self.view is None:
            return
        mode = self.normalise.currentData()
        layers = [layer for layer in self.view["layers"][:-1] if layer["type"] not in SKIPPED_TYPES]
        names = [layer["name"] for layer in layers]
        if list(self.grids) != names:  # another model: new grids
            for grid in self.grids.values():
                self.maps_layout.removeWidget(grid)
                grid.deleteLater()
            self.grids = {}
            for i, name in enumerate(names):
                grid = MapGrid(name)
                grid.map_clicked.connect(self.enlarge)
                self.maps_layout.addWidget(grid, i // 2, i % 2)
                self.grids[name] = grid
            if self.enlarged is not None and self.enlarged[0] not in self.grids:
                self.enlarged = None
        for layer in layers:
            self.grids[layer["name"]].show_layer(layer, mode)
        if self.enlarged is None and names:
            self.enlarged = (names[0], 0)
        self._redraw_enlarged()

    @Slot(str, int)
    def enlarge(self, name: str, index: int) -> None:
        """Show map `index` of layer `name` large (a click on a small map)."""
        self.enlarged = (name, index)
        self._redraw_enlarged()

    def _redraw_enlarged(self) -> None:
        if self.enlarged is None or self.enlarged[0] not in self.grids:
            return
        name, index = self.enlarged
        grid = self.grids[name]
        if grid.scaled is None or not 0 <= index < len(grid.scaled):
            return
        for g in self.grids.values():
            g.view.selected = index if g is grid else None
            g.view.update()
        m = grid.maps[index]
        finite = m[np.isfinite(m)]
        self.big_view.set_rgb(colourise(grid.scaled[index], grid.signed), max_scale=24)
        shape = "×".join(str(d) for d in m.shape) if len(grid.shape) == 3 else f"{grid.shape[0]} values"
        self.big_title.setText(f"{name}, map {index + 1} of {len(grid.maps)} ({shape}): "
                               f"min {finite.min():.3g}, max {finite.max():.3g}")

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
                   "CNN feature maps": self.maps_panel, "CNN enlarged feature map": self.big_view}
        for name, grid in self.grids.items():
            targets[f"CNN feature maps {name}"] = grid
        return targets

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
