"""Start the desktop app: ``python main.py`` / ``python -m visualdl`` / ``visualdl``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[1] / "resources"  # package data: ships in the wheel


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="visualdl", description="VisualDL desktop app")
    parser.add_argument("--lab", help="open this lab first (a registry key such as 'training')")
    parser.add_argument("--settings", help="settings file to use instead of the per-user one")
    parser.add_argument("--play", action="store_true", help="start training as soon as the lab is ready")
    return parser


def create_window(settings_path=None, lab: str | None = None):
    """Build the context and main window (the QApplication must exist). Returns (ctx, window).

    The composition root: the only place that joins the labs registry to the window.
    """
    from visualdl.labs import registered_labs
    from visualdl.ui.context import AppContext
    from visualdl.ui.gc_guard import limit_heap_arenas
    from visualdl.ui.main_window import MainWindow
    from visualdl.ui.settings import Settings

    import pyqtgraph as pg

    # White plots read better on a projector and in exported figures.
    pg.setConfigOptions(antialias=False, background="w", foreground="k")
    limit_heap_arenas()  # before the first worker thread: memory stays flat over long runs
    ctx = AppContext(Settings(settings_path))
    return ctx, MainWindow(ctx, registered_labs(), start_lab=lab)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    from visualdl.ui import platform_check

    missing = platform_check.missing_display_library()  # before Qt aborts with its own paragraph
    if missing:
        print(missing, file=sys.stderr)
        return 1
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("VisualDL")
    app.setOrganizationName("VisualDL")
    icon = RESOURCES / "icon.png"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    ctx, window = create_window(args.settings, args.lab)
    window.show()
    from visualdl.ui.lab import RunControls

    lab = window.current_lab()
    if args.play and isinstance(lab, RunControls):
        lab.toggle_play()
    return int(app.exec())
