"""The shared contracts of the app: the name->widget binding, the worker's helpers (next_commands,
JobFailure, LatestJob), the typed training snapshot, and the main window's lab specs and protocols."""
from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QObject, QPoint, Slot
from PySide6.QtWidgets import QCheckBox, QLineEdit, QVBoxLayout, QWidget

from user import choose, click, type_into
from visualdl.labs.common.binding import WidgetBinding
from visualdl.labs.common.widgets import combo, spin
from visualdl.ui.worker import JobFailure, LatestJob, Runner, live_threads


# ---------------------------------------------------------------- WidgetBinding
class Changes(QObject):
    def __init__(self):
        super().__init__()
        self.seen = []

    @Slot(str, object)
    def on_change(self, name, value):
        self.seen.append((name, value))


@pytest.fixture
def form(qtbot):
    root = QWidget()
    lay = QVBoxLayout(root)
    b = WidgetBinding(root)
    widgets = {"act": b.add("act", combo([("relu", "ReLU"), ("tanh", "tanh")])),
               "lr": b.add("lr", spin(0.0, 10.0, 0.5, decimals=3)),
               "bn": b.add("bn", QCheckBox("Batch norm")),
               "hidden": b.add("hidden", QLineEdit("100"))}
    for w in widgets.values():
        lay.addWidget(w)
    qtbot.addWidget(root)
    root.show()
    changes = Changes()
    b.changed.connect(changes.on_change)
    yield b, widgets, changes
    root.close()


def test_binding_reads_and_writes_the_form_as_one_dict(qtbot, form):
    b, w, changes = form
    assert b.state() == {"act": "relu", "lr": 0.5, "bn": False, "hidden": "100"}
    b.set_state({"act": "tanh", "lr": 2.0, "bn": True, "hidden": "200, 100"})
    assert (w["act"].currentText(), w["lr"].value(), w["bn"].isChecked(), w["hidden"].text()) == \
        ("tanh", 2.0, True, "200, 100")
    assert changes.seen == []  # quiet by default
    with pytest.raises(KeyError, match="not bound: typo"):
        b.set_state({"typo": 1})
    with pytest.raises(ValueError, match="already bound"):
        b.add("lr", spin(0, 1, 0))


