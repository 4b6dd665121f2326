"""Run the engine's NumPy work on all cores with ONE pool of threads.

NumPy threads only its matrix products (through BLAS); element-wise ufuncs
and copies run on one core. Most of them release the GIL, so splitting an
array into slabs and handing one slab to a second Python thread uses the
idle core. Small arrays are not worth a thread hand-off (~20 us), so
`split_run` runs them inline.

Matrix products go through `matmul`, which splits them over the same
threads with OpenBLAS limited to one thread in each (thread-locally, via
openblas_set_num_threads_local, OpenBLAS >= 0.3.27). Why: after every call
OpenBLAS' own worker threads keep spinning for ~0.1 s, and element-wise work
started in that window on our threads measured 3-5x slower. With one pool
nobody spins. If that OpenBLAS function cannot be found, `matmul` is plain
np.matmul and BLAS threads itself.

Set the environment variable VISUALDL_THREADS=1 to switch all this off.
"""
from __future__ import annotations

import ctypes
import glob
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np

# Below this many elements a slab is cheaper to do inline than to hand off.
MIN_PARALLEL_SIZE = 1 << 17


def _thread_count() -> int:
    try:
        wanted = int(os.environ.get("VISUALDL_THREADS", "0"))
    except ValueError:
        wanted = 0  # a malformed value means "the default", not a crash at import
    return max(1, min(wanted or (os.cpu_count() or 1), 8))


_threads = _thread_count()
_pool: ThreadPoolExecutor | None = None


def num_threads() -> int:
    return _threads


def set_num_threads(n: int) -> None:
    """Use n threads from now on (1 = everything on the calling thread)."""
    global _threads, _pool, _blas_local
    if int(n) < 1:
        raise ValueError(f"Invalid number of threads: {n}")
    _threads = int(n)
    if _pool is not None and _pool._max_workers < _threads - 1:
        _pool.shutdown(wait=True)
        _pool = None
    if _blas_local is None and _threads > 1:
        _blas_local = _find_blas_local()


def _find_blas_local():
    """openblas_set_num_threads_local from NumPy's bundled OpenBLAS, or None."""
    if _threads < 2:
        return None
    libs_dir = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in sorted(glob.glob(os.path.join(libs_dir, "*openblas*"))):
        try:
            fn = ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        fn.argtypes, fn.restype = [ctypes.c_int], ctypes.c_int
        return fn
    return None


_blas_local = _find_blas_local()
# Below this many multiply-adds (~40 us on one core) a product is not worth splitting.
# Measured on whole training steps: the linear classifier (10 x 3072 x 128..256 products)
# ran 0.61 -> 0.45 ms/step at batch 256 when split at 2M instead of 16M, the two-layer net
# was unchanged.
MIN_PARALLEL_GEMM = 1 << 21


def _worker_init():
    if _blas_local is not None:
        _blas_local(1)


def _get_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_threads - 1, thread_name_prefix="visualdl-engine",
                                   initializer=_worker_init)
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
    futures = [(pool.submit(fn, bounds[i], bounds[i + 1]), i) for i in range(1, parts)]
    fn(bounds[0], bounds[1])  # the calling thread takes the first slab
    for future, i in futures:
        # A slab no worker has started yet (the other core is busy, e.g. on a
        # shared machine) is done here rather than waited for.
        if future.cancel():
            fn(bounds[i], bounds[i + 1])
        else:
            future.result()


def matmul(a, b, out=None):
    """a @ b for 2-D arrays, split over the engine's threads (see the module docstring).

    a: (m, k), b: (k, n) -> (m, n), written into `out` when given (may be a strided view).
    """
    if out is None:
        out = np.empty((a.shape[0], b.shape[1]), np.result_type(a, b))
    if _blas_local is None:
        return np.matmul(a, b, out=out)
    m, k = a.shape
    n = b.shape[1]
    prev = _blas_local(1)  # this thread too: no BLAS worker wakes up (and spins) afterwards
    try:
        if m * n * k < MIN_PARALLEL_GEMM:
            np.matmul(a, b, out=out)
        elif n >= m:
            split_run(lambda s, e: np.matmul(a, b[:, s:e], out=out[:, s:e]), n, m * n * k)
        else:
            split_run(lambda s, e: np.matmul(a[s:e], b, out=out[s:e]), m, m * n * k)
    finally:
        _blas_local(prev)
    return out


@contextmanager
def single_threaded_blas():
    """Within the block, BLAS calls made by this thread run on this thread only.

    For code that splits its own matrix products over split_run (the pool's
    workers are single-threaded already).
    """
    if _blas_local is None:
        yield
        return
    prev = _blas_local(1)
    try:
        yield
    finally:
        _blas_local(prev)
