"""Lab 7 experiments: how fast their first pictures are, and what the snapshot histograms cost.

    python bench/bench_practice.py [--repeat 3]
    QT_QPA_PLATFORM=offscreen python bench/bench_practice.py --gui   # also: seconds to each tab's first picture

Prints median seconds of: the deep-net forward+backward statistics (10 x 500, batch 1,000) per init,
PCA of 1,000 built-in images' pixel vectors, one Trainer.snapshot() (now with per-layer histograms)
against the layer histograms alone, for the two-layer net and the standard CNN (batch 128).
"""
from __future__ import annotations

import argparse
import statistics
import time


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--gui", action="store_true", help="also time each lab-7 tab's first picture")
    args = parser.parse_args()
    if args.gui:
        gui_first_pictures()

    from visualdl.data import load_dataset
    from visualdl.engine.experiments.analysis import pca_2d, pixel_vectors
    from visualdl.engine.experiments.deepnet import deep_net_statistics
    from visualdl.engine.nn.histograms import layer_histograms
    from visualdl.engine.nn.trainer import Trainer

    for init, act in [("small", "tanh"), ("large", "tanh"), ("xavier", "tanh"), ("kaiming", "relu")]:
        t = median_time(lambda: deep_net_statistics(init=init, activation=act), args.repeat)
        print(f"deep-net statistics 10x500, batch 1000, {init}/{act}: {t:.3f} s")
    data = load_dataset("builtin", n_train=1000, n_val=200, n_test=10)
    X = pixel_vectors(data.X_train)
    print(f"PCA of 1000 x 3072 pixel vectors: {median_time(lambda: pca_2d(X), args.repeat):.3f} s")
    for preset in ("two_layer", "standard_cnn"):
        t = Trainer({"model": {"preset": preset}, "batch_size": 128}, data)
        t.step()
        snap = median_time(t.snapshot, args.repeat)
        hist = median_time(lambda: layer_histograms(t._last_acts, t._last_dys, t.params), args.repeat)
        step = median_time(t.step, args.repeat)
        print(f"{preset}: one step {step * 1e3:.1f} ms, snapshot {snap * 1e3:.1f} ms "
              f"(of which layer histograms {hist * 1e3:.1f} ms)")


def gui_first_pictures():
    """Open lab 7 at 1280 x 800 and time, per tab, from the click to its first picture (default settings:
    the tabs that draw on opening, and a Run click for the others)."""
    import tempfile
    from pathlib import Path

    from PySide6.QtWidgets import QApplication

    from visualdl.ui.app import create_window

    app = QApplication.instance() or QApplication([])
    ctx, window = create_window(Path(tempfile.mkdtemp()) / "bench-settings.ini", "training")
    window.resize(1280, 800)
    window.show()
    lab = window.current_lab()

    def wait(cond, timeout=120.0):
        t0 = time.perf_counter()
        while not cond() and time.perf_counter() - t0 < timeout:
            app.processEvents()
            time.sleep(0.002)
        return time.perf_counter() - t0

    wait(lambda: lab.dashboard.data is not None, 60)
    for key, page in lab.pages.items():
        if key == "monitor":
            continue
        t0 = time.perf_counter()
        lab.show_experiment(key)
        app.processEvents()
        runner = page.runner
        if not runner.running():
            runner.run_button.click()
        first = [None]

        def drew(value=None, t0=t0):
            if first[0] is None:
                first[0] = time.perf_counter() - t0

        runner.job.yielded.connect(drew)
        runner.job.finished.connect(drew)
        wait(lambda: not runner.running())
        total = time.perf_counter() - t0
        print(f"tab {page.title}: first picture {first[0] if first[0] is not None else total:.2f} s, "
              f"whole default run {total:.2f} s")
    ctx.shutdown()
    window.close()


if __name__ == "__main__":
    main()
