"""Lab 6's live CNN tab: how fast it learns with its defaults, and what the live views cost (a benchmark).

Both parts run the tab's own training job state (visualdl.labs.training.job.TrainingSession, the code the worker
thread runs, one step then one update as in the job's loop, snapshots ~5 per second) without the GUI,
with the tab's defaults (visualdl.labs.cnn.live.live_config) and the views' probe on (FeatureProbe of
one test image, run with each snapshot) or off.

    # (a) test accuracy against training wall time (target: >= 60% within 180 s on 2 cores)
    python bench/bench_cnn_live.py accuracy --cifar /path/cifar-10-python.tar.gz --seconds 180 --eval-every 30
    # (b) iterations per second with and without the views (target: overhead <= 10%)
    python bench/bench_cnn_live.py overhead --cifar /path/cifar-10-python.tar.gz --seconds 60

Without --cifar (or $VISUALDL_CIFAR10) the built-in images are used. The data is loaded exactly as
the tab loads it (CIFAR-10's default splits: 49,000 train, 1,000 val, 10,000 test) and the model is
the tab's default (standard CNN, live_config). The accuracy part's checkpoints measure a fixed subset,
the first --check-size test images (default 2,000), with the clock stopped, so the time axis is
training time only and the checks cost the run little; at the end the whole test set (what the tab's
"Test accuracy" button measures) is evaluated once, and that evaluation is timed, so the line
"what a student sees" adds it to the training time. (c), the GUI's stalls with the views visible, is
bench/bench_responsiveness.py --cnn-live.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from visualdl.data import load_dataset  # noqa: E402
from visualdl.engine.cnn.features import FeatureProbe  # noqa: E402
from visualdl.labs.training.job import TrainingSession  # noqa: E402


def live_config(preset: str) -> dict:
    from visualdl.labs.cnn.live import live_config as cfg  # the tab's defaults (imports Qt, not the GUI)

    return cfg(preset)


def load(args):
    path = args.cifar or os.environ.get("VISUALDL_CIFAR10")
    t0 = time.perf_counter()
    if path:
        data = load_dataset("cifar10", path=path)  # as the tab: ctx.load_dataset("cifar10") with its defaults
    else:
        from visualdl.labs.cnn.live import LiveCnnTab

        data = load_dataset("builtin", **LiveCnnTab.BUILTIN_PARAMS)  # the tab's built-in images
    print(f"data: {data.name}, {len(data.X_train):,} train / {len(data.X_val):,} val / {len(data.X_test):,} test "
          f"images, loaded in {time.perf_counter() - t0:.1f} s", flush=True)
    return data


def session(data, preset: str, views: bool) -> TrainingSession:
    s = TrainingSession()
    s.handle(("build", live_config(preset), data))
    if views:
        s.handle(("probe", FeatureProbe(data.X_test[0], int(data.y_test[0]), tag=0)))
    s.update()
    s.handle(("play",))
    return s


def run_for(s: TrainingSession, seconds: float) -> tuple[int, int, float]:
    """Step as the job does for `seconds` -> (iterations, probe results delivered, elapsed)."""
    n = probes = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        s.step()
        n += 1
        probes += s.update().probe is not None
    return n, probes, time.perf_counter() - t0


def accuracy(args) -> int:
    data = load(args)
    s = session(data, args.preset, views=not args.no_views)
    cfg = s.trainer.config
    print(f"model {args.preset}, batch {cfg['batch_size']}, {cfg['optim']['name']} lr {cfg['optim']['lr']:g}, "
          f"batch norm {cfg['model']['batchnorm']}, augmentation {cfg['augment']}, views {not args.no_views}")
    n_test = len(data.X_test)
    check = min(args.check_size, n_test)
    print(f"checkpoints: test accuracy on the first {check:,} of {n_test:,} test images (a fixed subset; "
          "clock stopped); the whole test set once at the end, timed")
    print(f"{'train s':>8} {'iters':>7} {'epoch':>6} {'it/s':>6} {'val acc':>8} {'test acc*':>10}", flush=True)
    trained = 0.0
    first_60 = None
    while trained < args.seconds - 1e-9:
        chunk = min(args.eval_every, args.seconds - trained)
        _, _, elapsed = run_for(s, chunk)
        trained += elapsed
        t = s.trainer
        test = t.evaluate("test", limit=check)  # the clock is stopped: not training time
        val = f"{t.history.epochs[-1]['val_acc']:.1%}" if t.history.epochs else "-"
        print(f"{trained:8.0f} {t.iteration:7d} {t.epoch:6.2f} {t.iteration / trained:6.1f} {val:>8} {test:10.1%}",
              flush=True)
        if first_60 is None and test >= 0.60:
            first_60 = trained
    print(f"* on the first {check:,} test images")
    print(f"60% on that subset reached after {first_60:.0f} s of training" if first_60 is not None
          else "60% on that subset not reached in this run")
    t0 = time.perf_counter()
    full = s.trainer.evaluate("test")
    cost = time.perf_counter() - t0
    print(f"whole test set ({n_test:,} images) after {trained:.0f} s of training: {full:.1%}; "
          f"that evaluation took {cost:.1f} s")
    print(f"what a student sees: Play for {trained:.0f} s, then 'Test accuracy' -> {full:.1%} after "
          f"{trained + cost:.0f} s of wall time (target: >= 60% within 180 s; "
          f"to fit, train for 180 - {cost:.0f} s)")
    return 0


def overhead(args) -> int:
    """One training run; the views' probe switched on and off every --slice seconds, so a shared
    machine's changing load hits both settings alike; iterations and time summed per setting."""
    data = load(args)
    s = session(data, args.preset, views=False)
    run_for(s, 2.0)  # warm-up: buffers, first shuffles
    probe = FeatureProbe(data.X_test[0], int(data.y_test[0]), tag=0)
    iters = {False: 0, True: 0}
    secs = {False: 0.0, True: 0.0}
    refreshes = 0
    slices = max(2, int(round(2 * args.seconds / args.slice)))
    for k in range(slices):
        views = k % 2 == 1
        s.handle(("probe", probe if views else None))
        n, probes, elapsed = run_for(s, args.slice)
        iters[views] += n
        secs[views] += elapsed
        refreshes += probes
    off, on = iters[False] / secs[False], iters[True] / secs[True]
    times = []
    for _ in range(20):  # the probe alone, timed directly: what one refresh costs
        t0 = time.perf_counter()
        probe(s.trainer)
        times.append(time.perf_counter() - t0)
    per_refresh = statistics.median(times)
    rate = refreshes / secs[True]
    print(f"model {args.preset}, {slices} alternating slices of {args.slice:g} s")
    print(f"{'views':<8}{'iterations':>11}{'seconds':>9}{'it/s':>8}")
    for views in (False, True):
        print(f"{'on' if views else 'off':<8}{iters[views]:>11d}{secs[views]:>9.1f}{iters[views] / secs[views]:>8.2f}")
    print(f"measured overhead: {100 * (1 - on / off):.1f}% (target <= 10%; noisy on a busy machine)")
    print(f"one view refresh (filters + every layer's maps + probabilities): median {1000 * per_refresh:.1f} ms, "
          f"{rate:.1f} refreshes/s -> {100 * per_refresh * rate:.1f}% of training time")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("accuracy", "overhead"))
    parser.add_argument("--cifar", help="CIFAR-10 archive or folder (default $VISUALDL_CIFAR10, else built-in images)")
    parser.add_argument("--preset", default="standard_cnn", choices=("small_cnn", "standard_cnn"))
    parser.add_argument("--seconds", type=float, default=None,
                        help="training time (accuracy, default 180) or per setting (overhead, default 30)")
    parser.add_argument("--eval-every", type=float, default=30.0, help="accuracy: seconds of training between tests")
    parser.add_argument("--check-size", type=int, default=2000,
                        help="accuracy: test images measured at each checkpoint (the first N; default 2000)")
    parser.add_argument("--slice", type=float, default=2.0, help="overhead: seconds before switching views on/off")
    parser.add_argument("--no-views", action="store_true", help="accuracy: train without the views' probe")
    args = parser.parse_args()
    if args.seconds is None:
        args.seconds = 180.0 if args.part == "accuracy" else 30.0
    return accuracy(args) if args.part == "accuracy" else overhead(args)


if __name__ == "__main__":
    raise SystemExit(main())
