"""Lab 1: nearest neighbours.

Three pages:
    Decision regions   toy 2D data over kNN regions (k, L1/L2, ties) next to a linear classifier's;
                       click to add points, Shift+click to remove; split control
    Choosing k         k-fold cross-validation over a list of k, then the test set once
    Images             the k nearest training images of a test image and the vote; the
                       pixel-distance demo (shifted, tinted, occluded copies)
    Curse of dim.      p^d grid points; distance concentration against d; kNN's test time
                       against the training-set size next to a linear classifier's
"""
from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from visualdl.labs.knn.curse import CursePage
from visualdl.labs.knn.cv import KnnCvPage
from visualdl.labs.knn.images import KnnImagesPage
from visualdl.labs.knn.regions import KnnRegionsPage


class KnnLab(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.tabs = QTabWidget()
        # the CV page must exist before the regions page loads its first data
        self.cv_page = KnnCvPage(ctx)
        self.images_page = KnnImagesPage(ctx)
        self.regions_page = KnnRegionsPage(ctx)
        self.regions_page.data_changed.connect(self._on_data_change)
        self.images_page.data_changed.connect(self._on_images_change)
        self.cv_page.source_combo.currentIndexChanged.connect(self._on_cv_source_change)
        if self.regions_page.data is not None:
            self.cv_page.set_data(self.regions_page.data)
        self.tabs.addTab(self.regions_page, "Decision regions")
        self.tabs.addTab(self.cv_page, "Choosing k (cross-validation)")
        self.tabs.addTab(self.images_page, "Images")
        self.curse_page = CursePage(ctx)
        self.tabs.addTab(self.curse_page, "Curse of dimensionality")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.tabs.currentChanged.connect(self._on_tab_change)

    @Slot(object)
    def _on_data_change(self, data) -> None:
        self.cv_page.set_data(data)

    @Slot(object)
    def _on_images_change(self, data) -> None:
        self.cv_page.set_data(data, "images")

    @Slot(int)
    def _on_cv_source_change(self, _index: int) -> None:
        self._on_tab_change(self.tabs.currentIndex())

    @Slot(int)
    def _on_tab_change(self, index: int) -> None:
        # images are loaded when first needed, never at start-up
        wants_images = self.tabs.widget(index) is self.images_page or (
            self.tabs.widget(index) is self.cv_page and self.cv_page.source_combo.currentData() == "images")
        if wants_images and self.images_page.data is None and not self.images_page.loading():
            self.images_page.load()

    def export_targets(self) -> dict:
        targets = {}
        for page in (self.regions_page, self.cv_page, self.images_page, self.curse_page):
            targets.update(page.export_targets())
        return targets

    def shutdown(self) -> None:
        for page in (self.regions_page, self.cv_page, self.images_page, self.curse_page):
            page.shutdown()  # cancels their jobs; the window's ctx.shutdown() then joins the threads
