"""Lab 5 playground speed: the views of a 3x16-unit net on a 100x100 grid, and training with views open.

    python bench/bench_playground.py [--repeats 50] [--seconds 3]
    QT_QPA_PLATFORM=offscreen python bench/bench_playground.py --gui [--seconds 5]

Prints the median time of one compute_views call (decision map + every neuron map + dead units +
hidden space + train/val metrics; target < 20 ms), and training updates per second on the default
spiral (300 points, batch 16) with no views and with views redrawn VIEW_RATE times a second, as
the lab's worker does while playing. --gui also opens the real lab (3x16 net), plays it as fast as
possible and prints updates/s, redraws/s and the GUI thread's time per redraw.
"""
from __future__ import annotations

import argparse
import statistics
import time

from visualdl.engine.playground import Playground, PlaygroundSpec
from visualdl.labs.neural_nets.job import VIEW_RATE


def time_views(pg: Playground, repeats: int) -> float:
    pg.views()  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        pg.views()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def steps_per_s(pg: Playground, seconds: float, view_rate: float) -> tuple[float, int]:
    n = views = 0
    start = last = time.perf_counter()
    while time.perf_counter() - start < seconds:
        pg.step()
        n += 1
        if view_rate and time.perf_counter() - last >= 1 / view_rate:
            pg.views()
            views += 1
            last = time.perf_counter()
    return n / (time.perf_counter() - start), views


def gui(seconds: float) -> None:
    from PySide6.QtWidgets import QApplication

    from visualdl.labs.neural_nets import NeuralNetsLab
    from visualdl.ui.context import AppContext
    from visualdl.ui.settings import Settings

    app = QApplication.instance() or QApplication([])
    import tempfile

    from visualdl.ui.gc_guard import limit_heap_arenas

    limit_heap_arenas()  # as the app does at start-up (create_window)
    ctx = AppContext(Settings(tempfile.mkdtemp() + "/bench.ini"))
    lab = NeuralNetsLab(ctx)
    lab.resize(1080, 740)
    lab.show()
    c = lab.controls
    c.layers_spin.setValue(3)
    for s in c.unit_spins:
        s.setValue(16)
    draw_times = []
    original = lab._on_update

    def timed(u):
        t = time.perf_counter()
        original(u)
        if u["views"] is not None:
            draw_times.append(time.perf_counter() - t)

    lab.job.yielded.disconnect(lab._on_update)
    lab.job.yielded.connect(timed)
    end = time.monotonic() + 2
    while time.monotonic() < end or lab.info is None or lab.info["sizes"] != [2, 16, 16, 16, 3]:
        app.processEvents()
    c.speed_slider.setValue(c.speed_slider.maximum())
    c.play_button.setChecked(True)
    while lab.status.get("iteration", 0) == 0:
        app.processEvents()
    from PySide6.QtCore import QTimer

    gaps, last = [], [time.perf_counter()]

    def tick():  # a 10 ms timer on the GUI thread: each gap beyond 10 ms is a stall the student feels
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    it0, n0, t0, held0 = lab.status["iteration"], len(draw_times), time.monotonic(), lab.job.held_seconds()
    timer.start()
    while time.monotonic() - t0 < seconds:
        app.processEvents()
        time.sleep(0.001)
    elapsed = time.monotonic() - t0
    timer.stop()
    held = lab.job.held_seconds() - held0
    its, draws = lab.status["iteration"] - it0, len(draw_times) - n0
    recent = draw_times[n0:]
    print(f"GUI, hidden [16, 16, 16], playing as fast as possible for {elapsed:.1f} s: {its / elapsed:,.0f} updates/s, "
          f"{draws / elapsed:.1f} redraws/s, redraw on the GUI thread median "
          f"{1000 * statistics.median(recent):.1f} ms, max {1000 * max(recent):.1f} ms; the worker waited "
          f"{100 * held / elapsed:.0f}% of the time for the GUI to draw what it sent")
    gaps_ms = sorted(1000 * g for g in gaps[1:])
    print(f"GUI 10 ms timer while playing: {len(gaps_ms)} ticks, gap p50 {gaps_ms[len(gaps_ms) // 2]:.1f} ms, "
          f"p99 {gaps_ms[int(0.99 * (len(gaps_ms) - 1))]:.1f} ms, max {gaps_ms[-1]:.1f} ms (target p99 < 50 ms)")
    lab.shutdown()
    ctx.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--gui", action="store_true", help="also measure the real lab (needs Qt)")
    a = ap.parse_args()
    for hidden in ([16, 16, 16], [8, 2]):
        pg = Playground(PlaygroundSpec(hidden=hidden, resolution=100))
        ms = 1000 * time_views(pg, a.repeats)
        print(f"views, hidden {hidden}, 100x100 grid, {len(pg.y_train)} train + {len(pg.y_val)} val points: "
              f"median {ms:.2f} ms{'  (target < 20 ms)' if hidden == [16, 16, 16] else ''}")
    for hidden in ([16, 16, 16], [8, 2]):
        bare, _ = steps_per_s(Playground(PlaygroundSpec(hidden=hidden)), a.seconds, 0)
        live, nviews = steps_per_s(Playground(PlaygroundSpec(hidden=hidden)), a.seconds, VIEW_RATE)
        print(f"training, hidden {hidden}, batch 16: {bare:,.0f} updates/s without views, "
              f"{live:,.0f} updates/s with views at {VIEW_RATE:g}/s ({nviews / a.seconds:.1f} views/s measured)")
    if a.gui:
        gui(a.seconds)


if __name__ == "__main__":
    main()
