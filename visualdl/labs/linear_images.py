"""Lab 2, page 3: a linear classifier on images, its 10 weight templates and one image's scores.

Training runs in the background (linear_images_job, the engine's Trainer with
the "linear" preset); the page draws the loss per iteration, train/validation
accuracy per epoch, each class's weight row reshaped to a 32x32x3 image
(updating as it learns), and the class scores of a chosen validation image.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from visualdl.labs.image_source import image_source_combo, start_image_load
from visualdl.labs.knn_plots import class_color, rgb_pixmap, write_csv
from visualdl.labs.linear_jobs import linear_image_config, linear_images_job, merge_image_snapshots
from visualdl.ui.export import install_export_menu


class TemplatesView(pg.GraphicsLayoutWidget):
    """The 10 weight templates; CSV: the weight matrix, one row per class (bias first)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.W = None
        self.b = None
        self.class_names: list[str] = []

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
        self.load_job = None
        self.job = None
        self.snap: dict | None = None
        self.iters: list[float] = []
        self.losses: list[float] = []
        self.epoch_rows: list[dict] = []
        self._build()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        box = QGroupBox("Train a linear classifier on images")
        form = QFormLayout(box)
        self.source_combo = image_source_combo()
        self.train_spin = QSpinBox(minimum=500, maximum=49000, value=10000, singleStep=1000)
        self.loss_combo = QComboBox()
        self.loss_combo.addItem("Softmax", "softmax")
        self.loss_combo.addItem("Multiclass SVM", "svm")
        self.lr_spin = QDoubleSpinBox(decimals=7, minimum=1e-7, maximum=1.0, singleStep=1e-7)
        self.lr_spin.setValue(1e-6)  # after setDecimals, or the value is rounded away
        self.reg_spin = QDoubleSpinBox(decimals=1, minimum=0.0, maximum=1e5, singleStep=100)
        self.reg_spin.setValue(1e4)  # strong enough for smooth templates (CIFAR-10: ~36% val in 10 epochs)
        self.batch_spin = QSpinBox(minimum=1, maximum=2000, value=200)
        self.epochs_spin = QSpinBox(minimum=1, maximum=100, value=10)
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
        self.image_spin = QSpinBox(minimum=0, maximum=0)
        self.image_label = QLabel()
        pform.addRow("Image #", self.image_spin)
        pform.addRow(self.image_label)

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
        self.loss_curve = self.loss_plot.plot(pen=pg.mkPen((31, 119, 180), width=1.5), name="loss")
        self.acc_plot = pg.PlotWidget(title="Accuracy per epoch")
        self.acc_plot.setLabel("bottom", "epoch")
        self.acc_plot.addLegend(offset=(-10, 10))
        self.train_acc_curve = self.acc_plot.plot(pen=pg.mkPen((31, 119, 180), width=2), symbol="o", symbolSize=6,
                                                  name="train")
        self.val_acc_curve = self.acc_plot.plot(pen=pg.mkPen((255, 127, 14), width=2), symbol="s", symbolSize=6,
                                                name="validation")
        self.scores_plot = pg.PlotWidget(title="Class scores of the chosen image")
        self.bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7, brushes=[
            pg.mkBrush(*class_color(c)) for c in range(10)])
        self.scores_plot.addItem(self.bars)
        self.templates_view = TemplatesView()
        # one view holding all ten 32x32 templates on a 5 x 2 grid, each under its class name
        self.template_box = self.templates_view.addViewBox(lockAspect=True, enableMouse=False)
        self.template_box.invertY(True)  # image row 0 at the top, as pictures are shown
        self.template_items: list[pg.ImageItem] = []
        self.template_labels: list[pg.TextItem] = []
        for c in range(10):
            x, y = 40 * (c % 5), 46 * (c // 5)
            img = pg.ImageItem(axisOrder="row-major")
            img.cell = (x, y + 12)  # where setRect places it once it has an image
            label = pg.TextItem(f"class {c}", color="k", anchor=(0.5, 0.5))
            label.setPos(x + 16, y + 5)
            self.template_box.addItem(img)
            self.template_box.addItem(label)
            self.template_items.append(img)
            self.template_labels.append(label)
        self.template_box.setRange(xRange=(-2, 196), yRange=(-2, 92), padding=0)
        for widget, name in ((self.loss_plot, "linear loss"), (self.acc_plot, "linear accuracy"),
                             (self.scores_plot, "class scores"), (self.templates_view, "weight templates")):
            install_export_menu(widget, name)

        plots = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(self.loss_plot)
        top.addWidget(self.acc_plot)
        bottom = QHBoxLayout()
        bottom.addWidget(self.templates_view, 3)
        bottom.addWidget(self.scores_plot, 2)
        plots.addLayout(top, 1)
        plots.addLayout(bottom, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(side_widget)
        layout.addLayout(plots, 1)

        self.train_button.clicked.connect(self.train)
        self.stop_button.clicked.connect(self.stop)
        self.image_spin.valueChanged.connect(self._on_image_change)
        self.lr_spin.valueChanged.connect(self._on_lr_change)

    # ------------------------------------------------------------------ training
    @Slot()
    def train(self) -> None:
        """Load the chosen images (cached by the app), then start training on the worker."""
        source = self.source_combo.currentData()
        job = start_image_load(self.ctx, source, self.train_spin.value(),
                               500 if source == "builtin" else 1000, 0, self.status_label)
        if job is None:
            return
        self.stop()
        self.load_job = job
        job.finished.connect(self._on_loaded)
        job.errored.connect(self._on_error)

    @Slot(object)
    def _on_loaded(self, data) -> None:
        if data is None or self.sender() is not self.load_job:
            return
        self.start_training(data)

    def start_training(self, data) -> None:
        self.data = data
        self.iters, self.losses, self.epoch_rows = [], [], []
        self.image_spin.blockSignals(True)
        self.image_spin.setMaximum(len(data.y_val) - 1)
        self.image_spin.blockSignals(False)
        for c, label in enumerate(self.template_labels):
            label.setText(data.class_names[c] if c < data.num_classes else "", color="k")
        axis = self.scores_plot.getAxis("bottom")
        axis.setTicks([[(c, name[:5]) for c, name in enumerate(data.class_names)]])
        config = linear_image_config(self.loss_combo.currentData(), self.lr_spin.value(), self.reg_spin.value(),
                                     self.batch_spin.value())
        self.job = self.ctx.runner.submit(linear_images_job, data, config, self.image_spin.value(),
                                          epochs=float(self.epochs_spin.value()), merge=merge_image_snapshots,
                                          title="linear-images")
        self.job.yielded.connect(self._on_snapshot)
        self.job.errored.connect(self._on_error)
        self.stop_button.setEnabled(True)
        self.status_label.setText(f"Training on {len(data.y_train)} {data.name} images…")

    @Slot()
    def stop(self) -> None:
        if self.job is not None and self.job.is_running():
            self.job.cancel()
        self.stop_button.setEnabled(False)

    @Slot(int)
    def _on_image_change(self, index: int) -> None:
        if self.job is not None and self.job.is_running():
            self.job.send(("image", index))

    @Slot(float)
    def _on_lr_change(self, value: float) -> None:
        if self.job is not None and self.job.is_running():
            self.job.send(("lr", value))

    # ------------------------------------------------------------------ drawing
    @Slot(object)
    def _on_snapshot(self, snap: dict) -> None:
        if self.sender() is not self.job:
            return
        self.snap = snap
        for row in snap["rows"]:
            self.iters.append(row["iteration"])
            self.losses.append(row["loss"])
        self.epoch_rows.extend(snap["epochs"])
        self.loss_curve.setData(self.iters, self.losses)
        if self.epoch_rows:
            ep = [r["epoch"] for r in self.epoch_rows]
            self.train_acc_curve.setData(ep, [r["train_acc"] for r in self.epoch_rows])
            self.val_acc_curve.setData(ep, [r["val_acc"] for r in self.epoch_rows])
        self.templates_view.W, self.templates_view.b = snap["W"], snap["b"]
        self.templates_view.class_names = self.data.class_names
        for img_item, template in zip(self.template_items, snap["templates"]):
            img_item.setImage(template, autoLevels=False, levels=(0, 255))
            img_item.setRect(*img_item.cell, 32, 32)
        self.bars.setOpts(height=snap["image_scores"])
        d = self.data
        i = snap["image_index"]
        pred = int(np.argmax(snap["image_scores"]))
        self.image_label.setPixmap(rgb_pixmap(d.X_val[i], 4))
        self.image_label.setToolTip(d.class_names[int(d.y_val[i])])
        self.scores_plot.setTitle(f"Scores of image #{i}: true {d.class_names[int(d.y_val[i])]}, "
                                  f"highest {d.class_names[pred]}", size="9pt")
        last = self.epoch_rows[-1] if self.epoch_rows else None
        text = f"iteration {snap['iteration']} · epoch {snap['epoch']:.2f}"
        if self.losses:
            text += f" · loss {self.losses[-1]:.3f}"
        if last:
            text += f"\ntrain {100 * last['train_acc']:.1f}% · validation {100 * last['val_acc']:.1f}%"
        if snap["stopped"]:
            text += f"\nStopped: {snap['stopped']}"
        elif not snap["training"]:
            text += "\nDone. Pick other images to see their scores."
        self.status_label.setText(text)

    @Slot(str)
    def _on_error(self, message: str) -> None:
        self.status_label.setText(message)
        self.stop_button.setEnabled(False)

    def export_targets(self) -> dict:
        return {"linear loss": self.loss_plot, "linear accuracy": self.acc_plot,
                "weight templates": self.templates_view, "class scores": self.scores_plot}

    def shutdown(self) -> None:
        for job in (self.load_job, self.job):
            if job is not None:
                job.cancel()
