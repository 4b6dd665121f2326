"""Run large element-wise NumPy work on both cores.

NumPy threads only its matrix products (through BLAS); element-wise ufuncs
and copies run on one core. Most of them release the GIL, so splitting an
array into slabs and handing one slab to a second Python thread uses the
idle core. Small arrays are not worth a thread hand-off (~20 us), so
`split_run` runs them inline.

Set the environment variable VISUALDL_THREADS=1 to switch this off.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

# Below this many elements a slab is cheaper to do inline than to hand off.
MIN_PARALLEL_SIZE = 1 << 17

_threads = max(1, min(int(os.environ.get("VISUALDL_THREADS", "0")) or (os.cpu_count() or 1), 8))
_pool: ThreadPoolExecutor | None = None


def num_threads() -> int:
    return _threads


def _get_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_threads - 1, thread_name_prefix="visualdl-engine")
    return _pool


def split_run(fn, n: int, size: int) -> None:
    """Call fn(start, stop) over slabs of range(n), in parallel when worth it.

    fn: writes disjoint outputs for disjoint [start, stop) ranges.
    n: length of the axis being split; size: total elements of the work.
    """
    parts = min(_threads, n) if size >= MIN_PARALLEL_SIZE else 1
    if parts <= 1:
        fn(0, n)
        return
    bounds = [n * i // parts for i in range(parts + 1)]
    pool = _get_pool()
    futures = [pool.submit(fn, bounds[i], bounds[i + 1]) for i in range(1, parts)]
    fn(bounds[0], bounds[1])  # the calling thread takes the first slab
    for f in futures:
        f.result()
