"""Accuracy on real CIFAR-10 with the training CLI: the figures the closing note reports.

    python bench/accuracy.py --data-path ../shared/data/cifar-10-python.tar.gz [--only two_layer|standard_cnn]

Runs, one after the other (never two at once: the machine has 2 cores):
    two_layer     3072-100-10, Adam 1e-3, batch 200, 10 epochs, lr x0.9 per epoch, L2 1e-3
                  target: validation accuracy >= 50%
    standard_cnn  conv32-conv64-fc256 with batch norm, flips + shifts, Adam 1e-3, batch 128,
                  cosine lr annealing over at most 600 s of training
                  target: test accuracy >= 70%
and prints a table. Each row's command can be rerun on its own.
"""
from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUNS = {
    "two_layer": (["--model", "two_layer", "--epochs", "10", "--batch-size", "200", "--optimizer", "adam",
                   "--lr", "1e-3", "--lr-decay", "0.9", "--reg", "l2", "--reg-strength", "1e-3"],
                  "val_acc", 0.50),
    "standard_cnn": (["--model", "standard_cnn", "--epochs", "30", "--batch-size", "128", "--optimizer", "adam",
                      "--lr", "1e-3", "--lr-schedule", "cosine", "--batchnorm", "--augment",
                      "--time-limit", "600"],
                     "test_acc", 0.70),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-path", required=True, help="cifar-10-python.tar.gz or its extracted folder")
    parser.add_argument("--only", choices=list(RUNS), help="run one model only")
    args = parser.parse_args()
    rows = []
    for name, (flags, metric, target) in RUNS.items():
        if args.only and name != args.only:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            report_path = Path(tmp) / "report.json"
            cmd = [sys.executable, "-m", "visualdl", "train", "--data", "cifar10", "--data-path", args.data_path,
                   *flags, "--json", str(report_path)]
            print("$", shlex.join(["python", *cmd[1:-2]]), flush=True)
            start = time.perf_counter()
            proc = subprocess.run(cmd, cwd=ROOT)
            wall = time.perf_counter() - start
            if proc.returncode != 0:
                print(f"{name}: training failed with status {proc.returncode}", file=sys.stderr)
                return 1
            report = json.loads(report_path.read_text())
        rows.append((name, report, metric, target, wall))

    print()
    print(f"{'model':<14}{'epochs':>8}{'train s':>9}{'train':>8}{'val':>8}{'test':>8}  target")
    for name, r, metric, target, wall in rows:
        ok = "met" if r[metric] >= target else "MISSED"
        print(f"{name:<14}{r['epochs']:>8.2f}{r['train_seconds']:>9.0f}{r['train_acc']:>8.3f}{r['val_acc']:>8.3f}"
              f"{r['test_acc']:>8.3f}  {metric} >= {target:.2f}: {ok}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
