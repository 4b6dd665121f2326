"""Lab 1's decision regions: how long a new metric / new points and a new k take.

    python bench/bench_regions.py

1,000 training points, a 200 x 200 grid, votes prepared for every k up to 100
(what the lab's worker does), on three toy sets and both metrics. Columns:
    full search   KNearestNeighbor.neighbors(exact=False) on all 40,000 cells (predict's order)
    tiled search  regions.grid_neighbor_labels (exact: same labels, checked here)
    new k         KnnRegions.regions(k): re-counting votes, what moving the k slider costs
Medians of 3 runs. The machine is shared: compare the columns of one run.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from visualdl.data import load_dataset  # noqa: E402
from visualdl.engine.classical.classifiers import KNearestNeighbor  # noqa: E402
from visualdl.engine.classical.regions import KnnRegions, grid_neighbor_labels, make_grid  # noqa: E402

K_MAX = 100


def median_time(fn, runs=3):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    print(f"{'set':8} {'metric':6} {'points':>6} {'full search':>12} {'tiled search':>13} {'same':>5} {'new k':>8}")
    for name in ("spiral", "blobs", "overlap"):
        d = load_dataset(name, n_points=1250, val_fraction=0.2, test_fraction=0.0)
        grid = make_grid(d.X_train, 200)
        for metric in ("l2", "l1"):
            knn = KNearestNeighbor(1, metric).fit(d.X_train, d.y_train)
            t_full, (idx, _) = median_time(lambda: knn.neighbors(grid.points, K_MAX, exact=False))
            t_fast, labels = median_time(lambda: grid_neighbor_labels(d.X_train, d.y_train, grid, K_MAX, metric))
            table = KnnRegions(grid, labels, d.num_classes)
            t_k, _ = median_time(lambda: [table.regions(k) for k in (1, 7, 50, 100)], runs=3)
            same = np.array_equal(d.y_train[idx], labels)
            print(f"{name:8} {metric:6} {len(d.y_train):6d} {t_full:11.3f}s {t_fast:12.3f}s {str(same):>5} "
                  f"{1000 * t_k / 4:6.1f}ms")


if __name__ == "__main__":
    main()
