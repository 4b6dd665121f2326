"""Lab 6, tab "Filters on an image": a hand-made kernel slid over a real picture, before and after ReLU.

The picture is a test image of the built-in set or of CIFAR-10 (loaded on the worker). The kernel
(3x3 or 5x5) is a preset or any numbers typed into its grid. It runs on the greyscale image
(luminance in [0, 1]), on one colour channel (in [0, 1]) or, like one conv filter over 3 channels,
on R, G and B with the three maps summed. Colours: the pre-ReLU map is signed (blue < 0 < red, white = 0); the
ReLU map is non-negative (black = 0). Normalisation: each map its own range, or both on the
pre-ReLU map's range so their brightness compares.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (QAbstractSpinBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
                               QVBoxLayout, QWidget)

from visualdl.engine.cnn import KERNEL_NAMES, KERNEL_TITLES, apply_kernel, conv_output_size, kernel_preset, relu, \
    to_grey
from visualdl.labs.cnn.views import ERROR_STYLE, ImagePlot, MatrixView, ScaleBar, diverging_rgb, fmt, grey_rgb
from visualdl.labs.common.widgets import combo, guard_wheel_in, select, spin
from visualdl.ui.worker import LatestJob
from visualdl.labs.common.image_source import image_source_combo, start_image_load
from visualdl.ui.export import install_export_menu
from visualdl.ui.presentation import controls_panel

N_TEST = 500
KMAX = 5
KERNEL_LIMIT = 100.0
DECIMALS = 4  # the boxes show 4 decimals; presets keep their exact values (1/9, 1/256) in self._kernel


class FiltersTab(QWidget):
    """feature_map_changed(object): the ReLU map (H', W') float64 shown now, or None when refused."""

    feature_map_changed = Signal(object)

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.data = None
        self.load_job = LatestJob()
        self.pre = self.post = None
        self._setting_kernel = False
        self._picked = False  # the first load picks a high-contrast image
        self._kernel = np.zeros((3, 3))
        self._build()
        if ctx.cifar_path() is not None:  # CIFAR-10 is open: show its images (loaded when first needed)
            self.source_combo.blockSignals(True)
            select(self.source_combo, "cifar10")
            self.source_combo.blockSignals(False)
        ctx.cifar_path_changed.connect(self._on_cifar_path_change)
        guard_wheel_in(self)
        self._set_preset("sobel_x")

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.source_combo = image_source_combo()
        self.source_combo.currentIndexChanged.connect(self._on_source_change)
        self.index_spin = spin(0, N_TEST - 1, 0, keyboard_tracking=True)
        self.index_spin.valueChanged.connect(self._on_setting_change)
        self.class_label = QLabel("")
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.size_combo = combo([(3, "3 x 3"), (5, "5 x 5")])
        self.size_combo.currentIndexChanged.connect(self._on_size_change)
        self.preset_combo = combo([(k, KERNEL_TITLES[k]) for k in KERNEL_NAMES] + [("custom", "Custom (your numbers)")])
        self.preset_combo.currentIndexChanged.connect(self._on_preset_change)
        self.cells = []
        grid = QGridLayout()
        grid.setSpacing(2)
        for r in range(KMAX):
            row = []
            for c in range(KMAX):
                box = spin(-KERNEL_LIMIT, KERNEL_LIMIT, 0.0, decimals=DECIMALS, keyboard_tracking=True)
                box.setProperty("cell", (r, c))
                box.setMaximumWidth(74)
                box.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
                box.setAlignment(Qt.AlignmentFlag.AlignRight)
                box.valueChanged.connect(self._on_cell_change)
                grid.addWidget(box, r, c)
                row.append(box)
            self.cells.append(row)
        self.sum_label = QLabel()
        self.sum_label.setWordWrap(True)
        self.stride_spin = spin(1, 8, 1, keyboard_tracking=True)
        self.pad_spin = spin(0, 4, 0, keyboard_tracking=True)
        self.stride_spin.valueChanged.connect(self._on_setting_change)
        self.pad_spin.valueChanged.connect(self._on_setting_change)
        self.mode_combo = combo([("grey", "Greyscale image"), ("r", "Red channel"), ("g", "Green channel"),
                                 ("b", "Blue channel"), ("sum", "R, G, B summed (one conv filter)")])
        self.norm_combo = combo([("per_map", "Per map (own range)"), ("shared", "Shared (pre-ReLU range)")])
        self.mode_combo.currentIndexChanged.connect(self._on_setting_change)
        self.norm_combo.currentIndexChanged.connect(self._on_setting_change)

        form = QFormLayout()
        form.addRow("Images", self.source_combo)
        form.addRow("Test image #", self.index_spin)
        form.addRow("", self.class_label)
        form.addRow("Kernel size", self.size_combo)
        form.addRow("Kernel", self.preset_combo)
        form.addRow(grid)
        form.addRow(self.sum_label)
        form.addRow("Stride", self.stride_spin)
        form.addRow("Zero padding", self.pad_spin)
        form.addRow("Input", self.mode_combo)
        form.addRow("Normalise", self.norm_combo)
        form.addRow(self.status_label)
        self.kernel_view = MatrixView("Kernel as colours (blue < 0 < red)", max_cell=56)
        install_export_menu(self.kernel_view, "Filter kernel")
        form.addRow(self.kernel_view)
        panel = QGroupBox("Image and kernel")
        panel.setLayout(form)
        panel.setFixedWidth(400)

        self.image_plot = ImagePlot("Input image")
        self.pre_plot = ImagePlot("Feature map (before ReLU)")
        self.post_plot = ImagePlot("After ReLU: max(0, x)")
        self.pre_bar, self.post_bar = ScaleBar(), ScaleBar()
        for plot, name in ((self.image_plot, "Filter input image"), (self.pre_plot, "Feature map before ReLU"),
                           (self.post_plot, "Feature map after ReLU")):
            install_export_menu(plot, name)
        self.size_label = QLabel()
        self.size_label.setWordWrap(True)
        legend = QLabel("Colour scales: before ReLU the map has both signs, so it is drawn on a diverging scale "
                        "centred on zero (blue negative, white 0, red positive); after ReLU every value is >= 0, "
                        "drawn in greys (black 0). The numbers under each map are its scale's ends.")
        legend.setWordWrap(True)
        legend.setMaximumWidth(320)
        legend.setStyleSheet("color: #444;")
        maps = QGridLayout()
        maps.addWidget(self.image_plot, 0, 0)
        maps.addWidget(self.pre_plot, 0, 1)
        maps.addWidget(QLabel("RGB, as stored (0..255 per channel)"), 1, 0)
        maps.addWidget(self.pre_bar, 1, 1)
        maps.addWidget(legend, 2, 0)
        maps.addWidget(self.post_plot, 2, 1)
        maps.addWidget(self.post_bar, 3, 1)
        maps.setRowStretch(0, 1)
        maps.setRowStretch(2, 1)
        right = QVBoxLayout()
        right.addWidget(self.size_label)
        right.addLayout(maps, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(controls_panel(panel))
        layout.addLayout(right, 1)

    # ------------------------------------------------------------------ data
    def ensure_loaded(self) -> None:
        """Load the chosen image set once (on the worker); a no-op when loaded or loading."""
        if self.data is None and not self.loading():
            self.load()

    def loading(self) -> bool:
        return self.load_job.is_running()

    def load(self) -> None:
        source = self.source_combo.currentData()
        self.load_job.start(start_image_load(self.ctx, source, 1, 0, N_TEST, self.status_label))
        if self.load_job.job is None:  # CIFAR-10 not open: the label says so; keep what is shown
            return
        self.load_job.job.finished.connect(self._on_loaded)
        self.load_job.job.errored.connect(self._on_load_error)

    @Slot(object)
    def _on_loaded(self, data) -> None:
        if data is None or not self.load_job.is_current(self.sender()):
            return
        if data.kind != "image":
            self.status_label.setText(f"{data.name} is not an image set: a filter needs images.")
            return
        first = self.data is None and not self._picked
        self.data = data
        self.index_spin.setMaximum(len(data.X_test) - 1)
        if first:  # start on a picture with clear edges: the most contrasted of the first 50 (greyscale)
            self._picked = True
            contrast = [to_grey(img).std() for img in data.X_test[:50]]
            self.index_spin.blockSignals(True)
            self.index_spin.setValue(int(np.argmax(contrast)))
            self.index_spin.blockSignals(False)
        self.status_label.setText(f"{len(data.X_test)} test images of {data.name}.")
        self.status_label.setStyleSheet("")
        self.recompute()

    @Slot(str)
    def _on_load_error(self, message: str) -> None:
        if self.load_job.is_current(self.sender()):
            self.status_label.setText(f"Could not load the images: {message}")
            self.status_label.setStyleSheet(ERROR_STYLE)

    # ------------------------------------------------------------------ kernel
    def kernel_size(self) -> int:
        """3 or 5: the chosen kernel's width (not QWidget.size, which Qt itself relies on)."""
        return int(self.size_combo.currentData())

    def kernel(self) -> np.ndarray:
        """(k, k) float64: the exact weights in use (a preset's fractions are not rounded to the boxes)."""
        return self._kernel.copy()

    def _set_kernel(self, kernel: np.ndarray) -> None:
        self._kernel = np.array(kernel, dtype=np.float64)
        self._setting_kernel = True
        try:
            k = kernel.shape[0]
            for r in range(KMAX):
                for c in range(KMAX):
                    box = self.cells[r][c]
                    box.setVisible(r < k and c < k)
                    value = float(kernel[r, c]) if r < k and c < k else 0.0
                    box.setValue(value)
                    box.setToolTip(f"weight ({r}, {c}) = {value!r}; type any number from -{KERNEL_LIMIT:g} "
                                   f"to {KERNEL_LIMIT:g}")
        finally:
            self._setting_kernel = False
        self.recompute()

    def _set_preset(self, name: str) -> None:
        select(self.preset_combo, name)
        if name != "custom":
            self._set_kernel(kernel_preset(name, self.kernel_size()))

    @Slot(int)
    def _on_size_change(self, _index: int) -> None:
        name = self.preset_combo.currentData()
        if name == "custom":  # keep the typed numbers: a 3x3 goes to the centre of 5x5, 5x5 keeps its centre
            old = self._kernel
            if self.kernel_size() == 5 and old.shape[0] == 3:
                new = np.zeros((5, 5))
                new[1:4, 1:4] = old
            elif self.kernel_size() == 3 and old.shape[0] == 5:
                new = old[1:4, 1:4]
            else:
                new = old
            self._set_kernel(new)
        else:
            self._set_kernel(kernel_preset(name, self.kernel_size()))

    @Slot(int)
    def _on_preset_change(self, _index: int) -> None:
        self._set_preset(self.preset_combo.currentData())

    @Slot(float)
    def _on_cell_change(self, value: float) -> None:
        if self._setting_kernel:
            return
        r, c = self.sender().property("cell")
        if r < self._kernel.shape[0] and c < self._kernel.shape[1]:
            self._kernel[r, c] = value
        self.preset_combo.blockSignals(True)
        select(self.preset_combo, "custom")
        self.preset_combo.blockSignals(False)
        self.recompute()

    @Slot(int)
    def _on_source_change(self, _index: int) -> None:
        self.data = None
        self.load()

    @Slot(str)
    def _on_cifar_path_change(self, _path: str) -> None:
        """The user opened CIFAR-10: switch to it (loading now only if images were already shown)."""
        if self.ctx.cifar_path() is None or self.source_combo.currentData() == "cifar10":
            return
        if self.data is None and not self.loading():
            self.source_combo.blockSignals(True)
            select(self.source_combo, "cifar10")
            self.source_combo.blockSignals(False)
        else:
            select(self.source_combo, "cifar10")

    @Slot()
    def _on_setting_change(self, *_args) -> None:
        self.recompute()

    # ------------------------------------------------------------------ the maps
    def recompute(self) -> None:
        kernel = self.kernel()
        total = kernel.sum()
        meaning = ("keeps the average brightness" if abs(total - 1) < 1e-9 else
                   "flat areas give 0: it responds only to change (edges)" if abs(total) < 1e-9 else
                   f"flat areas are multiplied by {fmt(total)}")
        k = kernel.shape[0]
        shown = np.array([[self.cells[r][c].value() for c in range(k)] for r in range(k)])
        rounded = " The boxes show 4 decimals; the exact preset values (e.g. 1/9, 1/256) are used." \
            if not np.array_equal(shown, kernel) else ""
        self.sum_label.setText(f"Sum of the weights = {fmt(total)}: {meaning}.{rounded}")
        self.kernel_view.set_matrix(kernel, diverging_rgb(kernel))
        if self.data is None:
            self.size_label.setText("Loading an image…" if self.loading() else "No image yet.")
            return
        i = min(self.index_spin.value(), len(self.data.X_test) - 1)
        img = self.data.X_test[i]
        self.class_label.setText(f"class: {self.data.class_names[int(self.data.y_test[i])]}")
        self.image_plot.show_rgb(img)
        h = img.shape[0]
        f, s, p = kernel.shape[0], self.stride_spin.value(), self.pad_spin.value()
        try:
            out = conv_output_size(h, f, s, p)
        except ValueError as exc:
            self.size_label.setText(f"Refused: {exc}")
            self.size_label.setStyleSheet(ERROR_STYLE)
            self.pre = self.post = None
            self.pre_plot.clear_image()
            self.post_plot.clear_image()
            self.feature_map_changed.emit(None)
            return
        self.size_label.setStyleSheet("")
        self.size_label.setText(f"Output size: ({h} − {f} + 2·{p}) / {s} + 1 = {out}, so a {h}x{h} image gives a "
                                f"{out}x{out} feature map.")
        mode = self.mode_combo.currentData()
        if mode == "grey":
            x = to_grey(img)
        elif mode == "sum":
            x = img.transpose(2, 0, 1) / 255.0
        else:
            x = img[:, :, "rgb".index(mode)] / 255.0
        self.pre = apply_kernel(x, kernel, s, p, "sum")
        self.post = relu(self.pre)
        scale = float(np.abs(self.pre).max()) or 1.0
        post_max = scale if self.norm_combo.currentData() == "shared" else (float(self.post.max()) or 1.0)
        self.pre_plot.show_rgb(diverging_rgb(self.pre, scale), self.pre)
        self.post_plot.show_rgb(grey_rgb(self.post, post_max), self.post)
        self.pre_bar.set_scale("diverging", -scale, scale)
        self.post_bar.set_scale("grey", 0.0, post_max)
        self.feature_map_changed.emit(self.post)

    def export_targets(self) -> dict:
        return {"Filter kernel": self.kernel_view, "Filter input image": self.image_plot,
                "Feature map before ReLU": self.pre_plot,
                "Feature map after ReLU": self.post_plot}

    def shutdown(self) -> None:
        self.load_job.cancel()
