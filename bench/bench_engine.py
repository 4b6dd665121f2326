"""Benchmark: one float32 training step (forward + backward + SGD update) of the
model presets on 3x32x32 input, NumPy engine vs PyTorch CPU in the same run.

    python bench/bench_engine.py                  # all presets, batch 128 and 256
    python bench/bench_engine.py --models small_cnn --batches 256 --repeats 5
    python bench/bench_engine.py --threads 1      # one core against one core

Columns
    ms/step    median wall time of one step; (min) the fastest step
    GFLOP/s    3 x the forward FLOPs of the conv/linear layers (forward, dW, dx)
               divided by the NumPy median step time
    peak MB    peak resident memory during one step minus the resident memory
               just before it (Linux VmHWM after resetting it through
               /proc/self/clear_refs). Measured the same way for both libraries,
               each in a fresh process after one warm-up step, with the
               model's retained outputs of the previous step dropped first,
               and glibc told to return big blocks to the system at once
               (mallopt M_MMAP_THRESHOLD, malloc_trim) so that memory freed
               earlier does not hide a peak.
    tm MB      NumPy only: tracemalloc's peak of the step (NumPy reports its
               allocations to tracemalloc), a cross-check of peak MB
    time x, mem x   NumPy / PyTorch; <= 1 means NumPy is as fast / as lean

Timing: the two libraries alternate in rounds (numpy steps, rest, torch steps,
rest) so machine load hits both; the rest of 0.25 s lets spinning worker
threads (OpenMP, OpenBLAS) go to sleep before the other library starts.
The engine itself does not wake OpenBLAS' threads (see
visualdl/engine/_parallel.py). The machine may be shared: compare the
ratios, which come from the same run, and look at the (min) columns.
Without torch installed only the NumPy columns are printed.
"""
from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from visualdl.engine.nn import _parallel, layers as L  # noqa: E402
from visualdl.engine.nn.losses import softmax_loss  # noqa: E402
from visualdl.engine.nn.optim import SGD  # noqa: E402

try:
    import torch
except ImportError:  # the NumPy half still runs
    torch = None

PRESETS = ("linear", "two_layer", "small_cnn", "standard_cnn")
INPUT = (3, 32, 32)
REST = 0.25


def build_numpy(preset, rng=0):
    try:
        from visualdl.engine.nn.models import build_model, default_config
        cfg = default_config(preset)
        cfg["reg"]["kind"] = "none"
        # the plain architectures of the issue (a preset's default may add batch norm)
        cfg["model"].update(batchnorm=False, dropout=0.0)
        return build_model(cfg, INPUT, 10, rng=np.random.default_rng(rng))
    except ImportError:  # models.py absent: the same architectures by hand
        nets = {
            "linear": lambda: [L.Flatten(), L.Linear(3072, 10, rng=rng)],
            "two_layer": lambda: [L.Flatten(), L.Linear(3072, 100, rng=rng), L.ReLU(), L.Linear(100, 10, rng=rng)],
            "small_cnn": lambda: [L.Conv2D(3, 32, 5, padding=2, rng=rng), L.ReLU(), L.MaxPool2D(), L.Flatten(),
                                  L.Linear(8192, 10, rng=rng)],
            "standard_cnn": lambda: [L.Conv2D(3, 32, 3, padding=1, rng=rng), L.ReLU(), L.MaxPool2D(),
                                     L.Conv2D(32, 64, 3, padding=1, rng=rng), L.ReLU(), L.MaxPool2D(), L.Flatten(),
                                     L.Linear(4096, 256, rng=rng), L.ReLU(), L.Linear(256, 10, rng=rng)],
        }
        return L.Sequential(*nets[preset]())


