"""The one background-worker pattern: jobs run off the GUI thread, yield throttled copies, stop cleanly."""
from __future__ import annotations

import gc
import threading
import time

import pytest
from PySide6.QtCore import QObject, QThread, Slot

from visualdl.ui.worker import Runner, gui_thread_collector


class Recorder(QObject):
    """GUI-thread receiver (bound methods, as the app does)."""

    def __init__(self):
        super().__init__()
        self.values, self.threads, self.results, self.errors, self.progress = [], [], [], [], []

    @Slot(object)
    def on_value(self, value):
        self.values.append(value)
        self.threads.append(QThread.currentThread())

    @Slot(object)
    def on_finished(self, result):
        self.results.append(result)

    @Slot(str)
    def on_error(self, message):
        self.errors.append(message)

    @Slot(int, int, str)
    def on_progress(self, done, total, message):
        self.progress.append((done, total, message))


def _connect(job, rec):
    job.yielded.connect(rec.on_value)
    job.finished.connect(rec.on_finished)
    job.errored.connect(rec.on_error)
    job.progress.connect(rec.on_progress)


def fast_counter(ctl, n):
    worker_thread = threading.get_ident()
    for i in range(n):
        yield {"i": i, "thread": worker_thread}
    return n


def merge_rows(pending, new):
    return {"rows": pending["rows"] + new["rows"]}


def row_job(ctl, n):
    for i in range(n):
        yield {"rows": [i]}


def waiting_job(ctl, started: threading.Event):
    started.set()
    steps = 0
    while not ctl.cancelled:
        time.sleep(0.001)  # one "step"
        steps += 1
        yield None
    return steps


def failing_job(ctl):
    yield 1
    raise ValueError("Invalid learning rate: -1")


def commanded_job(ctl):
    seen = []
    while True:
        cmd = ctl.wait_command(0.02)
        if cmd == "stop":
            return seen
        if cmd is not None:
            seen.append(cmd)
        yield None


def loader(ctl, total):
    for i in range(total + 1):
        ctl.report_progress(i, total, "loading")
    return "loaded"


@pytest.fixture
def runner(qapp):
    r = Runner()
    yield r
    r.shutdown()


def test_values_arrive_on_gui_thread_throttled_and_last_one_delivered(qtbot, runner):
    rec = Recorder()
    job = runner.submit(fast_counter, 200_000, max_rate=30)
    _connect(job, rec)
    with qtbot.waitSignal(job.ended, timeout=30000):
        pass
    assert rec.results == [200_000]
    assert rec.values[-1]["i"] == 199_999  # the last one always arrives
    assert len(rec.values) < 2000  # throttled: nowhere near one event per value
    gui = QThread.currentThread()
    assert all(t is gui for t in rec.threads)
    assert rec.values[0]["thread"] != threading.get_ident()  # the work ran elsewhere


def test_merge_keeps_every_row(qtbot, runner):
    rec = Recorder()
    job = runner.submit(row_job, 50_000, merge=merge_rows, max_rate=20)
    _connect(job, rec)
    with qtbot.waitSignal(job.ended, timeout=30000):
        pass
    rows = [r for v in rec.values for r in v["rows"]]
    assert rows == list(range(50_000))


def test_cancel_stops_a_busy_loop_within_a_step(qtbot, runner):
    started = threading.Event()
    rec = Recorder()
    job = runner.submit(waiting_job, started)
    _connect(job, rec)
    assert started.wait(5)
    t0 = time.monotonic()
    job.cancel()
    with qtbot.waitSignal(job.ended, timeout=5000):
        pass
    assert time.monotonic() - t0 < 1.0
    assert job.cancelled and not job.is_running()
    assert runner.active_jobs() == []


def test_error_becomes_a_message_not_a_crash(qtbot, runner):
    rec = Recorder()
    job = runner.submit(failing_job)
    _connect(job, rec)
    with qtbot.waitSignal(job.ended, timeout=5000):
        pass
    assert rec.errors == ["Invalid learning rate: -1"]
    assert rec.values == [1]
    assert rec.results == []


