"""Lab 6: convolutional networks.

Tabs:
    Conv arithmetic        output size and parameter count as you type; the filter sliding over a
                           padded input step by step with the dot product written out; course cases
    Layer shapes           describe_stack for the course stack, the app's CNNs (checked against the
                           real network), LeNet-5 and AlexNet
    Pooling                the course's 4x4 example, max and average, editable; a real feature map pooled
    Filters on an image    hand-made kernels on a built-in or CIFAR-10 image, before and after ReLU
    Why CNNs won           ImageNet top-5 error by year, with sources
    Live training          (when visualdl.labs.cnn.live is present) a CNN training with its filters
                           and feature maps
"""
from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from visualdl.labs.cnn.arith_tab import COURSE_CASES, ConvArithTab
from visualdl.labs.cnn.filters_tab import FiltersTab
from visualdl.labs.cnn.imagenet_tab import ImagenetTab
from visualdl.labs.cnn.pool_tab import PoolTab
from visualdl.labs.cnn.stack_tab import StackTab
from visualdl.ui.export import slug



LIVE_MODULE = "visualdl.labs.cnn.live"


def live_tab_class():
    """(LiveCnnTab from visualdl.labs.cnn.live or None, why it is missing or "").

    An absent module means no live tab; a module that fails to import is reported, not hidden."""
    try:
        from visualdl.labs.cnn.live import LiveCnnTab
    except ImportError as exc:
        if isinstance(exc, ModuleNotFoundError) and exc.name == LIVE_MODULE:
            return None, ""
        return None, f"The live-training tab could not be loaded: {exc}"
    return LiveCnnTab, ""


class CnnLab(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.tabs = QTabWidget()
        self.arith_tab = ConvArithTab(ctx)
        self.stack_tab = StackTab(ctx)
        self.pool_tab = PoolTab(ctx)
        self.filters_tab = FiltersTab(ctx)
        self.imagenet_tab = ImagenetTab(ctx)
        self.filters_tab.feature_map_changed.connect(self.pool_tab.set_feature_map)
        self.pages = [self.arith_tab, self.stack_tab, self.pool_tab, self.filters_tab, self.imagenet_tab]
        self.tabs.addTab(self.arith_tab, "Conv arithmetic")
        self.tabs.addTab(self.stack_tab, "Layer shapes")
        self.tabs.addTab(self.pool_tab, "Pooling")
        self.tabs.addTab(self.filters_tab, "Filters on an image")
        self.tabs.addTab(self.imagenet_tab, "Why CNNs won")
        self.live_tab = None
        live_cls, why = live_tab_class()
        if live_cls is not None:
            self.live_tab = live_cls(ctx)
            self.pages.append(self.live_tab)
            self.tabs.addTab(self.live_tab, "Live training")
        elif why:
            message = QLabel(why)
            message.setWordWrap(True)
            self.tabs.addTab(message, "Live training")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.tabs.currentChanged.connect(self._on_tab_change)

    @Slot(int)
    def _on_tab_change(self, index: int) -> None:
        # images are loaded when a page that shows them is first opened, never at start-up
        if self.tabs.widget(index) in (self.pool_tab, self.filters_tab):
            self.filters_tab.ensure_loaded()

    # Run menu (Space, Right/N, R): the current tab's animation or training, when it has one
    def _run(self, method: str) -> None:
        fn = getattr(self.tabs.currentWidget(), method, None)
        if fn is None:
            self.ctx.status("This tab has nothing to run: Step and Play are on 'Conv arithmetic'.", source=self)
            return
        fn()

    def toggle_play(self) -> None:
        self._run("toggle_play")

    def step_once(self) -> None:
        self._run("step_once")

    def reset_run(self) -> None:
        self._run("reset_run")

    # `visualdl figures --preset NAME`: the course cases of "Conv arithmetic" (then --steps N slides the filter)
    def figure_presets(self) -> list[str]:
        return [slug(case[0]) for case in COURSE_CASES]

    def apply_figure_preset(self, name: str) -> None:
        cases = {slug(case[0]): case[0] for case in COURSE_CASES}
        if name not in cases:
            raise ValueError(f"no preset {name!r}; presets: {', '.join(cases)}")
        self.tabs.setCurrentWidget(self.arith_tab)
        self.arith_tab.case_buttons[cases[name]].click()

    def export_targets(self) -> dict:
        targets = {}
        for page in self.pages:
            if hasattr(page, "export_targets"):
                targets.update(page.export_targets())
        return targets

    def shutdown(self) -> None:
        for page in self.pages:
            if hasattr(page, "shutdown"):
                page.shutdown()
