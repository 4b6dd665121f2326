"""The app's one background-work pattern: a job is a generator function run on a worker thread.

    def my_job(ctl, n):                 # ctl: JobControl, always the first argument
        for i in range(n):
            if ctl.cancelled:           # cancel() sets a threading.Event; check it between steps
                return "cancelled"
            for command in ctl.commands():   # commands sent with job.send(...) (thread-safe queue)
                ...
            yield {"i": i}              # a frozen copy the engine never touches again
        return "done"                   # becomes finished(result)

    job = ctx.runner.submit(my_job, 100)
    job.yielded.connect(self._on_progress_change)   # bound methods of GUI objects, not lambdas
    job.finished.connect(self._on_done)
    job.errored.connect(self._on_error)              # a plain-words message, never a crash
    job.failed.connect(self._on_failure)             # the same as a JobFailure: kind, exception, last command

A job that obeys commands until cancelled idles with ``ctl.next_commands(wait=not busy)``
(blocks briefly when idle, never when busy). ``LatestJob`` is the "is this still the latest job?"
guard: ``self.load.start(job)`` cancels the previous one; a slot checks
``self.load.is_current(self.sender())`` and drops a superseded job's late result.

Why it is built this way (measured on the pinned stack, see STYLE.md):
- Values cross threads through ``Signal(object)``; the worker emits them, the GUI-thread ``Job``
  receives them through a queued connection and re-emits them on the GUI thread, so anything
  connected to a ``Job`` signal runs on the GUI thread, lambdas included.
- Yielded values are throttled to ``max_rate`` per second (30 by default) and there is never more
  than one undelivered value in flight: when the GUI is slow the worker keeps merging newer values
  into one pending value (``merge(pending, new)``; by default the newer one wins) instead of
  piling up events. The last value is always delivered before ``finished``.
- After sending a value the worker holds still until the GUI has drawn it: the GUI side posts a
  release event below the repaints' priority (``Job.event``), so the worker resumes once the
  repaints that value caused are done. A worker busy in Python holds the GIL, which the GUI thread
  gives up around almost every Qt call while painting: alongside it one redraw took 10-30x longer,
  the GUI never went idle, and its timers (a test's wait among them) stopped firing for seconds.
- A job that waits (paused) should ``yield None`` now and then (``ctl.wait_command`` makes that
  easy): ``None`` is never delivered but lets the worker flush a pending value.
- Stopping uses a ``threading.Event`` set directly from the GUI thread: a queued "stop" slot would
  never run while the worker's loop is busy. Shutdown is cancel, ``thread.quit()``, ``thread.wait()``.
- A plain (non-generator) function works too: its return value is the result.
- From the first ``Runner`` on, Python's cyclic garbage collector runs only on a GUI-thread timer
  (``GuiThreadCollector``): collected on a worker, or inside a Qt destructor on the GUI thread, the
  garbage's own Qt destructors deadlocked (against the GUI thread, or against that destructor's lock).
"""
from __future__ import annotations

import inspect
import os
import threading
import time
import traceback
import weakref
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QThread, Signal, Slot

from visualdl.ui import gc_guard as _gc_guard
from visualdl.ui.job_control import JobControl, JobFailure  # noqa: F401 - part of this module's API
from visualdl.ui.gc_guard import GuiThreadCollector

# Every worker thread ever started, so tests can prove none is left running.
_THREADS: "weakref.WeakSet[QThread]" = weakref.WeakSet()


def live_threads() -> list[QThread]:
    """Worker threads that are still running (the test suite requires none after each test)."""
    return [t for t in list(_THREADS) if _is_running(t)]


def _is_running(thread: QThread) -> bool:
    try:
        return thread.isRunning()
    except RuntimeError:  # the C++ object is already gone
        return False


def gui_thread_collector() -> GuiThreadCollector:
    """The one collector (made on first use, on the GUI thread, by the first Runner)."""
    return _gc_guard.collector(lambda: bool(live_threads()))


