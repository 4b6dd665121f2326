"""How long the datasets take to load or generate.

    VISUALDL_CIFAR10=/path/cifar-10-python.tar.gz python bench/bench_data.py [--repeats 3] [--folder]

Times load_cifar10 from the archive (stream-decompressed, no extraction),
optionally from an extracted folder in a temporary directory (--folder),
the built-in image set and a toy set. Prints a table (median of repeats).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from visualdl.data import load_dataset  # noqa: E402
from visualdl.data.cifar10 import load_cifar10  # noqa: E402


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--folder", action="store_true", help="also time an extracted folder (temporary copy)")
    args = ap.parse_args(argv)
    rows = []
    archive = os.environ.get("VISUALDL_CIFAR10")
    if archive and Path(archive).is_file():
        calls = []
        rows.append(("CIFAR-10 from tar.gz (60000 images)",
                     timed(lambda: load_cifar10(archive, progress=lambda *a: calls.append(a)), args.repeats)))
        print(f"  progress callbacks per load: {len(calls) // args.repeats}", file=sys.stderr)
        if args.folder:
            tmp = Path(tempfile.mkdtemp(prefix="cifar-bench-"))
            try:
                with tarfile.open(archive) as tar:
                    tar.extractall(tmp, filter="data")
                rows.append(("CIFAR-10 from extracted folder", timed(lambda: load_cifar10(tmp), args.repeats)))
            finally:
                shutil.rmtree(tmp)
    else:
        print("VISUALDL_CIFAR10 not set: skipping CIFAR-10", file=sys.stderr)
    rows.append(("built-in images, 5000+1000+1000", timed(lambda: load_dataset("builtin"), args.repeats)))
    rows.append(("built-in images, 2000", timed(lambda: load_dataset("builtin", n_train=2000, n_val=0, n_test=0),
                                                args.repeats)))
    rows.append(("spiral, 100000 points", timed(lambda: load_dataset("spiral", n_points=100000), args.repeats)))
    print(f"\n{'dataset':<40}{'seconds':>9}")
    print("-" * 49)
    for name, t in rows:
        print(f"{name:<40}{t:>9.3f}")


if __name__ == "__main__":
    main()
