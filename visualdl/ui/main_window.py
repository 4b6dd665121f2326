"""The main window: the course's labs listed in order, one page per lab, menus, status bar.

The window imports no lab: the composition root (``visualdl.ui.app``) hands it the registry's
specs (``visualdl.labs.registered_labs()``: key, number, title, load(), default, has_sessions), and
each lab is built on first view. The window forwards the run keys (Space, Right/N, R) and File
actions to the current lab through the protocols of ``visualdl.ui.lab`` (Lab, RunControls, Sessions).
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QApplication, QFileDialog, QLabel, QListWidget, QListWidgetItem, QMainWindow,
                               QMenu, QMessageBox, QProgressBar, QPushButton, QSplitter, QStackedWidget, QWidget)

from visualdl.ui import export as exporting
from visualdl.ui.classroom import Classroom
from visualdl.ui.context import AppContext, download_cifar_job, open_cifar_job
from visualdl.ui.help import about_html, help_box, shortcuts_html
from visualdl.ui.lab import RunControls, Sessions, Stops
from visualdl.ui.run_keys import RunKeys
from visualdl.ui.window_exports import WindowExports
from visualdl.ui.worker import Job, LatestJob

class MainWindow(WindowExports, QMainWindow):
    def __init__(self, ctx: AppContext, labs: list, start_lab: str | None = None):
        """labs: the lab specs in course order (key, number, title, load(), default, has_sessions)."""
        super().__init__()
        self.ctx = ctx
        self.setWindowTitle("VisualDL — see deep learning work")
        self.specs = list(labs)
        self._session_key: str | None = None  # the lab with sessions the student used last
        self.labs: dict[str, QWidget] = {}
        self.last_error: str | None = None
        self._error_box: QMessageBox | None = None
        self._tracked: list[tuple[Job, str]] = []
        self._cifar_open = LatestJob()
        self._export: exporting.AllPlotsExport | None = None  # File > Export all plots, while it runs

        self.lab_list = QListWidget()
        self.lab_list.setMinimumWidth(160)
        self.lab_list.setMaximumWidth(220)
        for spec in self.specs:
            item = QListWidgetItem(f"{spec.number}. {spec.title}")
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            self.lab_list.addItem(item)
        self.pages = QStackedWidget()
        self._placeholder = QLabel("No labs are registered yet." if not self.specs else "")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages.addWidget(self._placeholder)
        splitter = QSplitter()
        splitter.addWidget(self.lab_list)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([200, 1080])
        self.setCentralWidget(splitter)
        self._build_status_bar()
        self.classroom = Classroom(self)  # presentation mode, full screen, setups
        self._build_menus()

        self.lab_list.currentRowChanged.connect(self._on_lab_row_change)
        ctx.status_message.connect(self._on_status_message)
        ctx.job_tracked.connect(self._on_job_tracked)

        geometry = ctx.settings.get_bytes("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        keys = [s.key for s in self.specs]
        # First launch: the lab marked default (else the course's first); later: the lab left open.
        default = next((s.key for s in self.specs if s.default), keys[0] if keys else None)
        wanted = start_lab or ctx.settings.get("window/lab") or default
        QApplication.instance().installEventFilter(self._run_keys)
        if self.specs:
            self.lab_list.setCurrentRow(keys.index(wanted) if wanted in keys else keys.index(default))

    # ------------------------------------------------------------------ building
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress_label = QLabel()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        for w in (self.progress_label, self.progress, self.cancel_button):
            w.hide()
            bar.addPermanentWidget(w)

    def _action(self, menu: QMenu, text: str, slot, shortcuts=(), tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcuts:
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "Open CIFAR-10 archive…", self.open_cifar_archive, ["Ctrl+O"],
                     "Use a cifar-10-python.tar.gz you already have")
        self._action(file_menu, "Open CIFAR-10 folder…", self.open_cifar_folder, [],
                     "Use an extracted cifar-10-batches-py folder")
        self._action(file_menu, "Download CIFAR-10…", self.download_cifar, [],
                     "Download the 163 MB archive (cancellable)")
        file_menu.addSeparator()
        self._action(file_menu, "Save session…", self.save_session_dialog, ["Ctrl+S"])
        self._action(file_menu, "Load session…", self.load_session_dialog, ["Ctrl+L"])
        self.classroom.add_file_actions(file_menu)
        file_menu.addSeparator()
        self.export_menu = file_menu.addMenu("Export plot")
        self.export_menu.aboutToShow.connect(self._on_export_menu_show)
        self._action(file_menu, "Export all plots…", self.export_all_dialog, ["Ctrl+E"],
                     "Write every plot of this lab as PNG, SVG and CSV into a folder")
        self._action(file_menu, "Export run history…", self.export_history_dialog, [],
                     "The training history as CSV or JSON")
        file_menu.addSeparator()
        self._action(file_menu, "Quit", self.close, ["Ctrl+Q"])

        run_menu = bar.addMenu("&Run")
        self.play_action = self._action(run_menu, "Play / pause", self._on_play_triggered, ["Space"])
        self.step_action = self._action(run_menu, "Step", self._on_step_triggered, ["Right", "N"])
        self.reset_action = self._action(run_menu, "Reset", self._on_reset_triggered, ["R"])

        view_menu = bar.addMenu("&View")
        toggle = self._action(view_menu, "Show lab list", self._on_toggle_list, ["Ctrl+B"])
        toggle.setCheckable(True)
        toggle.setChecked(True)
        self.classroom.add_view_actions(view_menu)
        view_menu.addSeparator()
        for i, spec in enumerate(self.specs):
            action = self._action(view_menu, f"{spec.number}. {spec.title}", self._on_jump_triggered,
                                  [f"Ctrl+{spec.number}"] if spec.number <= 9 else [])
            action.setData(i)

        # Ctrl+N for a course part that has no lab yet says so instead of doing nothing.
        present = {spec.number for spec in self.specs}
        self.missing_lab_actions = []
        for number in range(1, 10):
            if number not in present:
                action = QAction(f"Lab {number}", self)
                action.setShortcut(QKeySequence(f"Ctrl+{number}"))
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
                action.setData(number)
                action.triggered.connect(self._on_missing_lab_triggered)
                self.addAction(action)
                self.missing_lab_actions.append(action)
        self._run_keys = RunKeys(self)

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "Keyboard shortcuts", self.show_shortcuts, ["F1"])
        self._action(help_menu, "About VisualDL", self.show_about)

    # ------------------------------------------------------------------ labs
    def current_lab(self) -> QWidget | None:
        page = self.pages.currentWidget()
        return page if page in self.labs.values() else None

    def lab(self, key: str) -> QWidget | None:
        """The lab widget for ``key``, built when first asked for (None if not registered)."""
        if key in self.labs:
            return self.labs[key]
        spec = next((s for s in self.specs if s.key == key), None)
        if spec is None:
            return None
        try:
            widget = spec.load()(self.ctx)
        except Exception as exc:  # noqa: BLE001 - a broken lab must not take the app down
            import traceback

            traceback.print_exc()
            widget = QLabel(f"The lab “{spec.title}” could not start:\n{type(exc).__name__}: {exc}")
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            widget.setWordWrap(True)
            self.show_error(f"{spec.title}: {exc}")
        self.labs[key] = widget
        self.pages.addWidget(widget)
        self.classroom.lab_built(widget)
        return widget

    def show_lab(self, key: str) -> QWidget | None:
        keys = [s.key for s in self.specs]
        if key not in keys:
            return None
        self.lab_list.setCurrentRow(keys.index(key))
        return self.labs.get(key)

    @Slot(int)
    def _on_lab_row_change(self, row: int) -> None:
        if row < 0:
            return
        spec = self.specs[row]
        widget = self.lab(spec.key)
        self.statusBar().clearMessage()  # the last lab's message is not about this one
        self.pages.setCurrentWidget(widget)
        self.classroom.lab_shown(widget)
        self.ctx.settings.set("window/lab", spec.key)
        if isinstance(widget, Sessions):
            self._session_key = spec.key
        self.setWindowTitle(f"VisualDL — {spec.number}. {spec.title}")

    def _run_lab(self) -> RunControls | None:
        lab = self.current_lab()
        if isinstance(lab, RunControls):
            return lab
        self._on_status_message("This lab has nothing to run.")
        return None

    @Slot()
    def _on_play_triggered(self) -> None:
        if (lab := self._run_lab()) is not None:
            lab.toggle_play()

    @Slot()
    def _on_step_triggered(self) -> None:
        if (lab := self._run_lab()) is not None:
            lab.step_once()

    @Slot()
    def _on_reset_triggered(self) -> None:
        if (lab := self._run_lab()) is not None:
            lab.reset_run()

    @Slot(bool)
    def _on_toggle_list(self, checked: bool) -> None:
        self.lab_list.setVisible(checked)

    @Slot()
    def _on_missing_lab_triggered(self) -> None:
        number = int(self.sender().data())
        self._on_status_message(f"There is no lab {number} yet: the labs are "
                                + ", ".join(f"{s.number}. {s.title}" for s in self.specs) + ".")

    @Slot()
    def _on_jump_triggered(self) -> None:
        self.lab_list.setCurrentRow(int(self.sender().data()))

    # ------------------------------------------------------------------ data
    @Slot()
    def open_cifar_archive(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open CIFAR-10 archive", self._last_dir(),
                                              "CIFAR-10 python archive (*.tar.gz *.tgz);;All files (*)")
        if path:
            self.use_cifar(path)

    @Slot()
    def open_cifar_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open CIFAR-10 folder (cifar-10-batches-py)",
                                                self._last_dir())
        if path:
            self.use_cifar(path)

    def use_cifar(self, path: str) -> Job:
        """Open CIFAR-10 at ``path`` on the worker (progress + Cancel); only a set that loaded is remembered.

        Then labs listening to ``cifar_path_changed`` switch to it (the loader keeps it in memory, so
        they do not read it again). A file that is not CIFAR-10 is an error shown here, where the
        student acted, and the path is forgotten.
        """
        job = self._cifar_open.start(self.ctx.runner.submit(open_cifar_job, str(path), title="open-cifar10"))
        job.finished.connect(self._on_cifar_opened)
        job.errored.connect(self._on_cifar_failed)
        self.ctx.track(job, "Opening CIFAR-10")
        return job

    @Slot(object)
    def _on_cifar_opened(self, path) -> None:
        if self._cifar_open.is_current(self.sender()) and path:  # None: cancelled
            self._remember_cifar(str(path))

    @Slot(str)
    def _on_cifar_failed(self, message: str) -> None:
        if self._cifar_open.is_current(self.sender()):
            self.show_error(f"Could not open CIFAR-10: {message}")

    def _remember_cifar(self, path: str) -> None:
        self.ctx.set_cifar_path(path)
        self.ctx.status(f"CIFAR-10: {path}")

    def _last_dir(self) -> str:
        last = self.ctx.cifar_path()
        return str(Path(last).parent) if last else str(Path.home())

    @Slot()
    def download_cifar(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Download CIFAR-10 into folder", str(Path.home()))
        if folder:
            self.start_download(folder)

    def start_download(self, folder: str, **options) -> Job:
        """Download CIFAR-10 into ``folder`` on the worker (progress bar + Cancel), then use it.

        options go to ``visualdl.data.download.download_cifar10`` (url, md5: tests use a local server).
        """
        job = self.ctx.runner.submit(download_cifar_job, folder, title="download-cifar10", **options)
        job.finished.connect(self._on_download_finished)
        job.errored.connect(self.show_error)
        self.ctx.track(job, "Downloading CIFAR-10")
        return job

    @Slot(object)
    def _on_download_finished(self, path) -> None:
        if path:  # None when cancelled; the download was checked against its MD5
            self._remember_cifar(str(path))

    # ------------------------------------------------------------------ progress of long work
    @Slot(object, str)
    def _on_job_tracked(self, job: Job, title: str) -> None:
        self._tracked.append((job, title))
        job.progress.connect(self._on_job_progress)
        job.ended.connect(self._on_tracked_job_ended)
        self._show_tracked()

    def _show_tracked(self) -> None:
        self._tracked = [(j, t) for j, t in self._tracked if j.is_running()]
        visible = bool(self._tracked)
        for w in (self.progress_label, self.progress, self.cancel_button):
            w.setVisible(visible)
        if visible:
            self.progress_label.setText(self._tracked[-1][1])
            self.progress.setRange(0, 0)  # busy until the first progress report

    @Slot(int, int, str)
    def _on_job_progress(self, done: int, total: int, message: str) -> None:
        if self._tracked and self.sender() is self._tracked[-1][0]:
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(min(done, total))
            if message:
                self.progress_label.setText(f"{self._tracked[-1][1]}: {message}")

    @Slot()
    def _on_tracked_job_ended(self) -> None:
        self._show_tracked()

    @Slot()
    def _on_cancel_clicked(self) -> None:
        for job, _ in self._tracked:
            job.cancel()
        self.ctx.status("Cancelled.")

    # ------------------------------------------------------------------ sessions
    def _session_lab(self) -> Sessions | None:
        """The visible lab if it has sessions, else the one with sessions used last (or the first such spec)."""
        lab = self.current_lab()
        if isinstance(lab, Sessions):
            return lab
        key = self._session_key or next((s.key for s in self.specs if s.has_sessions), None)
        lab = self.lab(key) if key is not None else None
        return lab if isinstance(lab, Sessions) else None

    @Slot()
    def save_session_dialog(self) -> None:
        lab = self._session_lab()
        if lab is None:
            return self.show_error("No lab here has a session to save.")
        path, _ = QFileDialog.getSaveFileName(self, "Save session", str(Path.home() / "session.json"),
                                              "VisualDL session (*.json)")
        if path:
            lab.save_session(path)

    @Slot()
    def load_session_dialog(self) -> None:
        lab = self._session_lab()
        if lab is None:
            return self.show_error("No lab here can load a session.")
        path, _ = QFileDialog.getOpenFileName(self, "Load session", str(Path.home()),
                                              "VisualDL session (*.json *.npz)")
        if path:
            if self.current_lab() is not lab:
                self.show_lab(next(k for k, w in self.labs.items() if w is lab))
            lab.load_session(path)

    # ------------------------------------------------------------------ messages
    @Slot(str)
    def _on_status_message(self, message: str) -> None:
        self.statusBar().showMessage(message, 8000)

    @Slot(str)
    def show_error(self, message: str) -> None:
        """Say what went wrong in plain words, without blocking (no modal dialog)."""
        self.last_error = message
        self.statusBar().showMessage(message, 15000)
        if self.isVisible():
            box = QMessageBox(QMessageBox.Icon.Warning, "VisualDL", message, QMessageBox.StandardButton.Ok, self)
            box.setModal(False)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.show()
            self._error_box = box

    @Slot()
    def show_shortcuts(self) -> None:
        help_box(self, "Keyboard shortcuts", shortcuts_html()).open()

    @Slot()
    def show_about(self) -> None:
        help_box(self, "About VisualDL", about_html()).open()

    # ------------------------------------------------------------------ closing
    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        QApplication.instance().removeEventFilter(self._run_keys)
        self.ctx.settings.set_bytes("window/geometry", QByteArray(self.saveGeometry()))
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop every lab's work and the background runner; no thread is left running."""
        self._cifar_open.cancel()
        if self._export is not None:
            self._export.cancel()
        for lab in self.labs.values():
            if isinstance(lab, Stops):
                try:
                    lab.shutdown()
                except Exception:  # noqa: BLE001 - keep closing the others
                    import traceback

                    traceback.print_exc()
        self.ctx.shutdown()
        self.ctx.settings.sync()
