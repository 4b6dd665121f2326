"""Lab 2, page 3: a linear classifier on images, its 10 weight templates and one image's scores.

Training runs in the background (linear_images_job, the engine's Trainer with
the "linear" preset); the page draws the loss per iteration, train/validation
accuracy per epoch, each class's weight row reshaped to a 32x32x3 image
(updating as it learns), and the class scores of a chosen validation image.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout,
                               QWidget)

from visualdl.labs.common.palette import class_hex
from visualdl.labs.common.widgets import combo, guard_wheel_in, spin
from visualdl.labs.common.image_source import held_out_size, image_source_combo, start_image_load
from visualdl.labs.common.plots import accuracy_axis, class_color, legend_html, plain_axis, rgb_pixmap, write_csv
from visualdl.labs.common.curves import RunCurves
from visualdl.labs.common.palette import run_hex
from visualdl.labs.linear.jobs import linear_image_config, linear_images_job, merge_image_snapshots
from visualdl.labs.training.history import RunLog
from visualdl.ui.export import install_export_menu
from visualdl.ui.presentation import controls_panel
from visualdl.ui.worker import LatestJob


TEMPLATE_SCALE = 2  # a 32x32 template drawn 64x64, so the ten and the score chart fit 1280x800


class TemplatesView(QWidget):
    """The 10 weight templates on a 2 x 5 grid, each over its caption in the class colour.

    Widgets, not graphics text: a caption wraps inside its own cell and cannot overlap its
    neighbour's. PNG/SVG export draw the widget; CSV: the weight matrix, one row per class (bias first).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.W = None
        self.b = None
        self.class_names: list[str] = []
        self.images: list = [None] * 10  # the (32, 32, 3) uint8 templates shown
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 4, 4, 4)
        grid.setHorizontalSpacing(6)
        self.pictures, self.caption_labels = [], []
        for c in range(10):
            picture = QLabel()
            picture.setFixedSize(32 * TEMPLATE_SCALE, 32 * TEMPLATE_SCALE)
            picture.setStyleSheet("background: #eeeeee;")
            caption = QLabel(f"class {c}")
            caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            caption.setWordWrap(True)
            cell = QVBoxLayout()
            cell.setSpacing(1)
            cell.addWidget(picture, 0, Qt.AlignmentFlag.AlignHCenter)
            cell.addWidget(caption, 0, Qt.AlignmentFlag.AlignHCenter)
            grid.addLayout(cell, c // 5, c % 5)
            self.pictures.append(picture)
            self.caption_labels.append(caption)
        grid.setRowStretch(2, 1)  # the two rows stay together at the top

    def set_captions(self, names) -> None:
        """Class names under the templates, in their class colour; wide enough for the longest word."""
        self.class_names = list(names)
        font = QFont(self.caption_labels[0].font())
        font.setBold(True)
        metrics = QFontMetrics(font)
        words = [w for name in self.class_names for w in str(name).split()]
        width = max([32 * TEMPLATE_SCALE + 8] + [metrics.horizontalAdvance(w) + 6 for w in words])
        for c, caption in enumerate(self.caption_labels):
            caption.setText(names[c] if c < len(names) else "")
            caption.setStyleSheet(f"color: {class_hex(c)}; font-weight: bold;")
            caption.setFixedWidth(width)

    def captions(self) -> list[str]:
        return [label.text() for label in self.caption_labels]

    def set_templates(self, templates) -> None:
        """templates: (C, 32, 32, 3) uint8."""
        for c, picture in enumerate(self.pictures):
            if c < len(templates):
                self.images[c] = templates[c]
                picture.setPixmap(rgb_pixmap(templates[c], TEMPLATE_SCALE))

    def export_csv(self, path) -> None:
        if self.W is None:
            write_csv(path, ["class", "b"], [])
            return
        header = ["class", "b"] + [f"w{d}" for d in range(self.W.shape[1])]
        write_csv(path, header, [[name, repr(float(self.b[c])), *map(repr, self.W[c].astype(float).tolist())]
                                 for c, name in enumerate(self.class_names)])


class LinearImagesPage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.data = None
        self.load_job = LatestJob()
        self.job = LatestJob()
        self.snap: dict | None = None
        self.log = RunLog("linear")  # the run's loss and accuracy columns (what the curves draw)
        self._build()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        box = QGroupBox("Train a linear classifier on images")
        form = QFormLayout(box)
        self.source_combo = image_source_combo()
        self.train_spin = spin(500, 49000, 10000, step=1000)
        self.loss_combo = combo([("softmax", "Softmax"), ("svm", "Multiclass SVM")])
        self.lr_spin = spin(1e-7, 1.0, 1e-6, decimals=7, step=1e-7)
        # strong enough for smooth templates (CIFAR-10: ~36% val in 10 epochs)
        self.reg_spin = spin(0.0, 1e5, 1e4, decimals=1, step=100)
        self.batch_spin = spin(1, 2000, 200)
        self.epochs_spin = spin(1, 100, 10)
        self.train_button = QPushButton("Train")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        form.addRow("Images", self.source_combo)
        form.addRow("Training images", self.train_spin)
        form.addRow("Loss", self.loss_combo)
        form.addRow("Learning rate", self.lr_spin)
        form.addRow("L2 strength", self.reg_spin)
        form.addRow("Batch size", self.batch_spin)
        form.addRow("Epochs", self.epochs_spin)
        row = QHBoxLayout()
        row.addWidget(self.train_button)
        row.addWidget(self.stop_button)
        form.addRow(row)
        self.status_label = QLabel("Pixels minus the mean training image; SGD on minibatches.")
        self.status_label.setWordWrap(True)

        pick = QGroupBox("One validation image")
        pform = QFormLayout(pick)
        self.image_spin = spin(0, 0, 0)
        self.image_label = QLabel()
        self.image_caption = QLabel("")
        self.image_caption.setWordWrap(True)
        pform.addRow("Image #", self.image_spin)
        pform.addRow(self.image_label)
        pform.addRow(self.image_caption)

        side = QVBoxLayout()
        side.addWidget(box)
        side.addWidget(self.status_label)
        side.addWidget(pick)
        side.addStretch(1)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setFixedWidth(290)

        self.loss_plot = pg.PlotWidget(title="Loss per iteration")
        self.loss_plot.setLabel("bottom", "iteration")
        plain_axis(self.loss_plot)
        # the legend lives in the title: exported with the plot, never over the curves
        self.acc_plot = pg.PlotWidget(title="Accuracy per epoch<br><span style='font-size:9pt'>" + legend_html(
            [("train", run_hex(0), "●"), ("validation", run_hex(1), "▲")]) + "</span>")
        self.acc_plot.setLabel("bottom", "epoch")
        accuracy_axis(self.acc_plot)
        # the training lab's curves: raw + smoothed loss, peak downsampling for long runs
        self.curves = RunCurves(self.loss_plot, self.acc_plot, run_hex(0), "", val_colour=run_hex(1))
        self.loss_curve, self.val_acc_curve = self.curves.raw, self.curves.val
        # horizontal bars: every class's full name fits on the left axis at any width
        self.scores_plot = pg.PlotWidget()
        self.scores_plot.setTitle("Class scores", size="10pt")
        self.scores_plot.setLabel("bottom", "score")
        plain_axis(self.scores_plot, "bottom")
        self.scores_plot.getViewBox().invertY(True)  # class 0 at the top, as the templates read
        self.scores_plot.setMouseEnabled(x=False, y=False)
        self.bars = pg.BarGraphItem(x0=0, y=np.arange(10), height=0.7, width=np.zeros(10), brushes=[
            pg.mkBrush(*class_color(c)) for c in range(10)])
        self.scores_plot.addItem(self.bars)
        self.scores_plot.setYRange(-0.6, 9.6, padding=0)
        self._set_score_ticks([f"class {c}" for c in range(10)])
        self.templates_view = TemplatesView()
        self.templates_view.set_captions([f"class {c}" for c in range(10)])
        for widget, name in ((self.loss_plot, "linear loss"), (self.acc_plot, "linear accuracy"),
                             (self.scores_plot, "class scores"), (self.templates_view, "weight templates")):
            install_export_menu(widget, name)

        plots = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(self.loss_plot)
        top.addWidget(self.acc_plot)
        bottom = QHBoxLayout()
        bottom.addWidget(self.templates_view, 0)
        bottom.addWidget(self.scores_plot, 1)
        plots.addLayout(top, 1)
        plots.addLayout(bottom, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(controls_panel(side_widget))
        layout.addLayout(plots, 1)
        guard_wheel_in(side_widget)

        self.train_button.clicked.connect(self.train)
        self.stop_button.clicked.connect(self.stop)
        self.image_spin.valueChanged.connect(self._on_image_change)
        self.lr_spin.valueChanged.connect(self._on_lr_change)

    # ------------------------------------------------------------------ training
    @Slot()
    def train(self) -> None:
        """Load the chosen images (cached by the app), then start training on the worker."""
        source = self.source_combo.currentData()
        if start_image_load(self.ctx, source, self.train_spin.value(), held_out_size(source), 0, self.status_label,
                            self.load_job, self._on_loaded, self._on_error) is not None:
            self.stop()  # the old run ends; the new one starts once the images are in

    @Slot(object)
    def _on_loaded(self, data) -> None:
        if data is None or not self.load_job.is_current(self.sender()):
            return
        self.start_training(data)

    def start_training(self, data) -> None:
        self.data = data
        self.log = RunLog("linear")
        self.curves.draw(self.log, "iteration", "epoch")
        self.image_spin.blockSignals(True)
        self.image_spin.setMaximum(len(data.y_val) - 1)
        self.image_spin.blockSignals(False)
        self.templates_view.set_captions(data.class_names)
        self._set_score_ticks(data.class_names)
        config = linear_image_config(self.loss_combo.currentData(), self.lr_spin.value(), self.reg_spin.value(),
                                     self.batch_spin.value())
        self.job.start(self.ctx.runner.submit(linear_images_job, data, config, self.image_spin.value(),
                                          epochs=float(self.epochs_spin.value()), merge=merge_image_snapshots,
                                          title="linear-images"))
        self.job.job.yielded.connect(self._on_snapshot)
        self.job.job.errored.connect(self._on_error)
        self.stop_button.setEnabled(True)
        self.status_label.setText(f"Training on {len(data.y_train)} {data.name} images…")

    def _set_score_ticks(self, names) -> None:
        self.scores_plot.getAxis("left").setTicks([[(c, name) for c, name in enumerate(names)]])

    def class_scores(self):
        """The class scores the bar chart shows (C,), or None before the first snapshot."""
        return None if self.snap is None else np.asarray(self.bars.opts["width"], dtype=np.float64)

    @Slot()
    def stop(self) -> None:
        self.job.cancel()
        self.stop_button.setEnabled(False)

    @Slot(int)
    def _on_image_change(self, index: int) -> None:
        self.job.send(("image", index))

    @Slot(float)
    def _on_lr_change(self, value: float) -> None:
        self.job.send(("lr", value))

    # ------------------------------------------------------------------ drawing
    @Slot(object)
    def _on_snapshot(self, snap: dict) -> None:
        if not self.job.is_current(self.sender()):
            return
        self.snap = snap
        self.log.append(snap["rows"])
        self.curves.draw(self.log, "iteration", "epoch")
        self.templates_view.W, self.templates_view.b = snap["W"], snap["b"]
        self.templates_view.class_names = self.data.class_names
        self.templates_view.set_templates(snap["templates"])
        self.bars.setOpts(width=snap["image_scores"])
        d = self.data
        i = snap["image_index"]
        pred = int(np.argmax(snap["image_scores"]))
        self.image_label.setPixmap(rgb_pixmap(d.X_val[i], 4))
        self.image_label.setToolTip(d.class_names[int(d.y_val[i])])
        self.image_caption.setText(f"true class: {d.class_names[int(d.y_val[i])]}\n"
                                   f"highest score: {d.class_names[pred]}")
        self.scores_plot.setTitle(f"Class scores of image #{i}", size="10pt")
        ep = self.log.epochs
        text = f"iteration {snap['iteration']} · epoch {snap['epoch']:.2f}"
        if len(self.log):
            text += f" · loss {self.log.iterations['loss'][-1]:.3f}"
        if len(ep):
            text += f"\ntrain {100 * ep['train_acc'][-1]:.1f}% · validation {100 * ep['val_acc'][-1]:.1f}%"
        if snap["stopped"]:
            text += f"\nStopped: {snap['stopped']}"
        elif not snap["training"]:
            text += "\nDone. Pick other images to see their scores."
        if not snap["training"]:  # nothing left to stop (the job stays on to answer image questions)
            self.stop_button.setEnabled(False)
        self.status_label.setText(text)

    @Slot(str)
    def _on_error(self, message: str) -> None:
        self.status_label.setText(message)
        self.stop_button.setEnabled(False)

    def export_targets(self) -> dict:
        return {"linear loss": self.loss_plot, "linear accuracy": self.acc_plot,
                "weight templates": self.templates_view, "class scores": self.scores_plot}

    def shutdown(self) -> None:
        for slot in (self.load_job, self.job):
            slot.cancel()
