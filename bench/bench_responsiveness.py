"""How responsive the GUI stays while the engine trains at full speed (a benchmark, not a test).

A 10 ms QTimer runs on the GUI thread while the training dashboard plays; every gap between two
timer callbacks beyond the 10 ms it asked for is a stall the user would feel. Prints p50/p99/max
of the gaps plus training throughput and redraw rate. Target: p99 < 50 ms.

    QT_QPA_PLATFORM=offscreen python bench/bench_responsiveness.py --seconds 60
    python bench/bench_responsiveness.py --dataset spiral --preset two_layer --seconds 20
    python bench/bench_responsiveness.py --dataset cifar10 --cifar /path/to/cifar-10-python.tar.gz
    python bench/bench_responsiveness.py --cnn-live [--cifar /path/to/cifar-10-python.tar.gz] --seconds 60

--cnn-live: lab 6's live CNN tab instead of the dashboard, training its default (standard) CNN with
every view visible (filters, feature maps, probabilities, curves); CIFAR-10 when --cifar is given.
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
    parser.add_argument("--seconds", type=float, default=60.0, help="measuring time (default 60)")
    parser.add_argument("--dataset", default="builtin", help="builtin, spiral, ... (default builtin)")
    parser.add_argument("--preset", default="two_layer", help="model preset (default two_layer)")
    parser.add_argument("--idle", action="store_true", help="do not train: the machine's baseline")
    parser.add_argument("--cifar", help="CIFAR-10 archive or folder (for --dataset cifar10)")
    parser.add_argument("--cnn-live", action="store_true", help="lab 6's live CNN tab with its views visible")
    args = parser.parse_args()
    if args.cnn_live:
        return run_cnn_live(args)

    from PySide6.QtCore import QObject, QTimer, Slot
    from PySide6.QtWidgets import QApplication

    from visualdl.labs.common.widgets import select as _select
    from visualdl.ui.app import create_window

    app = QApplication.instance() or QApplication(sys.argv[:1])
    settings = Path(tempfile.mkdtemp()) / "bench-settings.ini"
    ctx, window = create_window(settings, "training")
    window.resize(1280, 800)
    window.show()
    lab = window.current_lab()
    lab = getattr(lab, "dashboard", lab)  # lab 7's first tab is the dashboard

    def spin(cond, timeout=60.0):
        t0 = time.monotonic()
        while not cond() and time.monotonic() - t0 < timeout:
            app.processEvents()
            time.sleep(0.005)
        if not cond():
            raise SystemExit("timed out preparing the benchmark")

    spin(lambda: lab.data is not None and lab.run_number >= 1)
    run = lab.run_number
    if args.cifar:
        ctx.set_cifar_path(args.cifar)
    _select(lab.preset, args.preset)
    _select(lab.dataset, args.dataset)
    if lab.current_data_request()["name"] != "builtin" or args.preset != "two_layer":
        spin(lambda: lab.run_number > run and lab.data is not None and lab.data_request["name"] == args.dataset)

    class Probe(QObject):
        def __init__(self):
            super().__init__()
            self.last = None
            self.gaps: list[float] = []
            self.updates = 0

        @Slot()
        def tick(self):
            now = time.perf_counter()
            if self.last is not None:
                self.gaps.append(now - self.last)
            self.last = now

        @Slot()
        def on_update(self):
            self.updates += 1

    probe = Probe()
    lab.updated.connect(probe.on_update)
    measure(app, lab, window, args, probe, spin)
    return 0


def _held_s(lab) -> float:
    """Seconds the lab's training worker has waited for the GUI to draw what it sent (worker pacing)."""
    job = getattr(lab.job, "job", lab.job)  # a LatestJob or the Job itself
    return job.held_seconds() if job is not None else 0.0


