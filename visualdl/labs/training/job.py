"""The training dashboard's background job (no Qt): owns the Trainer, obeys commands, yields updates.

Run with ``ctx.runner.submit(training_job, merge=merge_updates)``; drive it with ``job.send(cmd)``:

    ("build", config, data, data_request)   new Trainer (paused); data: a loaded DataSplits
    ("play",) / ("pause",)                  run continuously / stop after the current step
    ("step", n)                             n iterations, then pause
    ("set", {"lr": 0.01, ...})              Trainer.set_hyperparams between steps (no reset)
    ("reset",)                              same seed -> same initial weights, history cleared
    ("evaluate", split, cancel_event)       accuracy on "train"/"val"/"test" with progress (ctl.report_progress)
    ("save", path)                          session = config + weights + history (+ data request)
    ("restore", session, data)              session from read_session(); replaces the Trainer
    ("probe", fn or None)                   fn(trainer) -> value, run with each snapshot (views; None = off)
    ("stop",)                               end the job

Every yielded value is an ``Update`` (merged by ``merge_updates`` while the GUI is busy, so no row is
lost): run (bumped by build/reset/restore), reset (the GUI must clear its curves first), rows
(Trainer.step() dicts), events (``Event``: kind, message, and the fields of that kind), status
(``Status``) and snapshot (a Trainer ``Snapshot`` or None; at most ~5 per second).
Event kinds: built, reset, restored, saved, set, evaluated, stopped, error (``command`` names the
command that failed, so the GUI routes errors without reading the message).
An update also carries ``probe``: the value of the probe function (``("probe", fn)``) computed with
that snapshot, or None.
"""
from __future__ import annotations

import copy
import time
from collections import deque
from dataclasses import dataclass, field

from visualdl.data import Cancelled
from visualdl.engine.nn.trainer import Trainer, load_checkpoint_for
from visualdl.labs.common.jobs import merge_run_updates
from visualdl.ui.worker import error_message

SNAPSHOT_INTERVAL = 0.2  # seconds between Trainer.snapshot() copies while running


@dataclass(frozen=True)
class Event:
    """Something the GUI must react to once (a model was built, a session saved, an error, ...)."""

    kind: str  # built | reset | restored | saved | set | evaluated | stopped | error
    message: str = ""
    command: str | None = None  # error: the command that failed ("build", "evaluate", "restore", ...)
    config: dict | None = None  # built / restored: a copy of the trainer's config
    data: dict | None = None  # restored: the data request of the session
    path: str | None = None  # saved: the session's base path
    split: str | None = None  # evaluated
    accuracy: float | None = None  # evaluated (None when cancelled)
    examples: int | None = None  # evaluated


@dataclass(frozen=True)
class Status:
    """The status strip's numbers after the last step."""

    iteration: int = 0
    epoch: float = 0.0
    loss: float | None = None
    batch_acc: float | None = None
    train_acc: float | None = None
    val_acc: float | None = None
    examples_per_s: float = 0.0
    playing: bool = False
    stopped_reason: str | None = None
    lr: float | None = None


@dataclass(frozen=True)
class Update:
    """Everything new since the last update the GUI took."""

    run: int
    reset: bool
    rows: list = field(default_factory=list)
    events: list = field(default_factory=list)  # [Event]
    status: Status = field(default_factory=Status)
    snapshot: object = None  # visualdl.engine.trainer.Snapshot or None
    probe: object = None  # the probe's value, computed with the snapshot (views such as the CNN lab's)


def merge_updates(pending: Update, new: Update) -> Update:
    """Combine two updates the GUI has not seen yet; a reset drops the older run's rows."""
    return merge_run_updates(pending, new, latest=("snapshot", "probe"))


def read_session(ctl, path):
    """Worker job: read and check a saved session -> dict (raises CheckpointError in plain words)."""
    config, arrays, history, extra = load_checkpoint_for(path)
    return {"path": str(path), "config": config, "arrays": arrays, "history": history or {},
            "extra": extra or {}, "data": (extra or {}).get("session", {}).get("data")}


