"""The idle loop of a long-lived command job, written once (no Qt: runs on the worker thread).

    while not ctl.cancelled:
        commands = next_commands(ctl, busy=running)
        if commands is None:
            yield None      # idle and nothing came: lets the runner deliver a pending snapshot
            continue
        for cmd in commands: ...
"""
from __future__ import annotations


def next_commands(ctl, busy: bool, wait: float = 0.05) -> list | None:
    """The commands sent to the job (ctl: the runner's JobControl) since the last call.

    busy: the job has work of its own (running, training), so it never waits: returns the
    commands at hand, possibly []. Idle: waits up to `wait` seconds for one command and
    returns [it], or None when none came."""
    commands = ctl.commands()
    if commands or busy:
        return commands
    command = ctl.wait_command(wait)
    return None if command is None else [command]
