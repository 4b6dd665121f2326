"""Lab 6, tab "Pooling": the course's 4x4 example (2x2 windows, stride 2), max and average side by side,
every input value editable; then the same pooling on a real image's feature map (from the
"Filters on an image" tab)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QAbstractSpinBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from visualdl.engine.cnn import pool2d, pool_argmax
from visualdl.labs.cnn.views import ERROR_STYLE, ImagePlot, MatrixView, ScaleBar, fmt, grey_rgb
from visualdl.labs.common.widgets import guard_wheel_in, spin
from visualdl.ui.export import install_export_menu

COURSE_EXAMPLE = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], float)
WINDOW_RGB = np.array([(255, 205, 210), (200, 230, 201), (187, 222, 251), (255, 236, 179)], np.uint8)
VALUE_LIMIT = 999.0
SIZE, STRIDE = 2, 2


class PoolTab(QWidget):
    def __init__(self, ctx=None, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.feature_map = None
        self._build()
        guard_wheel_in(self)
        self.recompute()

    def _build(self) -> None:
        self.value_boxes = []
        self.input_panel = QWidget()
        grid = QGridLayout(self.input_panel)
        grid.setSpacing(3)
        for r in range(4):
            row = []
            for c in range(4):
                box = spin(-VALUE_LIMIT, VALUE_LIMIT, float(COURSE_EXAMPLE[r, c]), decimals=1, keyboard_tracking=True)
                box.setToolTip(f"input ({r}, {c}), from -{VALUE_LIMIT:g} to {VALUE_LIMIT:g}")
                box.setMinimumWidth(70)
                box.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
                box.setAlignment(Qt.AlignmentFlag.AlignCenter)
                box.valueChanged.connect(self._on_value_change)
                grid.addWidget(box, r, c)
                row.append(box)
            self.value_boxes.append(row)
        in_box = QGroupBox("Input 4x4 (edit any value; one colour per 2x2 window, the max framed)")
        in_layout = QVBoxLayout(in_box)
        in_layout.addWidget(self.input_panel)
        in_layout.addStretch(1)
        self.max_view = MatrixView("Max pool 2x2, stride 2", max_cell=70)
        self.avg_view = MatrixView("Average pool 2x2, stride 2", max_cell=70)
        install_export_menu(self.input_panel, "Pooling input 4x4")
        install_export_menu(self.max_view, "Max pool 4x4 example")
        install_export_menu(self.avg_view, "Average pool 4x4 example")
        top = QHBoxLayout()
        top.addWidget(in_box, 3)
        top.addWidget(self.max_view, 2)
        top.addWidget(self.avg_view, 2)
        self.windows_label = QLabel()
        self.windows_label.setStyleSheet("font-family: monospace;")
        self.windows_label.setWordWrap(True)

        self.map_plot = ImagePlot("Feature map (after ReLU)")
        self.map_max_plot = ImagePlot("Max pooled")
        self.map_avg_plot = ImagePlot("Average pooled")
        for plot, name in ((self.map_plot, "Pooling feature map"), (self.map_max_plot, "Feature map max pooled"),
                           (self.map_avg_plot, "Feature map average pooled")):
            install_export_menu(plot, name)
        self.map_bar = ScaleBar()
        self.map_label = QLabel("Loading an image… (the map is the one the 'Filters on an image' tab shows)")
        self.map_label.setWordWrap(True)
        maps = QHBoxLayout()
        for w in (self.map_plot, self.map_max_plot, self.map_avg_plot):
            maps.addWidget(w)
        real = QGroupBox("The same on a real image's feature map (pick the image and kernel in 'Filters on an "
                         "image'); all three share one grey scale")
        real_layout = QVBoxLayout(real)
        real_layout.addLayout(maps, 1)
        real_layout.addWidget(self.map_bar)
        real_layout.addWidget(self.map_label)

        layout = QVBoxLayout(self)
        layout.addLayout(top, 2)
        layout.addWidget(self.windows_label)
        layout.addWidget(real, 3)

    # ------------------------------------------------------------------ the 4x4 example
    def values(self) -> np.ndarray:
        return np.array([[b.value() for b in row] for row in self.value_boxes])

    def recompute(self) -> None:
        x = self.values()
        mx, av, arg = pool2d(x, SIZE, STRIDE, "max"), pool2d(x, SIZE, STRIDE, "avg"), pool_argmax(x, SIZE, STRIDE)
        out_colours = WINDOW_RGB.reshape(2, 2, 3)
        self.max_view.set_matrix(mx, out_colours)
        self.avg_view.set_matrix(av, out_colours)
        maxima = {tuple(arg[i, j]) for i in range(2) for j in range(2)}
        lines = []
        for r in range(4):
            for c in range(4):
                rgb = tuple(int(v) for v in WINDOW_RGB[(r // 2) * 2 + c // 2])
                border = "2px solid black" if (r, c) in maxima else "1px solid #999"
                weight = "bold" if (r, c) in maxima else "normal"
                self.value_boxes[r][c].setStyleSheet(
                    f"QDoubleSpinBox {{ background: rgb{rgb}; border: {border}; font-weight: {weight}; }}")
        for i in range(2):
            for j in range(2):
                w = x[i * 2:i * 2 + 2, j * 2:j * 2 + 2].ravel()
                items = ", ".join(fmt(v) for v in w)
                lines.append(f"window ({i}, {j}): max({items}) = {fmt(mx[i, j])};   "
                             f"({' + '.join(fmt(v) for v in w)}) / 4 = {fmt(av[i, j])}")
        self.windows_label.setText("\n".join(lines))

    @Slot(float)
    def _on_value_change(self, _value: float) -> None:
        self.recompute()

    # ------------------------------------------------------------------ the real map
    @Slot(object)
    def set_feature_map(self, fmap) -> None:
        """fmap: (H, W) non-negative map, or None when the filter settings were refused."""
        self.feature_map = fmap
        if fmap is None:
            for plot in (self.map_plot, self.map_max_plot, self.map_avg_plot):
                plot.clear_image()
            self.map_label.setText("No feature map: the 'Filters on an image' tab refuses its current settings.")
            self.map_label.setStyleSheet(ERROR_STYLE)
            return
        vmax = float(fmap.max()) or 1.0
        self.map_plot.show_rgb(grey_rgb(fmap, vmax), fmap)
        self.map_bar.set_scale("grey", 0.0, vmax)
        h, w = fmap.shape
        try:
            mx, av = pool2d(fmap, SIZE, STRIDE, "max"), pool2d(fmap, SIZE, STRIDE, "avg")
        except ValueError as exc:
            self.map_max_plot.clear_image()
            self.map_avg_plot.clear_image()
            self.map_label.setText(f"This {h}x{w} map cannot be pooled 2x2 with stride 2: {exc}")
            self.map_label.setStyleSheet(ERROR_STYLE)
            return
        self.map_max_plot.show_rgb(grey_rgb(mx, vmax), mx)
        self.map_avg_plot.show_rgb(grey_rgb(av, vmax), av)
        self.map_label.setStyleSheet("")
        self.map_label.setText(f"{h}x{w} -> {mx.shape[0]}x{mx.shape[1]}: max pooling keeps the strongest response "
                               "in each window (edges stay bright); averaging blurs them and lowers the peaks "
                               f"(max {fmt(mx.max())} vs {fmt(av.max())}).")

    def export_targets(self) -> dict:
        return {"Pooling input 4x4": self.input_panel, "Max pool 4x4 example": self.max_view,
                "Average pool 4x4 example": self.avg_view, "Pooling feature map": self.map_plot,
                "Feature map max pooled": self.map_max_plot, "Feature map average pooled": self.map_avg_plot}

    def shutdown(self) -> None:
        pass
