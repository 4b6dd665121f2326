"""Lab 3 figures (a benchmark, not a test): surface evaluation time and GUI stalls during a race.

1. Time to evaluate each surface on a 300x300 grid (target: well under a second), and the whole
   map job (grid + colours + contour lines).
2. The optimizer race with all five optimizers at 1,000 steps/s each: a 10 ms QTimer on the GUI
   thread measures every gap beyond 10 ms (a stall the user would feel). Target: p99 < 50 ms.

    QT_QPA_PLATFORM=offscreen python bench/bench_optimization.py --seconds 10
    python bench/bench_optimization.py --surface rosenbrock --speed 1000 --seconds 15
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def surface_times(resolution: int, repeats: int) -> None:
    from visualdl.engine.optimization.expr_surface import ExprSurface
    from visualdl.engine.optimization.model_surface import toy_model_surface
    from visualdl.engine.optimization.surfaces import SYNTHETIC
    from visualdl.labs.optimization.race_views import compute_map

    surfaces = dict(SYNTHETIC)
    surfaces["model (moons, 200 points)"] = toy_model_surface("moons")
    surfaces["model + L2"] = toy_model_surface("moons", reg="l2", lam=0.1)
    surfaces["typed Rosenbrock"] = ExprSurface("(1 - x)^2 + 100*(y - x^2)^2", bounds=(-2, 2, -1, 3))
    print(f"surface on a {resolution}x{resolution} grid (best of {repeats})")
    print(f"{'surface':<30}{'grid ms':>10}{'map job ms':>12}")
    for name, s in surfaces.items():
        grid = min(_time(lambda: s.grid(resolution)) for _ in range(repeats))
        full = min(_time(lambda: compute_map(None, s, resolution)) for _ in range(repeats))
        print(f"{name:<30}{grid * 1000:>10.1f}{full * 1000:>12.1f}")


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def gui_stalls(seconds: float, speed: int, surface: str) -> None:
    from PySide6.QtCore import QObject, QTimer, Slot
    from PySide6.QtWidgets import QApplication

    from visualdl.labs.common.widgets import select
    from visualdl.ui.app import create_window

    app = QApplication.instance() or QApplication(sys.argv[:1])
    ctx, window = create_window(Path(tempfile.mkdtemp()) / "bench-settings.ini", "optimization")
    window.resize(1280, 800)
    window.show()
    page = window.current_lab().race_page

    def spin(cond, timeout=30.0):
        t0 = time.monotonic()
        while not cond() and time.monotonic() - t0 < timeout:
            app.processEvents()
            time.sleep(0.005)
        if not cond():
            raise SystemExit("timed out preparing the benchmark")

    spin(lambda: page.snap is not None and page.map.redraws >= 1)
    if surface != "bowl":
        select(page.panel.surface, surface)
        spin(lambda: page.snap["surface_key"] == surface and page.map.redraws >= 2)
    select(page.panel.speed, speed)
    for row in page.panel.rows.values():
        row.check.setChecked(True)
    spin(lambda: len(page.snap["racers"]) == 5)

    class Probe(QObject):
        def __init__(self):
            super().__init__()
            self.last, self.gaps, self.snaps = None, [], 0

        @Slot()
        def tick(self):
            now = time.perf_counter()
            if self.last is not None:
                self.gaps.append(now - self.last)
            self.last = now

        @Slot(object)
        def on_snapshot(self, _snap):
            self.snaps += 1

    probe = Probe()
    page.job.yielded.connect(probe.on_snapshot)
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(probe.tick)
    page.panel.play_button.click()
    timer.start()
    t0 = time.perf_counter()
    QTimer.singleShot(int(seconds * 1000), app.quit)
    app.exec()
    elapsed = time.perf_counter() - t0
    timer.stop()
    steps = {n: r["steps"] for n, r in page.snap["racers"].items()}
    page.panel.play_button.click()
    window.close()
    gaps = np.array(probe.gaps) * 1000.0
    p50, p99 = np.percentile(gaps, [50, 99])
    print(f"\nrace: 5 optimizers on {surface}, asked {speed} steps/s each, {elapsed:.1f} s")
    print(f"{'timer gap p50 (ms, ideal 10)':<36}{p50:>10.1f}")
    print(f"{'timer gap p99 (ms, target < 50)':<36}{p99:>10.1f}")
    print(f"{'timer gap max (ms)':<36}{gaps.max():>10.1f}")
    print(f"{'steps per optimizer per second':<36}{np.mean(list(steps.values())) / elapsed:>10.1f}")
    print(f"{'snapshots drawn per second':<36}{probe.snaps / elapsed:>10.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="race measuring time (default 10; "
                        "the race stops itself after 20,000 steps)")
    parser.add_argument("--speed", type=int, default=1000, help="steps/s per optimizer (1, 5, 20, 100, 1000)")
    parser.add_argument("--surface", default="bowl", help="bowl, saddle, rosenbrock, local_min, plateau, model")
    parser.add_argument("--resolution", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-gui", action="store_true")
    parser.add_argument("--worker-niceness", type=int, default=None,
                        help="override the worker thread's niceness (default: the app's, 10) to test how a "
                             "GIL-holding worker at low priority stalls the GUI on a busy machine")
    args = parser.parse_args()
    if args.worker_niceness is not None:
        import visualdl.ui.worker as worker
        worker.WORKER_NICENESS = args.worker_niceness
    surface_times(args.resolution, args.repeats)
    if not args.skip_gui:
        gui_stalls(args.seconds, args.speed, args.surface)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
