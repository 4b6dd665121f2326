"""The live CNN tab's screen: its three panels (filters and curves, one image, every layer's maps) and drawing.

A mixin of LiveCnnTab (visualdl.labs.cnn.live), split off to keep each module short: it builds the
widgets and draws a FeatureProbe result (visualdl.engine.cnn.features) into them; it holds no state
of its own beyond the widgets, and no maths.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSplitter,
                               QTabWidget, QVBoxLayout, QWidget)

from visualdl.data import DATASETS
from visualdl.engine.cnn.features import tile_grid
from visualdl.labs.cnn.live_shapes import LiveShapes
from visualdl.labs.cnn.live_views import (DIVERGING, GREYS, MapGrid, MosaicView, ProbabilityBars, ScaleLegend,
                                          colourise, rgb_tiles_image, to_qimage)
from visualdl.labs.common.widgets import combo, select, spin
from visualdl.ui.export import install_export_menu

PRESETS = {"small_cnn": "Small CNN (conv32 5×5, fc)", "standard_cnn": "Standard CNN (conv32, conv64, fc256)"}
SHORT_TITLES = {"builtin": "Built-in images", "cifar10": "CIFAR-10"}
DEFAULT_PRESET = "standard_cnn"
CAPTION = ("Early layers respond to edges and colours; deeper layers combine them into larger, more abstract "
           "patterns (a pixel of a deeper map sees a bigger patch of the image).")
SKIPPED_TYPES = ("Flatten", "Dropout")  # a copy of the layer before them: not drawn twice


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


class LiveUi:
    """Widgets and drawing of LiveCnnTab (a mixin: the tab supplies the slots and the state)."""

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
        self.acc_plot.setToolTip("● train and ▲ validation accuracy, measured at each epoch end.\n"
                                 "Faint line: each minibatch's accuracy, smoothed, from the first step.")
        for plot, name in ((self.loss_plot, "loss"), (self.acc_plot, "accuracy")):
            plot.setLabel("bottom", "iteration")
            plot.setMinimumHeight(110)
            install_export_menu(plot, f"CNN {name}")
        self.acc_plot.setYRange(0, 1)
        self.acc_plot.setXLink(self.loss_plot)  # both over iterations: epoch ends line up with the loss
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
        self.normalise.currentIndexChanged.connect(self._on_normalise_change)
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

        # ---- right, second page: the live model's shapes and parameters (describe_config)
        self.shapes = LiveShapes()
        self.right_tabs = QTabWidget()
        self.right_tabs.addTab(maps_box, "Feature maps")
        self.right_tabs.addTab(self.shapes, "Shapes and parameters")

        left.setMaximumWidth(250)
        image_box.setMaximumWidth(290)
        split = QSplitter(Qt.Orientation.Horizontal)
        for w in (left, image_box, self.right_tabs):
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
        self.shapes.set_names([layer["name"] for layer in v["layers"]])
        self._redraw_maps()
        self.views_updated.emit()

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
                grid.map_clicked.connect(self._on_map_clicked)
                self.maps_layout.addWidget(grid, i // 2, i % 2)
                self.grids[name] = grid
            if self.enlarged is not None and self.enlarged[0] not in self.grids:
                self.enlarged = None
        for layer in layers:
            self.grids[layer["name"]].show_layer(layer, mode)
        if self.enlarged is None and names:
            self.enlarged = (names[0], 0)
        self._redraw_enlarged()

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
                               + (f"min {finite.min():.3g}, max {finite.max():.3g}" if finite.size else
                                  "no finite values"))

