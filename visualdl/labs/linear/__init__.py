"""Lab 2: the linear classifier.

Three pages:
    2D classifier        3 classes of points, regions and the lines w·x + b = 0 with arrows;
                         W and b editable with their gradients; per-point scores and loss;
                         SVM or softmax; step, run, re-randomize, step size, L2 strength
    Worked example       the course's 4-pixel image, and softmax / SVM loss calculators
    Images               train on the built-in images or CIFAR-10: live curves, the 10
                         weight templates, a chosen image's class scores
The app's Space / Right / R shortcuts drive the 2D classifier (run, step, re-randomize).
"""
from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from visualdl.labs.linear.calc import LinearCalcPage
from visualdl.labs.linear.images import LinearImagesPage
from visualdl.labs.linear.page_2d import Linear2DPage


class LinearLab(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.page_2d = Linear2DPage(ctx)
        self.calc_page = LinearCalcPage(ctx)
        self.images_page = LinearImagesPage(ctx)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.page_2d, "2D classifier")
        self.tabs.addTab(self.calc_page, "Worked example and loss calculators")
        self.tabs.addTab(self.images_page, "Images: weight templates")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    # the main window's Run menu / shortcuts
    def toggle_play(self) -> None:
        self.page_2d.toggle_run()

    def step_once(self) -> None:
        self.page_2d.step_once()

    def reset_run(self) -> None:
        self.page_2d.randomize()

    def export_targets(self) -> dict:
        targets = {}
        for page in (self.page_2d, self.calc_page, self.images_page):
            targets.update(page.export_targets())
        return targets

    def shutdown(self) -> None:
        for page in (self.page_2d, self.calc_page, self.images_page):
            page.shutdown()  # cancels their jobs; the window's ctx.shutdown() then joins the threads