def to_torch(model):
    """The same architecture (and weights) as a torch.nn.Sequential."""
    nn = torch.nn
    mods, prev_4d = [], True
    for layer in model.layers:
        if isinstance(layer, L.Linear):
            m = nn.Linear(layer.in_features, layer.out_features)
        elif isinstance(layer, L.Conv2D):
            m = nn.Conv2d(layer.C, layer.F, layer.k, layer.stride, layer.pad)
        elif isinstance(layer, L.MaxPool2D):
            m = nn.MaxPool2d(layer.size, layer.stride)
        elif isinstance(layer, L.ReLU):
            m = nn.ReLU()
        elif isinstance(layer, L.Flatten):
            m = nn.Flatten()
        elif isinstance(layer, L.BatchNorm):  # torch's momentum weighs the new batch
            bn = nn.BatchNorm2d if prev_4d else nn.BatchNorm1d
            m = bn(layer.D, eps=layer.eps, momentum=1 - layer.momentum)
        elif isinstance(layer, L.Dropout):
            m = nn.Dropout(layer.p)
        else:
            raise ValueError(f"no torch twin for {layer.describe()}")
        prev_4d = not isinstance(layer, (L.Flatten, L.Linear)) and prev_4d
        if isinstance(layer, (L.Linear, L.Conv2D)):
            with torch.no_grad():
                m.weight.copy_(torch.from_numpy(layer.params["W"]))
                m.bias.copy_(torch.from_numpy(layer.params["b"]))
        mods.append(m)
    return nn.Sequential(*mods)


def step_flops(model, batch):
    """Multiply-add FLOPs of one training step: forward, weight gradients, and input
    gradients of every layer but the first (the engine and PyTorch both skip that one)."""
    per_layer, shape = [], INPUT
    for layer in model.layers:
        out = layer.output_shape(shape)
        if isinstance(layer, L.Linear):
            per_layer.append(2 * layer.in_features * layer.out_features)
        elif isinstance(layer, L.Conv2D):
            per_layer.append(2 * layer.C * layer.k * layer.k * int(np.prod(out)))
        shape = out
    return batch * (3 * sum(per_layer) - per_layer[0])


# ---------------------------------------------------------------- memory


_libc = None


def _limit_malloc_caching():
    """Fixed mmap threshold: big freed blocks go straight back to the OS (RSS tracks use)."""
    global _libc
    try:
        _libc = ctypes.CDLL("libc.so.6")
        _libc.mallopt(-3, 1 << 16)  # M_MMAP_THRESHOLD = 64 KiB
        _libc.mallopt(-1, 1 << 16)  # M_TRIM_THRESHOLD
        return True
    except (OSError, AttributeError):
        _libc = None
        return False


def _release_free_memory():
    """Hand free heap pages back to the OS, so reusing them shows up in RSS again."""
    gc.collect()
    if _libc is not None:
        _libc.malloc_trim(0)


def _status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    raise KeyError(field)


def rss_peak_mb(step):
    """Peak RSS during step() minus RSS before it, in MB (None where /proc is unavailable)."""
    try:
        _release_free_memory()
        before = _status_kb("VmRSS:")
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset VmHWM to the current RSS
        step()
        return (_status_kb("VmHWM:") - before) / 1024
    except (OSError, KeyError):
        return None


def tracemalloc_peak_mb(step):
    gc.collect()
    tracemalloc.start()
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


# ---------------------------------------------------------------- steps


def numpy_stepper(model, x, y):
    opt = SGD(1e-3)
    params = model.named_params()

    def step():
        scores = model.forward(x, train=True)
        _, dscores = softmax_loss(scores, y)
        model.backward(dscores)
        opt.step(params, model.named_grads())

    def drop_retained():
        model.activations = []

    return step, drop_retained


def torch_stepper(tmodel, x, y):
    opt = torch.optim.SGD(tmodel.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    loss_fn = torch.nn.functional.cross_entropy

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(tmodel(xt), yt)
        loss.backward()
        opt.step()

    def drop_retained():
        opt.zero_grad(set_to_none=True)

    return step, drop_retained


def time_steps(step, n):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return times


def setup(preset, batch, use_torch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, *INPUT)).astype(np.float32)
    y = rng.integers(0, 10, batch).astype(np.int64)
    model = build_numpy(preset)
    contenders = [("numpy",) + numpy_stepper(model, x, y)]
    if use_torch:
        contenders.append(("torch",) + torch_stepper(to_torch(model), x, y))
    return model, contenders


def time_one(preset, batch, repeats, steps_per_round, use_torch):
    model, contenders = setup(preset, batch, use_torch)
    for _, step, _ in contenders:  # warm-up (allocations, thread start-up)
        step()
        step()
        time.sleep(REST)
    times = {name: [] for name, _, _ in contenders}
    for _ in range(repeats):
        for name, step, _ in contenders:
            times[name] += time_steps(step, steps_per_round)
            time.sleep(REST)
    result = {"model": preset, "batch": batch, "flops": step_flops(model, batch)}
    for name in times:
        result[f"{name}_ms"] = 1000 * statistics.median(times[name])
        result[f"{name}_min_ms"] = 1000 * min(times[name])
    return result


