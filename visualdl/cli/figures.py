"""``visualdl figures``: render a lab's plots offscreen, exactly as the app draws them, into files.

    python -m visualdl figures --lab knn --out figs/
    python -m visualdl figures --lab all --out figs/ --format svg --size 1600x1000
    python -m visualdl figures --lab training --steps 200 --seed 3 --out figs/
    python -m visualdl figures --lab optimization --preset ravine --steps 100 --out figs/

One file per plot, named ``<lab>-<plot>.<format>``. The app's own window is built offscreen at
--size; the lab is opened, each of its tabs once (pages load their data when first shown), its data
loads are waited for, then it settles --wait seconds; optionally
stepped --steps times through the Run menu's Step (so training figures are reproducible with
--seed), then every entry of the lab's export_targets() is written. A lab may offer named starting
points through ``figure_presets() -> list[str]`` and ``apply_figure_preset(name)``.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

FORMATS = ("png", "svg")


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("figures", help="render a lab's plots into image files (no display needed)",
                              description=__doc__.splitlines()[0])
    p.add_argument("--lab", required=True, help="a lab key, or 'all'")
    p.add_argument("--preset", help="a named starting point the lab offers")
    p.add_argument("--out", required=True, help="folder for the files (created)")
    p.add_argument("--format", default="png", choices=FORMATS)
    p.add_argument("--size", default="1280x800", help="window size WxH (default 1280x800)")
    p.add_argument("--steps", type=int, default=0, help="training steps before drawing (labs that train)")
    p.add_argument("--seed", type=int, default=None, help="random seed for labs that train or sample")
    p.add_argument("--wait", type=float, default=3.0, help="seconds to let the lab load and settle (default 3)")
    p.set_defaults(func=run)


def _size(text: str) -> tuple[int, int]:
    from visualdl.cli import CliError
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise CliError(f"--size must look like 1280x800, not {text!r}") from None
    if not (320 <= w <= 8000 and 240 <= h <= 8000):
        raise CliError(f"--size {text}: width 320-8000 and height 240-8000 pixels")
    return w, h


def _settle(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def _visit_tabs(app, lab) -> None:
    """Open every tab of the lab once, as a student would: pages load their data when first shown."""
    from PySide6.QtWidgets import QTabWidget

    for tabs in lab.findChildren(QTabWidget):
        current = tabs.currentIndex()
        for i in range(tabs.count()):
            tabs.setCurrentIndex(i)
            _settle(app, 0.05)
        tabs.setCurrentIndex(current)


def _wait_for_loads(app, window, limit: float = 120.0) -> None:
    """Until the data the labs asked for has loaded: the status bar's progress bar is gone (at most limit s)."""
    end = time.monotonic() + limit
    while window.progress.isVisible() and time.monotonic() < end:
        _settle(app, 0.05)


def _reveal(app, target) -> None:
    """Make the tab holding target the current one, so it is laid out at its real size before it is drawn."""
    from PySide6.QtWidgets import QStackedWidget, QTabWidget, QWidget

    widget = target if isinstance(target, QWidget) else None
    changed = False
    while widget is not None:
        parent = widget.parentWidget()
        if isinstance(parent, QStackedWidget) and isinstance(parent.parentWidget(), QTabWidget):
            tabs = parent.parentWidget()
            if tabs.currentWidget() is not widget:
                tabs.setCurrentWidget(widget)
                changed = True
        widget = parent
    if changed:
        _settle(app, 0.2)


def render(lab_keys: list[str], out: Path, fmt: str, size: tuple[int, int], preset: str | None = None,
           steps: int = 0, seed: int | None = None, wait: float = 3.0, log=print) -> list[Path]:
    """Render the plots of each lab into out; returns the files written (the QApplication is made here)."""
    import tempfile

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from visualdl.cli import CliError
    from visualdl.ui import export as exporting
    from visualdl.ui.app import create_window

    from visualdl.labs import registered_labs

    keys = [spec.key for spec in registered_labs()]
    if lab_keys == ["all"]:
        lab_keys = keys
    unknown = [k for k in lab_keys if k not in keys]
    if unknown:
        raise CliError(f"unknown lab {unknown[0]!r}; valid labs: {', '.join(keys)}, all")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    settings = Path(tempfile.mkdtemp(prefix="visualdl-figures-")) / "settings.ini"
    ctx, window = create_window(settings, None)
    if seed is not None:
        import numpy as np
        np.random.seed(seed)
    window.resize(*size)
    window.show()
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for key in lab_keys:
            lab = window.show_lab(key)
            offered = list(getattr(lab, "figure_presets", lambda: [])())
            if preset is not None and preset not in offered:
                raise CliError(f"lab {key!r} has no preset {preset!r}; valid presets: "
                               f"{', '.join(offered) if offered else '(none)'}")
            _settle(app, min(wait, 1.0))
            _visit_tabs(app, lab)
            _wait_for_loads(app, window)
            _settle(app, wait)
            if preset is not None:
                lab.apply_figure_preset(preset)
                _settle(app, wait)
            if steps:
                if seed is not None and hasattr(lab, "set_seed"):
                    lab.set_seed(seed)
                for _ in range(steps):
                    window.step_action.trigger()
                    _settle(app, 0.02)
                _settle(app, wait)
            for name, target in lab.export_targets().items():
                _reveal(app, target)
                path = out / f"{key}-{exporting.slug(name)}.{fmt}"
                if fmt == "png":
                    exporting.export_png(target, path)
                else:
                    exporting.export_svg(target, path)
                written.append(path)
                log(f"wrote {path}")
    finally:
        window.close()
        app.processEvents()
    return written


def run(args: argparse.Namespace) -> int:
    size = _size(args.size)
    written = render([args.lab], Path(args.out), args.format, size, args.preset, args.steps, args.seed, args.wait)
    print(f"{len(written)} figure(s) in {args.out}", file=sys.stderr)
    return 0
