"""The race's background job (run by ctx.runner; no Qt here): a command loop around ``Race``.

Commands (tuples sent with job.send):
    ("play", bool)                 run continuously at `speed` steps per second, or pause
    ("step", n)                    n updates of every running optimizer (pauses first)
    ("reset", start | None)        every optimizer back to the start (a new start point if given)
    ("surface", surface, start)    a new surface (start None: the surface's own); resets
    ("enable", name, hyper | None) add optimizer `name` with hyper (dict; the race restarts), or remove it
    ("hyper", name, dict)          change hyperparameters mid-run (state kept)
    ("bias", bool)                 Adam's bias correction on/off (the race restarts)
    ("speed", steps_per_second)
    ("noise", std, batch)          gradient noise (synthetic) / minibatch size (model, None = full)
A refused command (bad lr, start off the map) does not stop the job: its message goes out
in the next snapshot's "error". Snapshots (see ``Race.snapshot``) add: running, speed,
generation (bumped on every reset), error, surface (the Surface object, for the map).
"""
from __future__ import annotations

import time

from visualdl.engine.optimization.race import MAX_STEPS, Race

FRAME = 1.0 / 30.0  # snapshots at most 30 per second
MAX_BATCH = 2000    # steps per optimizer between two checks of the command queue


def race_job(ctl, surface, optimizers: dict, start=None, speed: float = 30.0, noise: float = 0.0, batch=None,
             bias_correction: bool = True):
    race = Race(surface, start)
    for name, hyper in optimizers.items():
        race.add(name, **hyper)
    _set_bias(race, bias_correction)
    race.set_noise(noise, batch)
    running, generation, error = False, 0, None
    last_yield, anchor, done, dirty = 0.0, time.monotonic(), 0, False

    def snapshot():
        snap = race.snapshot()
        snap.update(running=running, speed=speed, generation=generation, error=error, surface=race.surface)
        return snap

    yield snapshot()
    while not ctl.cancelled:
        commands = ctl.commands()
        if not commands and not running:
            command = ctl.wait_command(0.05)
            if command is None:
                yield None
                continue
            commands = [command]
        changed = bool(commands)
        error = None if commands else error
        for cmd in commands:
            try:
                kind = cmd[0]
                if kind == "play":
                    running = bool(cmd[1]) and bool(race.running)
                    anchor, done = time.monotonic(), 0
                elif kind == "step":
                    running = False
                    for _ in range(int(cmd[1])):
                        race.step()
                elif kind == "reset":
                    race.reset(start=cmd[1])
                    generation += 1
                elif kind == "surface":
                    race.reset(start=cmd[2], surface=cmd[1])
                    generation += 1
                elif kind == "enable":
                    if cmd[2] is None:
                        race.remove(cmd[1])
                    else:
                        race.add(cmd[1], **cmd[2])
                        _set_bias(race, bias_correction)
                        race.reset()
                        generation += 1
                elif kind == "hyper":
                    race.racers[cmd[1]].set_hyperparams(**cmd[2])
                elif kind == "bias":
                    bias_correction = bool(cmd[1])
                    _set_bias(race, bias_correction)
                    race.reset()
                    generation += 1
                elif kind == "speed":
                    speed = max(0.1, float(cmd[1]))
                    anchor, done = time.monotonic(), 0
                elif kind == "noise":
                    race.set_noise(float(cmd[1]), cmd[2])
            except (ValueError, KeyError) as exc:
                error = str(exc).strip("'\"")
        if running:
            now = time.monotonic()
            due = min(int((now - anchor) * speed) - done, MAX_BATCH)
            for _ in range(max(due, 0)):
                race.step()
                time.sleep(0)  # release the GIL between steps: the GUI thread never waits a whole switch interval
            done += max(due, 0)
            if not race.running or all(r.steps >= MAX_STEPS for r in race.running):
                running = False
                changed = True
            changed = changed or due > 0
            if due <= 0:
                ctl.cancel_event.wait(min(FRAME, 1.0 / speed))
        dirty = dirty or changed
        now = time.monotonic()
        if dirty and (not running or now - last_yield >= FRAME):
            last_yield, dirty = now, False
            yield snapshot()
        else:
            yield None


def _set_bias(race: Race, on: bool) -> None:
    for racer in race.racers.values():
        racer.set_bias_correction(on)