def measure(app, lab, window, args, probe, spin, extra=None) -> None:
    """Play, time the 10 ms timer for args.seconds, print the table (extra: more rows, name -> fn(elapsed))."""
    from PySide6.QtCore import QTimer

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(probe.tick)
    if not args.idle:
        lab.play()
        spin(lambda: len(lab.log) > 0)
    start_iter = len(lab.log)
    held0 = _held_s(lab)
    timer.start()
    t0 = time.perf_counter()
    QTimer.singleShot(int(args.seconds * 1000), app.quit)
    app.exec()
    elapsed = time.perf_counter() - t0
    timer.stop()
    held = _held_s(lab) - held0
    iters = len(lab.log) - start_iter
    lab.pause()
    window.close()

    gaps_ms = np.array(probe.gaps) * 1000.0
    stall = np.maximum(gaps_ms - 10.0, 0.0)
    p50, p99 = np.percentile(gaps_ms, [50, 99])
    print(f"dataset={args.dataset} preset={args.preset} seconds={elapsed:.1f}")
    print(f"{'metric':<34}{'value':>12}")
    print(f"{'timer gap p50 (ms, ideal 10)':<34}{p50:>12.1f}")
    print(f"{'timer gap p99 (ms, target < 50)':<34}{p99:>12.1f}")
    print(f"{'timer gap max (ms)':<34}{gaps_ms.max():>12.1f}")
    print(f"{'longest stall beyond 10 ms (ms)':<34}{stall.max():>12.1f}")
    print(f"{'timer ticks':<34}{len(gaps_ms):>12d}")
    print(f"{'training iterations / s':<34}{iters / elapsed:>12.1f}")
    print(f"{'dashboard redraws / s':<34}{probe.updates / elapsed:>12.1f}")
    print(f"{'points on the loss curve':<34}{len(lab.log):>12d}")
    print(f"{'worker waiting for the GUI (%)':<34}{100 * held / elapsed:>12.1f}")
    for name, fn in (extra or {}).items():
        print(f"{name:<34}{fn(elapsed):>12.1f}")


def run_cnn_live(args) -> int:
    """The same measurement on lab 6's live CNN tab, all its views visible."""
    from PySide6.QtCore import QObject, Slot
    from PySide6.QtWidgets import QApplication, QMainWindow
    import pyqtgraph as pg

    from visualdl.labs.cnn.live import LiveCnnTab
    from visualdl.ui.context import AppContext
    from visualdl.ui.settings import Settings

    from visualdl.ui.gc_guard import limit_heap_arenas

    app = QApplication.instance() or QApplication(sys.argv[:1])
    pg.setConfigOptions(antialias=False, background="w", foreground="k")
    limit_heap_arenas()  # as the app does at start-up (create_window)
    ctx = AppContext(Settings(Path(tempfile.mkdtemp()) / "bench-settings.ini"))
    if args.cifar:
        ctx.set_cifar_path(args.cifar)
    window = QMainWindow()
    lab = LiveCnnTab(ctx)
    window.setCentralWidget(lab)
    window.resize(1280, 800)
    window.show()

    def spin(cond, timeout=120.0):
        t0 = time.monotonic()
        while not cond() and time.monotonic() - t0 < timeout:
            app.processEvents()
            time.sleep(0.005)
        if not cond():
            raise SystemExit("timed out preparing the benchmark")

    spin(lambda: lab._built and lab.view is not None)

    class Probe(QObject):
        def __init__(self):
            super().__init__()
            self.last = None
            self.gaps: list[float] = []
            self.updates = 0
            self.views = 0

        @Slot()
        def tick(self):
            now = time.perf_counter()
            if self.last is not None:
                self.gaps.append(now - self.last)
            self.last = now

        @Slot()
        def on_update(self):
            self.updates += 1

        @Slot()
        def on_views(self):
            self.views += 1

    probe = Probe()
    lab.updated.connect(probe.on_update)
    lab.views_updated.connect(probe.on_views)
    args.dataset, args.preset = lab.data.name, lab.preset.currentData()
    measure(app, lab, window, args, probe, spin,
            {"view refreshes / s (maps, filters)": lambda elapsed: probe.views / elapsed})
    lab.shutdown()
    ctx.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