def memory_one(preset, batch, use_torch):
    """Peak memory of one step, each library in a fresh process of its own (see the docstring)."""
    result = {}
    for lib in ["numpy"] + (["torch"] if use_torch else []):
        out = subprocess.run([sys.executable, __file__, "--memory-child", lib, preset, str(batch)],
                             capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            raise RuntimeError(f"memory measurement of {lib} {preset} failed:\n{out.stderr}")
        result.update(json.loads(out.stdout.strip().splitlines()[-1]))
    return result


def memory_child(lib, preset, batch):
    """In a fresh process: malloc set up first, one warm-up step, then the measured step."""
    _limit_malloc_caching()
    model, contenders = setup(preset, int(batch), lib == "torch")
    name, step, drop = contenders[-1] if lib == "torch" else contenders[0]
    step()
    drop()
    result = {f"{name}_mb": rss_peak_mb(step)}
    if name == "numpy":
        drop()
        result["numpy_tm_mb"] = tracemalloc_peak_mb(step)
    print(json.dumps(result))


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", nargs="+", default=list(PRESETS), choices=PRESETS)
    ap.add_argument("--batches", nargs="+", type=int, default=[128, 256])
    ap.add_argument("--repeats", type=int, default=4, help="alternating rounds per library")
    ap.add_argument("--steps", type=int, default=0, help="steps per round (default: by model size)")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--threads", type=int, default=0,
                    help="threads for both libraries (default: all); 1 compares one core with one "
                         "core, which stays meaningful when other jobs keep the second core busy")
    ap.add_argument("--memory-child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.memory_child:
        return memory_child(*args.memory_child)
    use_torch = torch is not None and not args.no_torch
    if args.threads:
        _parallel.set_num_threads(args.threads)
        if use_torch:
            torch.set_num_threads(args.threads)
    if use_torch:
        torch.manual_seed(0)
    print(f"numpy {np.__version__}" + (f", torch {torch.__version__} ({torch.get_num_threads()} threads)"
                                       if use_torch else ", torch not used")
          + f", {os.cpu_count()} CPUs, engine threads {_parallel.num_threads()}", flush=True)
    configs = [(p, b) for p in args.models for b in args.batches]
    # all timing first, in the normal malloc mode; memory afterwards (see _limit_malloc_caching)
    timed = {}
    for preset, batch in configs:
        # Rounds long enough that the first, cold step after each rest does not dominate the
        # median (with 20 / 3 steps a round the numbers were 1.3-1.5x worse for both libraries).
        steps = args.steps or (200 if preset in ("linear", "two_layer") else 10)
        timed[preset, batch] = time_one(preset, batch, args.repeats, steps, use_torch)
    head = f"{'model':<13}{'batch':>6}{'ms/step':>9}{'(min)':>7}{'GFLOP/s':>9}{'peak MB':>9}{'tm MB':>7}"
    if use_torch:
        head += f"{'torch ms':>10}{'(min)':>7}{'torch MB':>10}{'time x':>8}{'mem x':>7}"
    print(head)
    print("-" * len(head))
    for preset, batch in configs:
        r = timed[preset, batch]
        r.update(memory_one(preset, batch, use_torch))
        line = (f"{preset:<13}{batch:>6}{r['numpy_ms']:>9.1f}{r['numpy_min_ms']:>7.1f}"
                f"{r['flops'] / r['numpy_ms'] / 1e6:>9.1f}"
                f"{fmt(r['numpy_mb'], '.0f'):>9}{r['numpy_tm_mb']:>7.0f}")
        if use_torch:
            mem_ratio = (r["numpy_mb"] / r["torch_mb"]) if r["numpy_mb"] and r["torch_mb"] else None
            line += (f"{r['torch_ms']:>10.1f}{r['torch_min_ms']:>7.1f}{fmt(r['torch_mb'], '.0f'):>10}"
                     f"{r['numpy_ms'] / r['torch_ms']:>8.2f}{fmt(mem_ratio, '.2f'):>7}")
        print(line, flush=True)


if __name__ == "__main__":
    main()
