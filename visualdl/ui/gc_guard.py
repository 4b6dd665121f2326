"""Python's cyclic garbage collection only at safe points on the GUI thread (see GuiThreadCollector)."""
from __future__ import annotations

import gc
import os
import sys
import time
from typing import Callable

from PySide6.QtCore import QObject, QTimer, Slot


class GuiThreadCollector(QObject):
    """Python's cyclic garbage collection on a GUI-thread timer, never in the middle of anything.

    CPython collects wherever a GC-tracked allocation crosses a threshold. Two places where that hung
    the app for good, both reproduced (``tests/test_stack_pitfalls.py``):

    - On a busy worker thread: garbage holding Qt objects (a closed lab's widgets, a finished job's
      handle) ran their C++ destructors there and took Qt's signal locks while the GUI thread, inside
      a signal, waited for the GIL held by that collection.
    - Inside a Qt destructor on the GUI thread: ``~QObject`` holds one of Qt's pooled signal-slot
      mutexes while it asks each sender's Python wrapper for a ``disconnectNotify`` override; that
      lookup allocates, the collection it starts destroys another QObject, and when that object's
      mutex is the same one of the pool's 131 (the odds grow with every collected QObject) the thread
      waits on itself. Seen as a test's teardown stopping at 0% CPU in ``ctx.shutdown()``.

    So from the app's start (``install``, called when the first ``Runner`` is made) automatic
    collection is off for the app's whole life and this timer collects instead, with the interpreter's
    own thresholds (pyqtgraph's GarbageCollector pattern): it runs between events, where no destructor
    is half done. ``uninstall`` turns automatic collection back on (only if this turned it off).

    Every TRIM_EVERY_S seconds it also gives the C heap's freed pages back to the system (glibc's
    malloc_trim): the training jobs' temporaries (tens of MB a step) left the heaps holding freed memory,
    so resident memory rose in steps over an hour while what Python kept stayed flat (bench/soak.py).
    """

    INTERVAL_MS = 250
    TRIM_EVERY_S = 10.0

    def __init__(self, busy: Callable[[], bool]):
        super().__init__()
        self._busy = busy  # whether any worker thread still runs (trimming only matters then)
        self.timer = QTimer(self)
        self.timer.setInterval(self.INTERVAL_MS)
        self.timer.timeout.connect(self.collect)
        self._turned_off = False
        self.collections = [0, 0, 0]  # how many times each generation was collected here (tests, diagnostics)
        self._last_trim = time.monotonic()

    def install(self) -> None:
        """Automatic collection off from now on; the timer collects. Idempotent."""
        if gc.isenabled():
            gc.disable()
            self._turned_off = True
        if not self.timer.isActive():
            self.timer.start()

    def uninstall(self) -> None:
        """Automatic collection back on (only if ``install`` turned it off); the timer stops."""
        self.timer.stop()
        if self._turned_off:
            self._turned_off = False
            gc.enable()

    def installed(self) -> bool:
        return self.timer.isActive()

    @Slot()
    def collect(self) -> None:
        """What automatic collection would have done since the last tick (call only where no Qt
        destructor is under way: the timer, or between tests)."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in range(3):
            if thresholds[generation] <= 0 or counts[generation] <= thresholds[generation]:
                break
            gc.collect(generation)
            self.collections[generation] += 1
        if self._busy() and time.monotonic() - self._last_trim >= self.TRIM_EVERY_S:
            self._last_trim = time.monotonic()
            trim_heap()


def _glibc(name: str, argtypes: list[str], restype=None):
    """A function of glibc (ctypes type names for its int/size_t arguments; result ``restype``,
    int by default), or None (other C libraries, other systems)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        fn = getattr(ctypes.CDLL("libc.so.6"), name)
    except (OSError, AttributeError):
        return None
    fn.argtypes, fn.restype = [getattr(ctypes, t) for t in argtypes], restype or ctypes.c_int
    return fn


def _mallinfo2_struct():
    import ctypes

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                                            "usmblks", "fsmblks", "uordblks", "fordblks",
                                                            "keepcost")]
    return MallInfo2


_MALLOC_TRIM = _glibc("malloc_trim", ["c_size_t"])
_MALLOPT = _glibc("mallopt", ["c_int", "c_int"])
_MALLINFO2 = _glibc("mallinfo2", [], _mallinfo2_struct())  # glibc 2.33+
M_ARENA_MAX = -8  # glibc's mallopt parameter number for the arena limit
HEAP_ARENAS = 2


def limit_heap_arenas(arenas: int = HEAP_ARENAS) -> bool:
    """Let glibc's malloc keep at most ``arenas`` heaps (call at start-up, before worker threads).

    By default glibc gives each thread that meets a locked heap a new one, up to 8 per core; the
    training jobs' large temporaries then left memory freed but held in several heaps. In an hour's
    soak (bench/soak.py) the per-minute floor of resident memory rose 87 MB after minute 5 with the
    default heaps and ``trim_heap`` every 30 s, 60 MB with two heaps and a trim every 10 s, and 32-43 MB
    (two runs) once the histories also reached their caps early (README, "Memory over long runs"). A
    MALLOC_ARENA_MAX set by the user wins (nothing is changed). True when the limit was set.
    """
    if _MALLOPT is None or os.environ.get("MALLOC_ARENA_MAX"):
        return False
    return bool(_MALLOPT(M_ARENA_MAX, int(arenas)))


def trim_heap() -> None:
    """Return the C heap's freed pages to the system (a no-op where glibc is not the C library)."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def heap_stats_mb() -> tuple[float, float, float] | None:
    """glibc's malloc statistics in MB: (in use, freed but held in the heaps, in mmapped blocks), or
    None where glibc (2.33+) is not the C library. "In use" growing means live C/C++/NumPy memory
    grows; "freed but held" growing means the heaps fragment (bench/soak.py prints both)."""
    if _MALLINFO2 is None:
        return None
    info = _MALLINFO2()
    return info.uordblks / 2**20, info.fordblks / 2**20, info.hblkhd / 2**20


_COLLECTOR: GuiThreadCollector | None = None


def collect_if_installed() -> None:
    """Collect now if the app's collector has taken over from automatic collection (call it only at a
    safe point, e.g. between tests that run no event loop)."""
    if _COLLECTOR is not None and _COLLECTOR.installed():
        _COLLECTOR.collect()


def collector(busy: Callable[[], bool]) -> GuiThreadCollector:
    """The one collector (made on first use, on the GUI thread, by the first Runner)."""
    global _COLLECTOR
    if _COLLECTOR is None:
        _COLLECTOR = GuiThreadCollector(busy)
    return _COLLECTOR
