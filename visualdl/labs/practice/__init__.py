"""Lab 7, training practice: the training dashboard (free-form tab) with the babysitting checklist
beside it, and one tab per practice of the course, each an experiment a student runs in one click.

The checklist opens from the "Babysitting checklist" button at the right end of the tab row, as a
panel below it: the dashboard alone needs ~990 px of width while training (its status line grows),
which leaves no room for a permanent column at 1280 x 800.

    PracticeLab(ctx)         QTabWidget: Dashboard | Preprocessing | Activations | Initialization |
                             Batch norm | Learning rate | Overfitting | Confusion | Layer monitor
    export_targets()         the dashboard's plots plus every experiment's, prefixed by its tab
    shutdown()               forwarded to the dashboard and every experiment
Keyboard commands and sessions of the main window (toggle_play, step_once, reset_run, save_session,
load_session, export_history) go to the dashboard.
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Slot
from PySide6.QtWidgets import QTabWidget, QToolButton, QWidget

from visualdl.labs.practice.checklist import Checklist
from visualdl.labs.training import TrainingLab  # the dashboard: its module may move (one import to update)

# tab key -> (module, class) of each experiment, in the course's order
EXPERIMENTS = [
    ("preprocess", "visualdl.labs.practice.preprocess_tab", "PreprocessPage"),
    ("activations", "visualdl.labs.practice.activation_tab", "ActivationPage"),
    ("init", "visualdl.labs.practice.init_tab", "InitPage"),
    ("batchnorm", "visualdl.labs.practice.batchnorm_tab", "BatchNormPage"),
    ("lr", "visualdl.labs.practice.lr_tab", "LearningRatePage"),
    ("overfit", "visualdl.labs.practice.overfit_tab", "OverfitPage"),
    ("confusion", "visualdl.labs.practice.confusion_tab", "ConfusionPage"),
    ("monitor", "visualdl.labs.practice.monitor_tab", "MonitorPage"),
]
_FORWARDED = ("toggle_play", "step_once", "reset_run", "save_session", "load_session", "export_history", "play")


class PracticeLab(QTabWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        import importlib

        self.ctx = ctx
        self.dashboard = TrainingLab(ctx)
        self.addTab(self.dashboard, "Dashboard")
        self.checklist = Checklist(self)
        self.checklist.setWindowFlags(Qt.WindowType.Popup)
        self.checklist_button = QToolButton()
        self.checklist_button.setText("Babysitting checklist ▾")
        self.checklist_button.setToolTip("The course's order: preprocess, architecture, initialization, "
                                         "learning rate; then augmentation, batch norm, dropout")
        self.checklist_button.clicked.connect(self.show_checklist)
        self.setCornerWidget(self.checklist_button, Qt.Corner.TopRightCorner)
        self.pages: dict[str, QWidget] = {}
        for key, module, cls in EXPERIMENTS:
            page = getattr(importlib.import_module(module), cls)(ctx)
            self.pages[key] = page
            self.addTab(page, page.title)
        self.pages["preprocess"].dashboard = self.dashboard  # "the data being trained" view
        self.checklist.open_requested.connect(self.show_experiment)
        self.currentChanged.connect(self._on_tab_changed)

    def __getattr__(self, name):
        # the main window's keyboard commands and sessions, and the dashboard's attributes for old callers
        if name in _FORWARDED:
            return getattr(self.__dict__.get("dashboard") or super().__getattribute__("dashboard"), name)
        raise AttributeError(name)

    @Slot()
    def show_checklist(self) -> None:
        """The checklist as a panel under the button (a click outside closes it; ticks are kept)."""
        b = self.checklist_button
        self.checklist.adjustSize()
        corner = b.mapToGlobal(QPoint(b.width(), b.height()))
        self.checklist.move(corner.x() - self.checklist.width(), corner.y())
        self.checklist.show()

    @Slot(str)
    def show_experiment(self, key: str) -> None:
        self.checklist.hide()
        self.setCurrentWidget(self.pages[key])

    @Slot(int)
    def _on_tab_changed(self, index: int) -> None:
        page = self.widget(index)
        first_show = getattr(page, "first_show", None)
        if first_show is not None:
            first_show()

    def export_targets(self) -> dict:
        out = {}
        dash = getattr(self.dashboard, "export_targets", None)
        if dash is not None:
            out.update(dash())
        for key, page in self.pages.items():
            for name, target in page.export_targets().items():
                out[f"{page.title} - {name}"] = target
        return out

    def shutdown(self) -> None:
        for page in self.pages.values():
            page.shutdown()
        fn = getattr(self.dashboard, "shutdown", None)
        if fn is not None:
            fn()