def keep_latest(pending: Any, new: Any) -> Any:
    """Default merge: when the GUI has not taken the pending value yet, the newer one replaces it."""
    return new


def error_message(exc: BaseException) -> str:
    """A message for people: ValueErrors (DataError, CheckpointError, ...) are already plain words."""
    text = str(exc).strip()
    if isinstance(exc, (ValueError, OSError)) and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


WORKER_NICENESS = 10


def _quiet_errors() -> tuple:
    """Failures that are expected answers, not bugs (a cancelled load, a file that is not CIFAR-10 or
    not a session, a file that cannot be read): the user sees the message; no traceback in the terminal."""
    try:
        from visualdl.data.errors import Cancelled, DataError
        from visualdl.engine.nn.serialize import CheckpointError
    except ImportError:  # pragma: no cover
        return ()
    return (Cancelled, DataError, CheckpointError, OSError)


_QUIET = _quiet_errors()


def _cancelled_error() -> tuple:
    try:
        from visualdl.data.errors import Cancelled
    except ImportError:  # pragma: no cover
        return ()
    return (Cancelled,)


_CANCELLED = _cancelled_error()


def _lower_this_threads_priority() -> None:
    """Let the GUI thread win the CPU on a busy 2-core machine (Linux: nice is per thread).

    Threads the job starts (the engine's pool) inherit it. Best effort: other systems skip it.
    """
    try:
        tid = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, max(current, WORKER_NICENESS))
    except (AttributeError, OSError):
        pass


class _WorkerCore(QObject):
    """Lives on the worker thread and iterates the job."""

    yielded = Signal(object)
    progress = Signal(int, int, str)
    finished = Signal(object)
    errored = Signal(str)
    failed = Signal(object)  # JobFailure, emitted just before errored

    def __init__(self, fn: Callable, args: tuple, kwargs: dict, merge: Callable, max_rate: float):
        super().__init__()
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.title = ""
        self.merge = merge
        self.min_interval = 1.0 / max_rate if max_rate > 0 else 0.0
        self.ctl = JobControl(self)
        # Set by the GUI side once it has taken the last delivered value: at most one in flight.
        self.delivered = threading.Event()
        self.delivered.set()
        self.held_s = 0.0  # seconds spent waiting for the GUI to draw (benchmarks report it)

    def _wait_while_the_gui_draws(self) -> None:
        """Hold still (and so leave the GIL alone) until the GUI has drawn the value just sent.

        A worker busy in Python or in small NumPy calls holds the GIL; the GUI thread gives it up around
        almost every Qt call while it paints and then waits up to the interpreter's switch interval
        (5 ms) to get it back, so with a busy worker one redraw took 10-30x longer than alone and the
        GUI never went idle (timers, the 10 ms one of a test included, stopped firing). The GUI side
        lets the worker go on once its repaints are done (``Job.event``).
        """
        start = time.perf_counter()
        while not self.delivered.wait(0.05):
            if self.ctl.cancelled:
                break
        self.held_s += time.perf_counter() - start

    @Slot()
    def run(self) -> None:
        _lower_this_threads_priority()
        pending, has_pending, last_emit = None, False, 0.0
        try:
            result = self.fn(self.ctl, *self.args, **self.kwargs)
            if inspect.isgenerator(result):
                gen = result
                try:
                    while True:
                        value = next(gen)
                        if value is not None:
                            pending = self.merge(pending, value) if has_pending else value
                            has_pending = True
                        now = time.monotonic()
                        if has_pending and now - last_emit >= self.min_interval and self.delivered.is_set():
                            self.delivered.clear()
                            self.yielded.emit(pending)
                            pending, has_pending, last_emit = None, False, now
                            self._wait_while_the_gui_draws()
                        if self.ctl.cancelled:
                            gen.close()
                            result = None
                            break
                except StopIteration as stop:
                    result = stop.value
            if has_pending:  # the last value always arrives, before finished
                self.yielded.emit(pending)
            # A cancelled job's result is never used (a load that finished anyway is dropped).
            self.finished.emit(None if self.ctl.cancelled else result)
        except BaseException as exc:  # noqa: BLE001 - a job's failure is reported, never a crash
            if has_pending:
                self.yielded.emit(pending)
            if self.ctl.cancelled and isinstance(exc, _CANCELLED):  # it stopped because we asked: no error
                self.finished.emit(None)
                return
            if not isinstance(exc, _QUIET):
                traceback.print_exc()
            self.failed.emit(JobFailure(error_message(exc), type(exc).__name__, exc, self.ctl.last_command,
                                        self.title))
            self.errored.emit(error_message(exc))


