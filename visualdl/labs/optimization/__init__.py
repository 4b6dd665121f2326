"""Lab 3: loss functions, regularization and optimization.

Three tabs: the optimizer race on loss surfaces (``race_page``), loss functions and the data
loss as a mean of per-example losses (``loss_page``), regularization on a 2-weight model
(``reg_page``). All numbers come from ``visualdl.engine.optimization``.
"""
from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from visualdl.engine.optimization.presets import PRESETS
from visualdl.labs.common.widgets import select
from visualdl.labs.optimization.loss_page import LossPage
from visualdl.labs.optimization.race_page import RacePage
from visualdl.labs.optimization.reg_page import RegPage


class OptimizationLab(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.tabs = QTabWidget()
        self.race_page = RacePage(ctx)
        self.tabs.addTab(self.race_page, "Optimizer race")
        self.loss_page = LossPage()
        self.tabs.addTab(self.loss_page, "Loss functions")
        self.reg_page = RegPage(ctx)
        self.tabs.addTab(self.reg_page, "Regularization")
        self.pages = [self.race_page, self.loss_page, self.reg_page]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    # the main window's Space / Right / R go to the race
    def toggle_play(self) -> None:
        self.tabs.setCurrentWidget(self.race_page)
        self.race_page.toggle_play()

    def step_once(self) -> None:
        self.tabs.setCurrentWidget(self.race_page)
        self.race_page.step_once()

    def reset_run(self) -> None:
        self.tabs.setCurrentWidget(self.race_page)
        self.race_page.reset_run()

    # `visualdl figures --preset NAME`: the race's course presets (then --steps N runs it)
    def figure_presets(self) -> list[str]:
        return list(PRESETS)

    def apply_figure_preset(self, name: str) -> None:
        if name not in PRESETS:
            raise ValueError(f"no preset {name!r}; presets: {', '.join(PRESETS)}")
        self.tabs.setCurrentWidget(self.race_page)
        select(self.race_page.panel.preset, name)

    def export_targets(self) -> dict:
        targets = {}
        for page in self.pages:
            targets.update(page.export_targets())
        return targets

    def shutdown(self) -> None:
        for page in self.pages:
            page.shutdown()