def test_commands_reach_the_running_job_in_order(qtbot, runner):
    rec = Recorder()
    job = runner.submit(commanded_job)
    _connect(job, rec)
    for cmd in ("pause", ("lr", 0.5), "play"):
        job.send(cmd)
    job.send("stop")
    with qtbot.waitSignal(job.ended, timeout=5000):
        pass
    assert rec.results == [["pause", ("lr", 0.5), "play"]]


def test_plain_function_job_reports_progress(qtbot, runner):
    rec = Recorder()
    job = runner.submit(loader, 10)
    _connect(job, rec)
    with qtbot.waitSignal(job.ended, timeout=5000):
        pass
    assert rec.results == ["loaded"]
    assert rec.progress[-1] == (10, 10, "loading")


def test_shutdown_stops_every_running_job(qtbot, runner):
    started = threading.Event()
    jobs = [runner.submit(waiting_job, started) for _ in range(3)]
    assert started.wait(5)
    assert runner.shutdown(5000)
    from visualdl.ui.worker import live_threads

    assert live_threads() == []
    assert all(job.cancelled for job in jobs)


def slow_loader(ctl, started: threading.Event):
    started.set()
    time.sleep(0.2)  # a load that does not look at the cancel flag
    return "data"


def test_a_cancelled_job_finishes_with_none_even_if_it_completed(qtbot, runner):
    started = threading.Event()
    rec = Recorder()
    job = runner.submit(slow_loader, started)
    _connect(job, rec)
    assert started.wait(5)
    job.cancel()
    with qtbot.waitSignal(job.ended, timeout=5000):
        pass
    assert rec.results == [None]


def _raises(ctl, exc):
    raise exc


@pytest.mark.parametrize("exc, printed", [
    (RuntimeError("a bug"), True),
    (__import__("visualdl.data.errors", fromlist=["DataError"]).DataError("x.tar.gz: not CIFAR-10"), False),
    (__import__("visualdl.data.errors", fromlist=["Cancelled"]).Cancelled("loading cancelled"), False),
    (FileNotFoundError("no such file: a.json"), False),
])
def test_expected_failures_print_no_traceback_bugs_do(qtbot, runner, capfd, exc, printed):
    job = runner.submit(_raises, exc)
    with qtbot.waitSignal(job.failed, timeout=5000) as blocker:
        pass
    failure = blocker.args[0]
    assert failure.exception is exc and failure.kind == type(exc).__name__
    assert ("Traceback (most recent call last)" in capfd.readouterr().err) is printed


class _Noted:
    """Garbage in a reference cycle (only the cyclic collector frees it) that notes which thread freed it."""

    threads: list[str] = []

    def __init__(self):
        self.me = self

    def __del__(self):
        _Noted.threads.append(threading.current_thread().name)


