"""Memory of a long, fast run's history, without the window: the dashboard's training job and its RunLog.

    python bench/bench_history_memory.py --iterations 300000

A tiny network on 2-D points trains thousands of iterations per second, so an hour of the dashboard
at full speed fits in a few minutes here. The job's update rows go into a RunLog as the dashboard's
plots would take them (one update every --every steps). Prints resident memory (MB), the rows the
Trainer's history and the RunLog hold, and iterations per second, every --report iterations; at the
end, the growth after the first fifth of the run (a bounded history stays flat).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def rss_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
    except OSError:
        return 0.0
    import os
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=300_000)
    parser.add_argument("--report", type=int, default=25_000)
    parser.add_argument("--every", type=int, default=20, help="steps per update the GUI takes")
    args = parser.parse_args()

    from visualdl.data import load_dataset
    from visualdl.engine.nn.models import default_config
    from visualdl.labs.training.history import RunLog
    from visualdl.labs.training.job import TrainingSession

    cfg = default_config("two_layer")
    cfg["model"]["hidden"] = [8]
    cfg["batch_size"] = 8
    data = load_dataset("spiral", seed=0)
    session = TrainingSession()
    session.handle(("build", cfg, data, None))
    session.handle(("play",))
    log = RunLog("bench")
    log.append(session.update().rows)
    samples = [(0, rss_mb())]
    print(f"{'iterations':>10}  {'RSS MB':>7}  {'history rows':>12}  {'RunLog rows':>11}  it/s", flush=True)
    t0 = last = time.perf_counter()
    for i in range(1, args.iterations + 1):
        session.step()
        if i % args.every == 0:
            log.append(session.update().rows)
        if i % args.report == 0:
            now = time.perf_counter()
            samples.append((i, rss_mb()))
            print(f"{i:>10,}  {samples[-1][1]:7.1f}  {len(session.trainer.history):>12,}  {len(log):>11,}  "
                  f"{args.report / (now - last):,.0f}", flush=True)
            last = now
    after = [mb for i, mb in samples if i >= args.iterations / 5]
    if len(after) >= 2:
        print(f"growth after the first fifth: {max(after) - after[0]:.1f} MB over "
              f"{args.iterations * 4 // 5:,} iterations ({args.iterations / (time.perf_counter() - t0):,.0f} it/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