RELEASE_PRIORITY = -10  # below Qt.LowEventPriority (-1), which repaints (UpdateRequest) are posted at
RELEASE_PASSES = 3  # pyqtgraph repaints in chains: a scene's queued update, then the window's repaint


_RELEASE_EVENT = QEvent.Type(QEvent.registerEventType())


class Job(QObject):
    """GUI-thread handle of one submitted job. Its signals are emitted on the GUI thread."""

    yielded = Signal(object)
    progress = Signal(int, int, str)  # done, total, message
    finished = Signal(object)  # the job's return value (None when it was cancelled)
    errored = Signal(str)  # a plain-words message
    failed = Signal(object)  # the same failure as a JobFailure (exception kind, failed command), before errored
    ended = Signal()  # after finished or errored, whichever happened

    def __init__(self, core: _WorkerCore, thread: QThread, title: str = ""):
        super().__init__()
        self.title = title
        self._core = core
        self._thread = thread
        self._done = False
        self._silenced = False  # set by Runner.shutdown(): nothing reaches the (closing) GUI any more
        self._release_passes = 0  # release events still to pass before the worker may send again
        self.error: str | None = None
        self.failure: JobFailure | None = None
        self.result: Any = None
        core.yielded.connect(self._on_yielded)
        core.progress.connect(self._on_progress)
        core.finished.connect(self._on_finished)
        core.failed.connect(self._on_failed)
        core.errored.connect(self._on_errored)

    # --- commands (safe to call from the GUI thread at any time) ---
    def cancel(self) -> None:
        self._core.ctl.cancel_event.set()

    def send(self, command: Any) -> None:
        """Queue a command the job reads between steps (``ctl.commands()``)."""
        self._core.ctl._put(command)

    @property
    def cancelled(self) -> bool:
        return self._core.ctl.cancelled

    def is_running(self) -> bool:
        return not self._done

    def held_seconds(self) -> float:
        """How long the worker has waited so far for the GUI to draw what it sent (benchmarks)."""
        return self._core.held_s

    def wait(self, timeout_ms: int = 10000) -> bool:
        """Block until the thread has ended (shutdown only: call cancel() first). True when it did.

        quit() first: the job's own end-of-run quit arrives through the GUI event loop, which is
        blocked while we wait here.
        """
        if not _is_running(self._thread):
            return True
        self._thread.quit()
        return self._thread.wait(timeout_ms)

    # --- slots: queued from the worker thread, so these run on the GUI thread ---
    @Slot(object)
    def _on_yielded(self, value: Any) -> None:
        try:
            if not self._silenced:
                self.yielded.emit(value)
        finally:
            if self._silenced:
                self._core.delivered.set()
            else:
                self._release_passes = RELEASE_PASSES
                self._post_release()

    def _post_release(self) -> None:
        QCoreApplication.postEvent(self, QEvent(_RELEASE_EVENT), RELEASE_PRIORITY)

    def event(self, event: QEvent) -> bool:
        if event.type() == _RELEASE_EVENT:
            # Posted at a priority below the repaints' (UpdateRequest's): it runs after the repaints of
            # the value just taken; posted again a few times, after the repaints those caused too.
            self._release_passes -= 1
            if self._release_passes > 0:
                self._post_release()
            else:
                self._core.delivered.set()
            return True
        return super().event(event)

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, message: str) -> None:
        if not self._silenced:
            self.progress.emit(done, total, message)

    @Slot(object)
    def _on_finished(self, result: Any) -> None:
        self.result = result
        self._end()
        if not self._silenced:
            self.finished.emit(result)
            self.ended.emit()

    @Slot(object)
    def _on_failed(self, failure: JobFailure) -> None:
        self.failure = failure
        if not self._silenced:
            self.failed.emit(failure)

    @Slot(str)
    def _on_errored(self, message: str) -> None:
        self.error = message
        self._end()
        if not self._silenced:
            self.errored.emit(message)
            self.ended.emit()

    def _end(self) -> None:
        self._done = True
        self._thread.quit()
        self._thread.wait()


