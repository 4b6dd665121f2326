"""Lab 1, page 3: nearest neighbours of real images, and why pixel distance misleads.

Pick a test image of the built-in set or CIFAR-10: the worker finds its k
nearest training images (L1 or L2 on raw pixels); the page shows them with
their distances and labels and the vote. Below, the same test image shifted,
tinted and occluded, with each copy's L2 distance to the original.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QScrollArea,
                               QVBoxLayout, QWidget)

from visualdl.labs.common.widgets import combo, guard_wheel_in, spin
from visualdl.labs.common.image_source import held_out_size, image_source_combo, start_image_load
from visualdl.labs.knn.jobs import image_neighbors_job, pixel_demo_job
from visualdl.labs.common.plots import ClassLegend, class_color, rgb_pixmap, write_csv
from visualdl.ui.export import install_export_menu
from visualdl.ui.presentation import controls_panel
from visualdl.ui.worker import LatestJob

MAX_NEIGHBORS = 20


class ImageTile(QWidget):
    """One image with a caption under it."""

    def __init__(self, scale: int = 3, parent=None):
        super().__init__(parent)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel()
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scale = scale
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.picture)
        layout.addWidget(self.caption)

    def show_image(self, img, caption: str, color=None) -> None:
        pixmap = rgb_pixmap(img, self.scale)
        self.picture.setPixmap(pixmap)
        self.caption.setText(caption)
        if color is not None:  # a frame in the label's class colour, hugging the picture
            self.picture.setStyleSheet(f"border: 3px solid rgb{tuple(color)};")
            self.picture.setFixedSize(pixmap.width() + 6, pixmap.height() + 6)


class NeighborPanel(QWidget):
    """The query image, its neighbours and the vote; exportable (PNG/SVG as drawn, CSV as a table)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.query_tile = ImageTile(scale=4)
        self.vote_label = QLabel("")
        self.vote_label.setWordWrap(True)
        self.grid = QGridLayout()
        self.tiles = [ImageTile(scale=2) for _ in range(MAX_NEIGHBORS)]
        for i, tile in enumerate(self.tiles):
            self.grid.addWidget(tile, i // 10, i % 10)
            tile.hide()
        left = QVBoxLayout()
        left.addWidget(self.query_tile)
        left.addWidget(self.vote_label)
        left.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(self.grid, 1)
        self.rows: list[tuple] = []

    def show_result(self, query, query_caption, images, labels, distances, class_names, vote_text) -> None:
        self.query_tile.show_image(query, query_caption)
        self.vote_label.setText(vote_text)
        self.rows = []
        for i, tile in enumerate(self.tiles):
            if i < len(images):
                name = class_names[int(labels[i])]
                tile.show_image(images[i], f"{i + 1}. {name}\nd = {distances[i]:.0f}", class_color(int(labels[i])))
                tile.show()
                self.rows.append((i + 1, name, float(distances[i])))
            else:
                tile.hide()

    def export_csv(self, path) -> None:
        write_csv(path, ["rank", "label", "distance"], self.rows)


class PixelDemoBox(QGroupBox):
    """The four images of the pixel-distance demo; CSV: each copy's edit and L2 distance."""

    def __init__(self, title: str, parent=None):
        super().__init__(title, parent)
        self.items: list[dict] = []

    def export_csv(self, path) -> None:
        write_csv(path, ["image", "edit", "l2_distance"],
                  [(it["name"], it["param"], repr(it["distance"])) for it in self.items])


class KnnImagesPage(QWidget):
    data_changed = Signal(object)  # DataSplits of images

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.data = None
        self.load_job = LatestJob()
        self.job = LatestJob()
        self.demo_job = LatestJob()
        self.neighbors: dict | None = None
        self.demo: list | None = None
        self._build()

    def _build(self) -> None:
        box = QGroupBox("Images")
        form = QFormLayout(box)
        self.source_combo = image_source_combo()
        self.train_spin = spin(100, 49000, 5000, step=1000)
        self.load_button = QPushButton("Load")
        self.index_spin = spin(0, 0, 0)
        self.random_button = QPushButton("Random test image")
        self.k_spin = spin(1, MAX_NEIGHBORS, 5)
        self.metric_combo = combo([("l2", "L2 (Euclidean)"), ("l1", "L1 (Manhattan)")])
        form.addRow("Source", self.source_combo)
        form.addRow("Training images", self.train_spin)
        form.addRow(self.load_button)
        form.addRow("Test image #", self.index_spin)
        form.addRow(self.random_button)
        form.addRow("k", self.k_spin)
        form.addRow("Distance", self.metric_combo)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        side = QVBoxLayout()
        side.addWidget(box)
        side.addWidget(self.status_label)
        side.addStretch(1)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setFixedWidth(270)

        self.panel = NeighborPanel()
        install_export_menu(self.panel, "nearest images")
        demo_box = PixelDemoBox("Why pixel distance misleads: same picture to us, far apart in L2")
        demo_layout = QHBoxLayout(demo_box)
        self.demo_tiles = [ImageTile(scale=3) for _ in range(4)]
        for tile in self.demo_tiles:
            demo_layout.addWidget(tile)
        self.demo_note = QLabel("")
        self.demo_note.setWordWrap(True)
        demo_layout.addWidget(self.demo_note, 1)
        self.demo_box = demo_box
        install_export_menu(self.demo_box, "pixel distance")

        content = QWidget()
        right = QVBoxLayout(content)
        right.addWidget(self.panel)
        self.class_legend = ClassLegend()  # the neighbours' frame colours
        right.addWidget(self.class_legend)
        right.addWidget(demo_box)
        right.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)

        layout = QHBoxLayout(self)
        layout.addWidget(controls_panel(side_widget))
        layout.addWidget(scroll, 1)
        guard_wheel_in(self)

        self.load_button.clicked.connect(self.load)
        self.index_spin.valueChanged.connect(self._on_query_change)
        self.k_spin.valueChanged.connect(self._on_query_change)
        self.metric_combo.currentIndexChanged.connect(self._on_query_change)
        self.random_button.clicked.connect(self._on_random_clicked)

    # ------------------------------------------------------------------ data
    @Slot()
    def load(self) -> None:
        source = self.source_combo.currentData()
        start_image_load(self.ctx, source, self.train_spin.value(), 0, held_out_size(source), self.status_label,
                         self.load_job, self._on_loaded, self._on_error)

    @Slot(object)
    def _on_loaded(self, data) -> None:
        if data is None or not self.load_job.is_current(self.sender()):
            return
        self.set_data(data)

    def loading(self) -> bool:
        return self.load_job.is_running()

    def set_data(self, data) -> None:
        self.data = data
        self.data_changed.emit(data)
        self.class_legend.set_classes(data.class_names)
        self.status_label.setText(f"{data.name}: {len(data.y_train)} training images, {len(data.y_test)} test images.")
        self.index_spin.blockSignals(True)
        self.index_spin.setMaximum(len(data.y_test) - 1)
        self.index_spin.blockSignals(False)
        self.refresh()

    @Slot()
    def _on_random_clicked(self) -> None:
        if self.data is not None:
            self.index_spin.setValue(int(np.random.default_rng().integers(len(self.data.y_test))))

    @Slot()
    def _on_query_change(self, *_args) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Find the current test image's neighbours and redo the pixel demo (both on the worker)."""
        if self.data is None:
            return
        d = self.data
        image = d.X_test[self.index_spin.value()]
        self.job.start(self.ctx.runner.submit(image_neighbors_job, d.X_train, d.y_train, image, self.k_spin.value(),
                                          self.metric_combo.currentData(), title="knn-images"))
        self.job.job.finished.connect(self._on_neighbors_done)
        self.job.job.errored.connect(self._on_error)
        self.demo_job.start(self.ctx.runner.submit(pixel_demo_job, image, d.X_train, d.y_train,
                                               int(d.y_test[self.index_spin.value()]), title="pixel-demo"))
        self.demo_job.job.finished.connect(self._on_demo_done)
        self.demo_job.job.errored.connect(self._on_error)

    @Slot(object)
    def _on_neighbors_done(self, result) -> None:
        if result is None or not self.job.is_current(self.sender()):
            return
        self.neighbors = result
        d = self.data
        names = d.class_names
        i = self.index_spin.value()
        true = int(d.y_test[i])
        votes = result["votes"]
        vote_parts = [f"{names[c]} {int(v)}" for c, v in sorted(enumerate(votes), key=lambda cv: -cv[1]) if v > 0]
        pred = result["prediction"]
        verdict = "right" if pred == true else "wrong"
        text = (f"Vote of {len(result['labels'])} ({result['metric'].upper()}): " + ", ".join(vote_parts) +
                f"\n→ predicted {names[pred]} ({verdict}; true: {names[true]})" +
                ("\nTied vote: the smallest class index wins." if result["tied"] else ""))
        self.panel.show_result(d.X_test[i], f"test #{i}: {names[true]}", d.X_train[result["indices"]],
                               result["labels"], result["distances"], names, text)

    @Slot(object)
    def _on_demo_done(self, result) -> None:
        if result is None or not self.demo_job.is_current(self.sender()):
            return
        self.demo = result
        items = result["items"]
        self.demo_box.items = items
        for tile, item in zip(self.demo_tiles, items):
            caption = item["name"] if item["name"] == "original" else \
                f"{item['name']} ({item['param']})\nL2 = {item['distance']:.0f}"
            tile.show_image(item["image"], caption)
        dists = [it["distance"] for it in items[1:]]
        if max(dists) <= 1.3 * min(dists):
            note = (f"The three copies show the same thing to us and sit at about the same L2 distance "
                    f"(~{np.mean(dists):.0f}) from the original")
        else:
            note = ("The three copies show the same thing to us, yet their L2 distances are "
                    + ", ".join(f"{d:.0f}" for d in dists) + " (a shift moves every stripe and edge)")
        note += ": raw-pixel distance measures colour and position, not content."
        if result["n"]:
            note += (f"\nThe nearest training image is {result['nearest_train']:.0f} away. "
                     f"{result['closer']} of the {result['n']} training images are closer to the original "
                     f"than the farthest copy ({result['farthest_edit']:.0f}); "
                     f"{result['closer_other']} of them show another class.")
        self.demo_note.setText(note)

    @Slot(str)
    def _on_error(self, message: str) -> None:
        self.status_label.setText(message)

    def export_targets(self) -> dict:
        return {"nearest images": self.panel, "pixel distance": self.demo_box}

    def shutdown(self) -> None:
        for slot in (self.load_job, self.job, self.demo_job):
            slot.cancel()
