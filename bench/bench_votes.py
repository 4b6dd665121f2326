"""The kNN vote count: the engine's one implementation against the per-class count it replaced.

    python bench/bench_votes.py [--cells 40000] [--repeat 5]

count_votes (visualdl.engine.classical.classifiers) takes one np.bincount over labels offset by
row; the per-class version compared the first k labels with every class (C passes). Columns:
milliseconds per call (best of --repeat) on a grid of --cells cells (the lab's 200 x 200 regions),
for class counts C and neighbour counts k; the two results are checked to be equal.
The machine is shared: compare the columns of one run.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from visualdl.engine.classical.classifiers import count_votes  # noqa: E402


def per_class(labels, num_classes, k):
    first = labels[:, :k]
    return np.stack([(first == c).sum(1) for c in range(num_classes)], axis=1)


def best_ms(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * min(times)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cells", type=int, default=40000)
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args(argv)
    rng = np.random.default_rng(0)
    print(f"{'C':>3} {'k':>4} {'count_votes ms':>15} {'per-class ms':>13}")
    for C in (2, 3, 10):
        labels = rng.integers(0, C, (args.cells, 100)).astype(np.int16)  # the lab keeps int16 labels
        for k in (1, 5, 25, 100):
            assert np.array_equal(count_votes(labels, C, k), per_class(labels, C, k))
            a = best_ms(lambda: count_votes(labels, C, k), args.repeat)
            b = best_ms(lambda: per_class(labels, C, k), args.repeat)
            print(f"{C:>3} {k:>4} {a:>15.2f} {b:>13.2f}")


if __name__ == "__main__":
    main()