class LatestJob:
    """The one current job of one kind ("is this still the latest job?" in one place).

        self.load = LatestJob()
        self.load.start(ctx.load_dataset(...))     # cancels the previous load if it still runs
        ...
        @Slot(object)
        def _on_loaded(self, data):
            if not self.load.is_current(self.sender()):
                return                              # a superseded job's late result
    """

    def __init__(self):
        self.job: Job | None = None

    def start(self, job: Job | None) -> Job | None:
        """Cancel the previous job (if it still runs); ``job`` is the current one from now on."""
        self.cancel()
        self.job = job
        return job

    def drop(self) -> None:
        """Cancel the current job and forget it: no late result of it counts any more."""
        self.cancel()
        self.job = None

    def send(self, command: Any) -> bool:
        """Send a command to the current job if it still runs; whether it did."""
        if not self.is_running():
            return False
        self.job.send(command)
        return True

    def is_current(self, sender) -> bool:
        return sender is not None and sender is self.job

    def is_running(self) -> bool:
        return self.job is not None and self.job.is_running()

    def cancel(self) -> None:
        if self.is_running():
            self.job.cancel()

    def wait(self) -> None:
        if self.job is not None:
            self.job.wait()


class Runner(QObject):
    """Starts jobs on worker threads and stops them all on shutdown (``ctx.runner``)."""

    job_started = Signal(object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        gui_thread_collector().install()  # made on the GUI thread, at the app's start
        self._jobs: list[tuple[Job, QThread, _WorkerCore]] = []
        self._closed = False  # after shutdown() no thread starts (a late signal may still ask for work)

    def submit(self, fn: Callable, *args, merge: Callable = keep_latest, max_rate: float = 30.0,
               title: str = "", **kwargs) -> Job:
        """Run ``fn(ctl, *args, **kwargs)`` on a new worker thread; returns its GUI-side ``Job``.

        merge(pending, new) -> value: how to combine yielded values the GUI has not taken yet
        (e.g. concatenate per-iteration rows so none is lost); max_rate: deliveries per second.
        """
        thread = QThread()
        thread.setObjectName(f"visualdl-job-{title or getattr(fn, '__name__', 'job')}")
        core = _WorkerCore(fn, args, kwargs, merge, max_rate)
        core.title = title
        core.moveToThread(thread)
        job = Job(core, thread, title)
        if self._closed:  # the app is closing: a cancelled job that never runs
            job.cancel()
            job._done = True
            return job
        thread.started.connect(core.run)
        job.ended.connect(self._forget_finished)
        self._jobs.append((job, thread, core))
        _THREADS.add(thread)
        gui_thread_collector().install()  # before the thread runs: it never collects garbage itself
        thread.start()
        self.job_started.emit(job)
        return job

    def active_jobs(self) -> list[Job]:
        return [job for job, _, _ in self._jobs if job.is_running()]

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Cancel every job, then wait for the threads; True when all have stopped. Later submits never run."""
        self._closed = True
        for job, _, _ in self._jobs:
            job.cancel()
            job._silenced = True  # a result still queued for the GUI is dropped, not delivered to closed labs
        ok = True
        for _, thread, _ in self._jobs:
            thread.quit()
            ok = thread.wait(timeout_ms) and ok
        self._jobs = [(j, t, c) for j, t, c in self._jobs if _is_running(t)]
        return ok

    @Slot()
    def _forget_finished(self) -> None:
        self._jobs = [(j, t, c) for j, t, c in self._jobs if j.is_running()]
