"""2D points with class labels as CSV: ``x1,x2,label`` per line, an optional header line.

    read_points_csv(path) -> (X (N, 2) float32, y (N,) int64)
    write_points_csv(path, X, y)      atomic (visualdl.atomic): a reader never sees half a file

Reading checks every row first and returns nothing unless all are good: a DataError lists the
bad rows by line number (the first MAX_REPORTED of them) and what is wrong with each.
Labels are whole numbers 0..9 (the app's ten class colours); at least two classes are needed.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from visualdl.atomic import write_atomic
from visualdl.data.errors import DataError

MAX_CLASSES = 10
MAX_REPORTED = 8
HEADER = ["x1", "x2", "label"]


def _row_problem(row: list[str]) -> tuple[str | None, tuple | None]:
    if len(row) != 3:
        return f"expected 3 values (x1, x2, label), found {len(row)}", None
    vals = []
    for name, text in zip(("x1", "x2"), row[:2]):
        try:
            v = float(text)
        except ValueError:
            return f"{name} {text.strip()!r} is not a number", None
        if not math.isfinite(v):
            return f"{name} {text.strip()!r} is not a finite number", None
        vals.append(v)
    label = row[2].strip()
    try:
        c = int(label)
    except ValueError:
        return f"label {label!r} is not a whole number", None
    if not 0 <= c < MAX_CLASSES:
        return f"label {c} is outside 0..{MAX_CLASSES - 1}", None
    return None, (vals[0], vals[1], c)


def read_points_csv(path) -> tuple[np.ndarray, np.ndarray]:
    """Read ``x1,x2,label`` rows (see the module docstring); raises DataError naming bad lines."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"Cannot read {path.name}: {exc}") from None
    rows, problems = [], []
    for lineno, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue  # blank lines are allowed
        if lineno == 1 and [c.strip().lower() for c in row] == HEADER:
            continue
        why, value = _row_problem(row)
        if why is not None:
            problems.append(f"line {lineno}: {why}")
        else:
            rows.append(value)
    if problems:
        more = len(problems) - MAX_REPORTED
        listed = "; ".join(problems[:MAX_REPORTED]) + (f"; and {more} more" if more > 0 else "")
        raise DataError(f"{path.name}: {len(problems)} bad row(s), nothing loaded: {listed}")
    if not rows:
        raise DataError(f"{path.name}: no points found (expected lines x1,x2,label)")
    X = np.array([r[:2] for r in rows], np.float32)
    y = np.array([r[2] for r in rows], np.int64)
    if len(np.unique(y)) < 2:
        raise DataError(f"{path.name}: all {len(y)} points have label {y[0]}; need at least two classes")
    return X, y


def write_points_csv(path, X, y) -> Path:
    """Write X (N, 2) and y (N,) as ``x1,x2,label`` with a header; floats keep full precision."""
    X = np.asarray(X, np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"Expected points (N, 2) and labels (N,), got {X.shape} and {y.shape}")

    def write(fh):
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(HEADER)
        for (a, b), c in zip(X.tolist(), y.tolist()):
            w.writerow([repr(a), repr(b), int(c)])

    return write_atomic(path, write, newline="", encoding="utf-8")
