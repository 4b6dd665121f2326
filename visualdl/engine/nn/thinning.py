"""Bounded training histories: the newest rows exact, older rows thinned to the extremes of each bucket.

A run that plays for an hour at hundreds of iterations per second would otherwise keep millions of
rows. Both the Trainer's ``History`` and the dashboard's ``RunLog`` stay bounded with one rule:

- the most recent ``exact`` rows are kept exactly as they came;
- whenever more than ``limit`` rows are held, the older rows are grouped into buckets of ``width``
  consecutive iterations (a power of two, the same for the whole older part, doubled as the run
  grows so at most about ``(limit - exact) / 2`` older rows remain), and of each bucket only the rows
  holding the minimum and the maximum of each key column survive: whole rows, so every kept value
  is one that really happened. Spikes (a bucket's extremes) are never thinned away, and a plot of
  the thinned part with peak downsampling looks like the full history, evenly from the first
  iteration on.

    keep = thin_indices([loss], iteration // 64)   # sorted indices of the rows to keep
"""
from __future__ import annotations

import numpy as np

DEFAULT_EXACT = 50_000  # rows kept exactly at the end of a history
DEFAULT_LIMIT = 100_000  # rows held before the older part is halved


def thin_indices(columns, groups) -> np.ndarray:
    """Indices (sorted, int64) of the rows to keep: within each run of equal ``groups`` values (a
    non-decreasing integer array, one per row), the rows of the minimum and the maximum of every
    column in ``columns`` (1-D, as long as ``groups``). Non-finite values lose to finite ones
    (a group of only NaN keeps its first and last row)."""
    groups = np.asarray(groups)
    n = len(groups)
    if n == 0:
        return np.zeros(0, np.int64)
    if np.any(np.diff(groups) < 0):
        raise ValueError("groups must be non-decreasing (rows in iteration order)")
    keep = []
    for col in columns:
        v = np.asarray(col[:n], dtype=np.float64)
        finite = np.isfinite(v)
        for clean in (np.where(finite, v, np.inf), np.where(finite, -v, np.inf)):
            order = np.lexsort((np.arange(n), clean, groups))  # by group, then value, then position
            first = np.r_[True, groups[order][1:] != groups[order][:-1]]
            keep.append(order[first])
    return np.unique(np.concatenate(keep)).astype(np.int64)


class Bound:
    """When and how much to thin: ``due(n)`` says a history of n rows is over its limit;
    ``plan(columns, positions)`` returns the row indices to keep (the newest ``exact`` rows all kept;
    positions: each row's iteration number, non-decreasing)."""

    def __init__(self, exact: int = DEFAULT_EXACT, limit: int = DEFAULT_LIMIT, n_keys: int = 1):
        if not 0 < exact < limit:
            raise ValueError(f"need 0 < exact < limit, got exact={exact}, limit={limit}")
        self.exact, self.limit = int(exact), int(limit)
        self.per_bucket = 2 * max(1, int(n_keys))  # rows a bucket keeps at most
        self.width = 1  # iterations per bucket of the older part (only grows)
        self.dropped = 0  # rows thinned away so far

    def due(self, n_rows: int) -> bool:
        return n_rows > self.limit

    def plan(self, columns, positions) -> np.ndarray:
        positions = np.asarray(positions, dtype=np.float64)
        n_rows = len(positions)
        old = n_rows - self.exact
        if old <= 0:
            return np.arange(n_rows)
        start, end = positions[0], positions[old - 1]
        budget = max(1, (self.limit - self.exact) // 2)
        while self.per_bucket * (int((end - start) // self.width) + 1) > budget:
            self.width *= 2
        groups = ((positions[:old] - start) // self.width).astype(np.int64)
        keep = np.concatenate([thin_indices([c[:old] for c in columns], groups), np.arange(old, n_rows)])
        self.dropped += n_rows - len(keep)
        return keep

    def describe(self) -> dict | None:
        """What an export must say about the rows it holds (None while nothing was thinned)."""
        if not self.dropped:
            return None
        return {"rows_dropped": self.dropped, "exact_recent_rows": self.exact, "bucket_iterations": self.width,
                "rule": "before the exact recent rows: the rows of the min and max of each bucket of "
                        "bucket_iterations iterations"}

    def restore(self, info: dict) -> None:
        """Continue from ``describe()`` of a saved history (a session loaded back)."""
        self.dropped = int(info.get("rows_dropped", 0))
        self.width = max(1, int(info.get("bucket_iterations", 1)))
