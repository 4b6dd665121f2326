"""The main window's File menu exports: one plot, every plot (AllPlotsExport), the run history.

A mixin of MainWindow (it uses the window's ctx, current_lab(), _session_lab(), show_error()).
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFileDialog, QMenu

from visualdl.ui import export as exporting
from visualdl.ui.lab import export_targets_of


class WindowExports:
    # ------------------------------------------------------------------ export
    def export_targets(self) -> dict:
        return export_targets_of(self.current_lab())

    @Slot()
    def _on_export_menu_show(self) -> None:
        # The menu that is opening, not self.export_menu: on PySide6 6.10 that wrapper can be dead
        # (asking the File action for its menu() again kills it) while the menu itself lives on.
        menu = self.sender() if isinstance(self.sender(), QMenu) else self.export_menu
        menu.clear()
        targets = self.export_targets()
        if not targets:
            menu.addAction("(this lab has no plots)").setEnabled(False)
        for name, target in targets.items():
            for fmt in ("PNG", "SVG", "CSV"):
                if fmt == "CSV" and not exporting.can_export_csv(target):
                    continue
                action = menu.addAction(f"{name} as {fmt}…")
                action.setData((name, fmt))
                action.triggered.connect(self._on_export_one_triggered)

    @Slot()
    def _on_export_one_triggered(self) -> None:
        name, fmt = self.sender().data()
        filt, _ = exporting.FORMATS[fmt]
        path, _ = QFileDialog.getSaveFileName(self, f"Export {name}",
                                              f"{exporting.slug(name)}.{fmt.lower()}", filt)
        if path:
            self.export_one(name, fmt, path)

    def export_one(self, name: str, fmt: str, path) -> Path | None:
        target = self.export_targets().get(name)
        if target is None:
            self.show_error(f"No plot named {name!r} in this lab")
            return None
        try:
            out = exporting.FORMATS[fmt][1](target, path)
        except (exporting.ExportError, OSError) as exc:
            self.show_error(f"Export failed: {exc}")
            return None
        self.ctx.status(f"Exported {name} to {out}")
        return out

    @Slot()
    def export_all_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export all plots into folder", str(Path.home()))
        if folder:
            self.export_all(folder)

    def export_all(self, folder) -> exporting.AllPlotsExport | None:
        """Write every plot of this lab into ``folder`` without freezing the window (see AllPlotsExport).

        Returns the running export (its ``ended`` signal, then ``written`` or ``error``), or None when
        nothing started (no plots, a folder that cannot be made, an export still running).
        """
        targets = self.export_targets()
        if not targets:
            self.show_error("This lab has no plots to export.")
            return None
        if self._export is not None and self._export.is_running():
            self.show_error("An export is still running: wait for it or press its Cancel button.")
            return None
        try:
            Path(folder).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.show_error(f"Export failed: {exc}")
            return None
        run = exporting.AllPlotsExport(self.ctx, targets, folder, self)
        run.ended.connect(self._on_export_ended)
        self._export = run
        return run

    @Slot()
    def _on_export_ended(self) -> None:
        run = self.sender()
        if run is not self._export:
            return
        if run.error is not None:
            self.show_error(f"Export failed: {run.error}")
        elif run.written is None:
            self.ctx.status("Export cancelled.")
        else:
            self.ctx.status(f"Wrote {len(run.written)} files to {run.folder}")

    @Slot()
    def export_history_dialog(self) -> None:
        lab = self._session_lab()
        if lab is None:
            return self.show_error("No lab here has a run history.")
        path, chosen = QFileDialog.getSaveFileName(self, "Export run history", str(Path.home() / "history.csv"),
                                                   "CSV (*.csv);;JSON (*.json)")
        if path:
            if not Path(path).suffix:
                path += ".json" if "JSON" in chosen else ".csv"
            try:
                lab.export_history(path)
            except OSError as exc:
                self.show_error(f"Could not write the run history to {path}: {exc.strerror or exc}")