class TrainingSession:
    """The job's state; one method per command (``handle``), ``step()`` and ``update()``."""

    def __init__(self, ctl=None):
        self.ctl = ctl
        self.trainer: Trainer | None = None
        self.data_request: dict | None = None
        self.run = 0
        self.playing = False
        self.steps_left = 0
        self.rows: list[dict] = []
        self.events: list[Event] = []
        self.reset_pending = False
        self.history_payload = None
        self._recent = deque(maxlen=256)  # (time, batch size) of recent steps for examples/s
        self._last_snapshot = 0.0
        self.want_snapshot = False
        self.probe = None  # fn(trainer) -> value, called with each snapshot (e.g. feature maps)

    # ------------------------------------------------------------------ commands
    def handle(self, cmd) -> bool:
        """Apply one command; False means stop the job."""
        kind = cmd[0]
        if kind == "stop":
            return False
        if kind in ("build", "restore", "reset"):
            self.playing, self.steps_left = False, 0
        try:
            getattr(self, f"_cmd_{kind}")(*cmd[1:])
        except Exception as exc:  # noqa: BLE001 - MemoryError included: the job (and the old model) live on
            self.events.append(Event("error", f"{_what(kind)}: {error_message(exc)}", command=kind))
            self.want_snapshot = True
        return True

    def _cmd_build(self, config, data, data_request=None):
        trainer = Trainer(config, data)  # may raise ValueError naming the bad field: old one stays
        self.trainer, self.data_request = trainer, data_request
        self._new_run()
        # a copy: the trainer edits its own config (lr decay at each epoch end) on this thread
        self.events.append(Event("built", f"Ready: {data.name}, {trainer.config['model']['preset']}",
                                 config=copy.deepcopy(trainer.config)))

    def _cmd_reset(self):
        if self.trainer is None:
            return
        self.trainer.reset()
        self._new_run()
        self.events.append(Event("reset", "Reset: same seed, fresh weights"))

    def _cmd_play(self):
        if self._can_train():
            self.playing = True

    def _cmd_pause(self):
        self.playing, self.steps_left = False, 0
        self.want_snapshot = True

    def _cmd_step(self, n=1):
        if self._can_train():
            self.steps_left += max(1, int(n))

    def _cmd_set(self, hyper: dict):
        if self.trainer is not None:
            self.trainer.set_hyperparams(**hyper)
            changes = ", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in hyper.items())
            self.events.append(Event("set", f"Changed {changes}"))
            self.want_snapshot = True

    def _cmd_probe(self, fn):
        self.probe = fn
        self.want_snapshot = True  # its first value comes at once, even when paused

    def _cmd_evaluate(self, split, cancel):
        """Accuracy on a whole split, between steps (the model must not change while it runs)."""
        if self.trainer is None:
            raise ValueError("nothing to evaluate yet (no model is built)")
        self.playing, self.steps_left = False, 0
        progress = self.ctl.report_progress if self.ctl is not None else None
        n = len(getattr(self.trainer.data, f"X_{split}", []))
        try:
            acc = self.trainer.evaluate(split, progress=progress, cancel=cancel)
        except Cancelled:
            self.events.append(Event("evaluated", f"Evaluation on the {split} split cancelled", split=split))
            return
        self.events.append(Event("evaluated", f"{split.capitalize()} accuracy: {acc:.2%} on {n:,} examples",
                                 split=split, accuracy=acc, examples=n))

    def _cmd_save(self, path):
        if self.trainer is None:
            raise ValueError("nothing to save yet (no model is built)")
        base = self.trainer.save(path, extra={"session": {"app": "visualdl", "data": self.data_request}})
        self.events.append(Event("saved", f"Session saved: {base}.json + .npz", path=str(base)))

    def _cmd_restore(self, session: dict, data):
        extra = session["extra"]
        trainer = Trainer(session["config"], data)
        if tuple(extra.get("input_shape", ())) != tuple(data.input_shape) or \
                extra.get("num_classes") != data.num_classes:
            raise ValueError(f"{session['path']} was trained on {extra.get('dataset')!r} data of another shape")
        trainer.apply_checkpoint(session["arrays"], session["history"], extra)
        self.trainer, self.data_request = trainer, session.get("data")
        self._new_run()
        self.rows = [dict(r) for r in trainer.history.iterations]  # the GUI redraws the saved curves
        self.events.append(Event("restored", f"Session loaded: {session['path']}",
                                 config=copy.deepcopy(trainer.config), data=self.data_request))

    # ------------------------------------------------------------------ stepping
    def _can_train(self) -> bool:
        if self.trainer is None:
            return False
        if self.trainer.stopped_reason:
            self.events.append(Event("stopped", self.trainer.stopped_reason))
            return False
        return True

    def _new_run(self):
        self.run += 1
        self.rows, self.reset_pending = [], True
        self._recent.clear()
        self.want_snapshot = True

    @property
    def busy(self) -> bool:
        return self.trainer is not None and (self.playing or self.steps_left > 0)

    def step(self) -> None:
        t = self.trainer
        metrics = t.step()
        self.rows.append(metrics)
        self._recent.append((time.perf_counter(), t.batch_size))
        if self.steps_left > 0:
            self.steps_left -= 1
            if self.steps_left == 0 and not self.playing:
                self.want_snapshot = True
        if "stopped" in metrics:
            self.playing, self.steps_left = False, 0
            self.events.append(Event("stopped", metrics["stopped"]))
            self.want_snapshot = True

    def examples_per_s(self) -> float:
        if len(self._recent) < 2:
            return 0.0
        (t0, _), (t1, _) = self._recent[0], self._recent[-1]
        n = sum(b for _, b in list(self._recent)[1:])
        return n / (t1 - t0) if t1 > t0 else 0.0

    def update(self) -> Update:
        """Everything new since the last update (then forgotten here: the worker owns it now)."""
        t = self.trainer
        now = time.monotonic()
        snapshot = None
        if t is not None and (self.want_snapshot or now - self._last_snapshot >= SNAPSHOT_INTERVAL):
            snapshot = t.snapshot()
            self._last_snapshot, self.want_snapshot = now, False
        last = t.history.iterations[-1] if t is not None and t.history.iterations else {}
        last_epoch = t.history.epochs[-1] if t is not None and t.history.epochs else {}
        status = Status(iteration=t.iteration if t else 0, epoch=t.epoch if t else 0.0,
                        loss=last.get("loss"), batch_acc=last.get("batch_acc"),
                        train_acc=last_epoch.get("train_acc"), val_acc=last_epoch.get("val_acc"),
                        examples_per_s=self.examples_per_s() if self.busy else 0.0, playing=self.busy,
                        stopped_reason=t.stopped_reason if t else None, lr=t.lr if t else None)
        probe = None
        if snapshot is not None and self.probe is not None:
            try:
                probe = self.probe(t)
            except Exception as exc:  # noqa: BLE001 - a broken view must not stop training
                self.probe = None
                self.events.append(Event("error", f"Could not gather the views: {exc}", command="probe"))
        out = Update(run=self.run, reset=self.reset_pending, rows=self.rows, events=self.events, status=status,
                     snapshot=snapshot, probe=probe)
        self.rows, self.events, self.reset_pending = [], [], False
        return out


def _what(kind: str) -> str:
    return {"build": "Could not build the model", "restore": "Could not load the session",
            "evaluate": "Could not evaluate",
            "save": "Could not save the session", "set": "Could not change that setting",
            "step": "Could not step", "reset": "Could not reset"}.get(kind, kind)


def training_job(ctl):
    """Worker-thread generator: see the module docstring for commands and updates."""
    session = TrainingSession(ctl)
    while not ctl.cancelled:
        commands = ctl.next_commands(wait=not session.busy)
        for cmd in commands:
            if not session.handle(cmd):
                return session.run
        if session.busy:
            try:
                session.step()
            except Exception as exc:  # noqa: BLE001 - report it, keep the job (and the app) alive
                session.playing, session.steps_left = False, 0
                session.events.append(Event("error", f"Training step failed: {error_message(exc)}", command="step"))
            yield session.update()  # the worker throttles and merges these
        elif commands or session.rows or session.events:
            yield session.update()
        else:
            yield None  # idle: lets the worker deliver a value it is still holding
    return session.run
