"""The teacher's menu items: View > Presentation mode (F5) and Full screen (F11), File > Save/Open setup.

    classroom = Classroom(window)          # before the window builds its menus
    classroom.add_file_actions(file_menu)  # Save setup… / Open setup…
    classroom.add_view_actions(view_menu)  # Presentation mode, Full screen
    classroom.lab_built(widget)            # each lab as the window builds it

Presentation mode scales every plot of every lab (``visualdl.ui.presentation``), the labs built so
far and each one built later while it is on, and collapses their control panels; the choice is kept
in the settings ("view/presentation") across launches. While it is on, the visible lab is scaled
again every PRESENTATION_REFRESH_MS so curves a lab adds later are legible too.

A setup is the visible lab's choices (``lab.setup_state()`` when the lab has it, else every control
of its form, ``visualdl.ui.form_state``) in the file format of ``visualdl.setups``. Opening one
switches to its lab and applies it whole (``lab.apply_setup(state)`` or ``apply_form_state``); a
newer, broken, foreign or mismatching file is refused with a message and changes nothing.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu

from visualdl.setups import SetupError, read_setup, save_setup
from visualdl.ui.form_state import FormStateError, apply_form_state, form_state
from visualdl.ui.presentation import apply_presentation

PRESENTATION_KEY = "view/presentation"
PRESENTATION_REFRESH_MS = 1500
SETUP_FILTER = "VisualDL setup (*.json);;All files (*)"


class Classroom(QObject):
    """Presentation mode, full screen and shareable setups for a MainWindow (lab(), show_lab(), specs)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.presentation_action: QAction | None = None
        self.full_screen_action: QAction | None = None
        self._refresh = QTimer(self)
        self._refresh.setInterval(PRESENTATION_REFRESH_MS)
        self._refresh.timeout.connect(self._on_refresh_timeout)

    # ------------------------------------------------------------------ menus
    def _action(self, menu: QMenu, text: str, slot, shortcut: str = "", tip: str = "",
                checkable: bool = False, on_trigger: bool = False) -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            action.setStatusTip(tip)
        action.setCheckable(checkable)
        (action.toggled if checkable and not on_trigger else action.triggered).connect(slot)
        menu.addAction(action)
        return action

    def add_file_actions(self, menu: QMenu) -> None:
        self._action(menu, "Save setup…", self.save_setup_dialog, "",
                     "Save this lab's choices (data, model, hyperparameters, seed) to hand to students")
        self._action(menu, "Open setup…", self.open_setup_dialog, "",
                     "Open a setup file: its lab with the same choices")

    def add_view_actions(self, menu: QMenu) -> None:
        self.presentation_action = self._action(
            menu, "Presentation mode", self._on_presentation_toggled, "F5",
            "Large fonts, thick lines and no side controls: for a projector", checkable=True)
        self.full_screen_action = self._action(menu, "Full screen", self._on_full_screen_triggered, "F11",
                                               checkable=True, on_trigger=True)
        self.view_menu = menu
        menu.aboutToShow.connect(self._on_view_menu_show)
        if bool(self.window.ctx.settings.get(PRESENTATION_KEY, False)):
            self.presentation_action.setChecked(True)  # labs built later are scaled in lab_built

    # ------------------------------------------------------------------ presentation
    def presenting(self) -> bool:
        return self.presentation_action is not None and self.presentation_action.isChecked()

    def lab_built(self, widget) -> None:
        if self.presenting():
            apply_presentation(widget, True)

    def lab_shown(self, widget) -> None:
        """Scale again what the lab drew while it was hidden."""
        if self.presenting() and widget is not None:
            apply_presentation(widget, True)

    @Slot(bool)
    def _on_presentation_toggled(self, on: bool) -> None:
        for widget in self.window.labs.values():
            apply_presentation(widget, on)
        self.window.ctx.settings.set(PRESENTATION_KEY, bool(on))
        if on:
            self._refresh.start()
        else:
            self._refresh.stop()
        self.window.ctx.status("Presentation mode: on (F5 to leave)" if on else "Presentation mode: off")

    @Slot()
    def _on_refresh_timeout(self) -> None:
        lab = self.window.current_lab()
        if lab is not None and self.window.isVisible():
            apply_presentation(lab, True)

    @Slot()
    def _on_full_screen_triggered(self) -> None:
        # by the window's real state: the window manager may have left full screen without F11
        if self.window.isFullScreen():
            self.window.showNormal()
        else:
            self.window.showFullScreen()
        self.full_screen_action.setChecked(self.window.isFullScreen())

    @Slot()
    def _on_view_menu_show(self) -> None:
        self.full_screen_action.setChecked(self.window.isFullScreen())

    # ------------------------------------------------------------------ setups
    def _current_key(self) -> str | None:
        lab = self.window.current_lab()
        return next((k for k, w in self.window.labs.items() if w is lab), None) if lab is not None else None

    @Slot()
    def save_setup_dialog(self) -> None:
        key = self._current_key()
        if key is None:
            return self.window.show_error("Open a lab first: a setup holds one lab's choices.")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save setup", str(Path.home() / f"{key}-setup.json"),
                                              SETUP_FILTER)
        if path:
            if not Path(path).suffix:
                path += ".json"
            self.save_setup(path)

    def save_setup(self, path) -> Path | None:
        key = self._current_key()
        lab = self.window.labs[key]
        try:
            state = lab.setup_state() if hasattr(lab, "setup_state") else form_state(lab)
            written = save_setup(path, key, state)
        except SetupError as exc:
            self.window.show_error(f"Could not save the setup: {exc}")
            return None
        except OSError as exc:
            self.window.show_error(f"Could not save the setup to {path}: {exc.strerror or exc}")
            return None
        self.window.ctx.status(f"Saved this lab's setup to {written}")
        return written

    @Slot()
    def open_setup_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open setup", str(Path.home()), SETUP_FILTER)
        if path:
            self.open_setup(path)

    def open_setup(self, path) -> bool:
        """Switch to the setup's lab and apply it whole; False (and a message) when it is refused."""
        keys = [spec.key for spec in self.window.specs]
        try:
            key, state = read_setup(path, known_labs=keys)
        except SetupError as exc:
            self.window.show_error(f"Setup refused: {exc}")
            return False
        self.window.show_lab(key)
        lab = self.window.lab(key)
        try:
            if hasattr(lab, "apply_setup"):
                lab.apply_setup(state)
            else:
                apply_form_state(lab, state)
        except (FormStateError, SetupError, ValueError, TypeError, KeyError) as exc:
            self.window.show_error(f"Setup refused: {path}: {exc}. Nothing was changed.")
            return False
        self.window.ctx.status(f"Opened the setup {Path(path).name}")
        return True