def test_binding_emits_name_and_value_after_each_user_edit(qtbot, form):
    b, w, changes = form
    choose(qtbot, w["act"], "tanh")
    type_into(qtbot, w["lr"], "1.25")
    click(qtbot, w["bn"], pos=QPoint(6, w["bn"].height() // 2))  # on the box
    type_into(qtbot, w["hidden"], "64")
    assert ("act", "tanh") in changes.seen and ("lr", 1.25) in changes.seen
    assert ("bn", True) in changes.seen and ("hidden", "64") in changes.seen
    b.set_state({"lr": 3.0}, quiet=False)
    assert changes.seen[-1] == ("lr", 3.0)


# ---------------------------------------------------------------- worker helpers
def _obeying_job(ctl):
    """A job that idles until commands come (the idle loop in one call), failing on 'boom'."""
    seen = []
    while not ctl.cancelled:
        for cmd in ctl.next_commands(wait=True, timeout=0.02):
            if cmd == "boom":
                raise MemoryError("too big")
            if cmd == "stop":
                return seen
            seen.append(cmd)
        yield None


class Failures(QObject):
    def __init__(self):
        super().__init__()
        self.failures = []

    @Slot(object)
    def on_failed(self, failure):
        self.failures.append(failure)


def test_a_failed_job_reports_the_exception_kind_and_the_command(qtbot):
    runner = Runner()
    job = runner.submit(_obeying_job, title="obey")
    rec = Failures()
    job.failed.connect(rec.on_failed)
    with qtbot.waitSignal(job.errored, timeout=5000) as blocker:
        job.send("a")
        job.send("boom")
    assert blocker.args == ["MemoryError: too big"]
    failure = rec.failures[0]
    assert isinstance(failure, JobFailure)
    assert (failure.kind, failure.command, failure.title) == ("MemoryError", "boom", "obey")
    assert isinstance(failure.exception, MemoryError) and job.failure is failure
    runner.shutdown()
    assert live_threads() == []


def test_next_commands_returns_everything_sent_in_order(qtbot):
    runner = Runner()
    job = runner.submit(_obeying_job)
    for cmd in ("a", "b", "c", "stop"):
        job.send(cmd)
    with qtbot.waitSignal(job.finished, timeout=5000) as blocker:
        pass
    assert blocker.args == [["a", "b", "c"]]
    runner.shutdown()


def _sleeper(ctl, seconds, value):
    end = time.monotonic() + seconds
    while time.monotonic() < end and not ctl.cancelled:
        yield None
    return value


class Latest(QObject):
    def __init__(self):
        super().__init__()
        self.slot = LatestJob()
        self.results = []

    @Slot(object)
    def on_finished(self, result):
        if self.slot.is_current(self.sender()):
            self.results.append(result)


def test_latest_job_cancels_the_previous_one_and_ignores_its_result(qtbot):
    runner = Runner()
    rec = Latest()
    old = rec.slot.start(runner.submit(_sleeper, 5.0, "old"))
    old.finished.connect(rec.on_finished)
    new = rec.slot.start(runner.submit(_sleeper, 0.05, "new"))
    new.finished.connect(rec.on_finished)
    assert old.cancelled and rec.slot.is_current(new) and not rec.slot.is_current(old)
    qtbot.waitUntil(lambda: not old.is_running() and not new.is_running(), timeout=5000)
    assert rec.results == ["new"]
    runner.shutdown()


def test_after_shutdown_no_job_starts(qtbot):
    runner = Runner()
    runner.shutdown()
    job = runner.submit(_sleeper, 5.0, "late")
    assert not job.is_running() and job.cancelled
    assert live_threads() == []


# ---------------------------------------------------------------- typed snapshot
def test_the_snapshot_is_typed_and_carries_the_input_shape_the_network_view_shows():
    from visualdl.data import load_dataset
    from visualdl.engine.models import default_config
    from visualdl.engine.trainer import Snapshot, Trainer
    from visualdl.labs.backprop.layout import network_boxes

    trainer = Trainer(default_config("linear"), load_dataset("spiral", n_points=60))
    trainer.step()
    snap = trainer.snapshot()
    assert isinstance(snap, Snapshot)
    assert snap.input_shape == (2,) and snap["iteration"] == 1 and snap.get("epoch") == snap.epoch
    with pytest.raises(KeyError, match="no field 'input_shap'"):
        snap.get("input_shap")
    with pytest.raises(Exception):
        snap.iteration = 5  # frozen
    first = network_boxes(snap)[0]
    assert any("2" in line and "shape" in line for line in first.lines), first.lines


# ---------------------------------------------------------------- the window's lab specs
class _PlainLab(QWidget):
    def __init__(self, ctx):
        super().__init__()


class _SessionLab(QWidget):
    def __init__(self, ctx):
        super().__init__()
        self.saved = []

    def save_session(self, path):
        self.saved.append(path)

    def load_session(self, path):
        pass

    def export_history(self, path):
        return path


@dataclass(frozen=True)
class _Spec:
    key: str
    number: int
    title: str
    cls: type
    default: bool = False
    has_sessions: bool = False

    def load(self):
        return self.cls


def test_the_window_takes_its_labs_from_the_composition_root(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from user import trigger
    from visualdl.ui.context import AppContext
    from visualdl.ui.main_window import MainWindow
    from visualdl.ui.settings import Settings

    specs = [_Spec("a", 1, "Plain", _PlainLab), _Spec("b", 2, "Sessions", _SessionLab, has_sessions=True),
             _Spec("c", 3, "Opens first", _PlainLab, default=True)]
    ctx = AppContext(Settings(tmp_path / "s.ini"))
    window = MainWindow(ctx, specs)
    qtbot.addWidget(window)
    window.show()
    assert window.windowTitle().endswith("3. Opens first")  # the spec marked default, not a hard-coded key
    trigger(window, "Run", "Step")
    assert window.statusBar().currentMessage() == "This lab has nothing to run."
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(tmp_path / "s.json"), "")))
    trigger(window, "File", "Save session…")  # the visible lab has none: the spec with sessions takes it
    assert window.lab("b").saved == [str(tmp_path / "s.json")]
    window.close()
