"""How long File > Export all plots holds the window (a benchmark, not a test).

Opens a lab (default: lab 7, whose tabs have the most plots), lets it draw, then exports every plot
twice into temporary folders:
  1. all at once on the GUI thread (``export.export_all``, what the menu did before): the window is
     frozen for the whole time;
  2. through the menu's ``AllPlotsExport``: one plot drawn per turn of the event loop, PNG compression
     and file writing on a worker job.
A 10 ms QTimer on the GUI thread measures the longest gap (the longest the window could not answer).
Target: the export no longer freezes the window for seconds; its longest stall is one plot's drawing.

    QT_QPA_PLATFORM=offscreen python bench/bench_export.py
    python bench/bench_export.py --lab cnn --rounds 3
    python bench/bench_export.py --play          # while lab 7's dashboard trains (a busy machine)
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="training", help="lab key (default training: lab 7)")
    parser.add_argument("--rounds", type=int, default=3, help="exports of each kind (default 3)")
    parser.add_argument("--play", action="store_true", help="train the dashboard meanwhile (lab 7 only)")
    args = parser.parse_args()

    from PySide6.QtCore import QObject, QTimer, Slot
    from PySide6.QtWidgets import QApplication

    from visualdl.ui import export as exporting
    from visualdl.ui.app import create_window

    app = QApplication.instance() or QApplication(sys.argv[:1])
    ctx, window = create_window(Path(tempfile.mkdtemp()) / "bench-settings.ini", args.lab)
    window.resize(1280, 800)
    window.show()

    def spin(seconds: float, until=lambda: False) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end and not until():
            app.processEvents()
            time.sleep(0.005)

    spin(3.0)
    lab = window.current_lab()
    if args.play and hasattr(lab, "dashboard"):
        lab.dashboard.play()
        spin(2.0)

    class Probe(QObject):
        def __init__(self):
            super().__init__()
            self.last = time.perf_counter()
            self.gaps: list[float] = []

        @Slot()
        def tick(self):
            now = time.perf_counter()
            self.gaps.append(now - self.last)
            self.last = now

    targets = window.export_targets()
    files = sum(exporting.files_per_target(t) for t in targets.values())
    print(f"lab={args.lab} plots={len(targets)} files={files} rounds={args.rounds} play={args.play}")
    blocking, async_total, async_stall = [], [], []
    for _ in range(args.rounds):
        folder = Path(tempfile.mkdtemp(prefix="export-sync-"))
        t0 = time.perf_counter()
        exporting.export_all(window.export_targets(), folder)
        blocking.append(time.perf_counter() - t0)
        spin(0.5)

        probe = Probe()
        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(probe.tick)
        timer.start()
        spin(0.2)
        probe.gaps.clear()
        t0 = time.perf_counter()
        run = window.export_all(Path(tempfile.mkdtemp(prefix="export-async-")))
        spin(120.0, until=lambda: not run.is_running())
        async_total.append(time.perf_counter() - t0)
        timer.stop()
        assert run.error is None and len(run.written) == files, (run.error, run.written)
        async_stall.append(max(probe.gaps) * 1000.0)
        spin(0.5)
    window.close()

    def row(name, values, unit):
        print(f"{name:<52}{np.median(values):>10.2f} {unit} (min {min(values):.2f}, max {max(values):.2f})")

    print(f"{'':<52}{'median':>10}")
    row("all at once on the GUI thread: window frozen", blocking, "s")
    row("File > Export all plots: until every file written", async_total, "s")
    row("File > Export all plots: longest GUI stall", async_stall, "ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