def churning_job(ctl, seconds):
    """A training-like loop: it makes cyclic garbage and allocates enough to cross the collector's thresholds."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and not ctl.cancelled:
        _Noted()
        rows = [[i] for i in range(2000)]
        yield None
    return len(rows)


def test_garbage_is_collected_on_the_gui_thread_while_a_job_runs(qtbot, runner):
    """Collected on a worker, garbage holding Qt objects runs their destructors there and can deadlock
    against the GUI thread (a gc.collect() thread beside the lab 5 tests hung them at 0% CPU)."""
    _Noted.threads.clear()
    job = runner.submit(churning_job, 1.5)
    assert not gc.isenabled()  # off before the worker ran a line
    qtbot.waitUntil(lambda: not job.is_running(), timeout=20000)
    assert len(_Noted.threads) >= 10  # the job's garbage was freed while it ran...
    assert set(_Noted.threads) == {threading.main_thread().name}  # ...always on the GUI thread
    assert not gc.isenabled()  # and automatic collection stays off: the timer goes on collecting


def test_automatic_collection_is_off_for_the_apps_life_and_uninstall_restores_only_what_it_changed(qtbot):
    collector = gui_thread_collector()
    collector.uninstall()
    try:
        assert gc.isenabled()
        r = Runner()  # the app's start
        assert not gc.isenabled() and collector.installed()
        started = threading.Event()
        r.submit(waiting_job, started)
        assert started.wait(5)
        assert r.shutdown()
        assert not gc.isenabled()  # no worker left: still off (Qt objects are destroyed from now on too)
        _Noted.threads.clear()
        for _ in range(2000):  # cyclic garbage past the collector's first threshold
            _Noted()
        qtbot.waitUntil(lambda: len(_Noted.threads) > 100, timeout=5000)  # freed by the timer...
        assert set(_Noted.threads) == {threading.main_thread().name}  # ...on the GUI thread
        collector.uninstall()
        assert gc.isenabled() and not collector.installed()
        gc.disable()  # e.g. a program embedding the engine turned it off itself
        Runner()
        collector.uninstall()
        assert not gc.isenabled()  # not ours to turn back on
    finally:
        gc.enable()
        collector.install()


def counting_job(ctl, steps: list):
    """Busy in plain Python (holds the GIL, as a small net's NumPy steps do); counts its steps."""
    while not ctl.cancelled:
        x = 0
        for i in range(2000):
            x += i
        steps[0] += 1
        yield {"step": steps[0]}


class Drawer(QObject):
    """A GUI-thread receiver that draws: it asks a widget to repaint and notes what happened when."""

    def __init__(self, widget, steps):
        super().__init__()
        self.widget, self.steps, self.log = widget, steps, []

    @Slot(object)
    def on_value(self, value):
        before = self.steps[0]
        time.sleep(0.02)  # the drawing; sleeping frees the GIL, as Qt's painting does
        self.log.append(("value", before, self.steps[0]))
        self.widget.update()


def test_the_worker_holds_still_until_the_gui_has_drawn_what_it_sent(qtbot, runner):
    """Two problems this pacing fixed: a busy worker made each repaint 10-30x slower (the GIL), and the
    next value always arrived before the last one's repaint, so the GUI never went idle and timers
    (a test's 10 ms wait among them) stopped firing for seconds."""
    from PySide6.QtWidgets import QWidget

    class Canvas(QWidget):
        def __init__(self, log):
            super().__init__()
            self.log = log

        def paintEvent(self, event):
            self.log.append(("paint",))

    steps = [0]
    log = []
    canvas = Canvas(log)
    qtbot.addWidget(canvas)
    canvas.show()
    qtbot.waitExposed(canvas)
    drawer = Drawer(canvas, steps)
    drawer.log = log
    ticks = []
    from PySide6.QtCore import QTimer
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    job = runner.submit(counting_job, steps, max_rate=1000)
    job.yielded.connect(drawer.on_value)
    qtbot.waitUntil(lambda: sum(e[0] == "value" for e in log) >= 20, timeout=20000)
    job.cancel()
    qtbot.waitUntil(lambda: not job.is_running(), timeout=5000)
    timer.stop()
    values = [e for e in log if e[0] == "value"]
    # while the GUI handled a value the worker did not take a single step
    assert all(before == after for _, before, after in values), values[:5]
    # and every value's repaint came before the next value
    kinds = [e[0] for e in log]
    first = kinds.index("value")
    for i in range(first, len(kinds) - 1):
        if kinds[i] == "value" and "value" in kinds[i + 1:]:
            assert kinds[i + 1] == "paint", kinds[first:first + 12]
    # the GUI went idle between values: the 10 ms timer kept firing
    assert len(ticks) >= len(values) // 4
    assert job.held_seconds() >= 0.02 * (len(values) - 1)  # it waited at least through each 20 ms drawing


def test_while_jobs_run_freed_heap_pages_go_back_to_the_system_now_and_then(qtbot, runner, monkeypatch):
    import visualdl.ui.gc_guard as gc_guard

    calls = []
    monkeypatch.setattr(gc_guard, "_MALLOC_TRIM", calls.append)
    monkeypatch.setattr(gui_thread_collector(), "TRIM_EVERY_S", 0.3)
    job = runner.submit(churning_job, 1.2)
    qtbot.waitUntil(lambda: not job.is_running(), timeout=20000)
    assert 1 <= len(calls) <= 6 and set(calls) == {0}  # at most every 0.3 s of a 1.2 s job, on the GUI timer
