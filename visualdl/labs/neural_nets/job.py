"""The playground's background job (no Qt): owns a Playground (engine Trainer inside), obeys commands.

Run with ``ctx.runner.submit(playground_job, merge=merge_updates)``; drive it with ``job.send(cmd)``:

    ("setup", spec, points)      new run: PlaygroundSpec, points None (generate) or (X, y) from a CSV
    ("play",) / ("pause",)       run continuously / stop
    ("step", n)                  n updates, then pause
    ("speed", ups)               updates per second while playing; 0 = as fast as possible
    ("reset", new_weights)       same points, same initial weights (or new ones: seed + 1)
    ("set", {"lr": .., "reg_strength": .., "reg_kind": .., "batch_size": ..})   between steps, no reset
    ("add", x, y, label) / ("remove", x, y)   edit the points while training runs (weights kept)
    ("stop",)

Every update (merged by ``merge_updates`` while the GUI is busy, so no curve row is lost):
    {"run", "reset" (the GUI clears its curves), "views": Playground.views() or None,
     "rows": [{"iteration", "train_loss", "val_loss", "train_acc", "val_acc"}], "events": [...],
     "points": (X_train, y_train, X_val, y_val) or None, "info": {"sizes", "features", "activation",
     "num_classes", "bounds", "seed"} or None, "status": {"iteration", "epoch", "playing", "steps_per_s"}}
Views are computed at most VIEW_RATE times a second while playing, and after every step or edit.
"""
from __future__ import annotations

import copy
import time
from collections import deque

from visualdl.engine.playground.session import Playground
from visualdl.labs.common.jobs import merge_run_updates

VIEW_RATE = 12.0  # decision map + neuron maps per second while playing


def merge_updates(pending: dict, new: dict) -> dict:
    """Combine two updates the GUI has not taken yet; a new run drops the older run's rows."""
    return merge_run_updates(pending, new, latest=("views", "points", "info"))


class _State:
    def __init__(self):
        self.pg: Playground | None = None
        self.run = 0
        self.playing = False
        self.steps_left = 0
        self.ups = 0.0
        self.next_due = 0.0
        self.events: list[dict] = []
        self.rows: list[dict] = []
        self.reset_pending = False
        self.want_views = self.want_points = self.want_info = False
        self.last_views = 0.0
        self.times = deque(maxlen=200)

    @property
    def busy(self) -> bool:
        return self.pg is not None and (self.playing or self.steps_left > 0)

    def handle(self, cmd) -> bool:
        kind = cmd[0]
        if kind == "stop":
            return False
        try:
            getattr(self, f"_cmd_{kind}")(*cmd[1:])
        except (ValueError, TypeError, KeyError) as exc:
            self.events.append({"kind": "error", "message": f"{kind}: {exc}"})
        return True

    def _new_run(self):
        self.run += 1
        self.playing, self.steps_left = False, 0
        self.rows, self.reset_pending = [], True
        self.want_views = self.want_points = self.want_info = True
        self.times.clear()

    def _cmd_setup(self, spec, points=None):
        self.pg = Playground(spec, points)  # raises ValueError naming the bad value: the old run stays
        self._new_run()

    def _cmd_play(self):
        if self._can_train():
            self.playing = True
            self.next_due = time.monotonic()

    def _cmd_pause(self):
        self.playing, self.steps_left = False, 0
        self.want_views = True

    def _cmd_step(self, n=1):
        if self._can_train():
            self.steps_left += max(1, int(n))

    def _cmd_speed(self, ups):
        self.ups = max(0.0, float(ups))
        self.next_due = time.monotonic()

    def _cmd_reset(self, new_weights=False):
        if self.pg is not None:
            self.pg.reset(bool(new_weights))
            self._new_run()

    def _cmd_set(self, hyper):
        if self.pg is not None:
            self.pg.set_hyper(**hyper)
            self.want_views = True

    def _cmd_add(self, x, y, label):
        if self.pg is not None:
            self.pg.add_point(x, y, label)
            self.want_points = self.want_views = True

    def _cmd_remove(self, x, y):
        if self.pg is not None and self.pg.remove_near(x, y):
            self.want_points = self.want_views = True

    def _can_train(self) -> bool:
        if self.pg is None:
            return False
        if self.pg.trainer.stopped_reason:
            self.events.append({"kind": "stopped", "message": self.pg.trainer.stopped_reason})
            return False
        return True

    def step(self):
        metrics = self.pg.step()
        self.times.append(time.perf_counter())
        if self.steps_left > 0:
            self.steps_left -= 1
            if self.steps_left == 0:
                self.want_views = True
        if "stopped" in metrics:
            self.playing, self.steps_left = False, 0
            self.events.append({"kind": "stopped", "message": metrics["stopped"]})
            self.want_views = True

    def steps_per_s(self) -> float:
        if len(self.times) < 2 or not self.busy:
            return 0.0
        return (len(self.times) - 1) / max(self.times[-1] - self.times[0], 1e-9)

    def update(self, force_views: bool) -> dict:
        pg = self.pg
        views = None
        if pg is not None and (force_views or self.want_views):
            views = pg.views()
            self.last_views, self.want_views = time.monotonic(), False
            m = views["metrics"]
            self.rows.append({"iteration": pg.trainer.iteration, **m})
        points = info = None
        if pg is not None and self.want_points:
            points = tuple(a.copy() for a in (pg.X_train, pg.y_train, pg.X_val, pg.y_val))
            self.want_points = False
        if pg is not None and self.want_info:
            info = {"sizes": pg.sizes, "features": pg.fmap.titles, "activation": pg.spec.activation,
                    "num_classes": pg.num_classes, "bounds": pg.grid.bounds, "seed": pg.spec.seed,
                    "spec": copy.deepcopy(pg.spec)}
            self.want_info = False
        out = {"run": self.run, "reset": self.reset_pending, "views": views, "rows": self.rows,
               "events": self.events, "points": points, "info": info,
               "status": {"iteration": pg.trainer.iteration if pg else 0, "epoch": pg.trainer.epoch if pg else 0.0,
                          "playing": self.busy, "steps_per_s": self.steps_per_s()}}
        self.rows, self.events, self.reset_pending = [], [], False
        return out


def playground_job(ctl):
    """Worker-thread generator: see the module docstring."""
    s = _State()
    while not ctl.cancelled:
        now = time.monotonic()
        due = s.busy and (s.ups <= 0 or now >= s.next_due)
        wait = 0.0 if due else 0.05 if not s.busy else min(0.05, max(0.0, s.next_due - now))
        commands = ctl.next_commands(wait=wait > 0, timeout=wait)
        for cmd in commands:
            if not s.handle(cmd):
                return s.run
        if s.busy and (s.ups <= 0 or time.monotonic() >= s.next_due):
            try:
                s.step()
            except Exception as exc:  # noqa: BLE001 - report it, keep the job (and the app) alive
                s.playing, s.steps_left = False, 0
                s.events.append({"kind": "error", "message": f"Training step failed: {exc}"})
            if s.ups > 0:
                s.next_due = max(s.next_due + 1.0 / s.ups, time.monotonic() - 1.0 / s.ups)
            views_due = time.monotonic() - s.last_views >= 1.0 / VIEW_RATE
            if views_due or s.want_views or s.events or s.want_points:
                yield s.update(views_due)
            else:
                yield None
        elif commands or s.want_views or s.events or s.want_points or s.want_info:
            yield s.update(False)
        else:
            yield None
    return s.run
