"""Lab 5 playground speed: the views of a 3x16-unit net on a 100x100 grid, and training with views open.

    python bench/bench_playground.py [--repeats 50] [--seconds 3]

Prints the median time of one compute_views call (decision map + every neuron map + dead units +
hidden space + train/val metrics; target < 20 ms), and training updates per second on the default
spiral (300 points, batch 16) with no views and with views redrawn VIEW_RATE times a second, as
the lab's worker does while playing.
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=3.0)
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


if __name__ == "__main__":
    main()
