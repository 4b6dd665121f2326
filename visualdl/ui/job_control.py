"""What a running job sees (``JobControl``) and how a job's failure is reported (``JobFailure``).

Pure Python, no Qt: the worker (``visualdl.ui.worker``) hands a ``JobControl`` to every job as
its first argument and emits a ``JobFailure`` when one fails.
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from typing import Any


class JobControl:
    """What a running job sees: the cancel flag, the command queue, a progress reporter."""

    def __init__(self, core):  # the worker core: its min_interval and progress signal
        self.cancel_event = threading.Event()
        self._commands: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        self._core = core
        self._last_progress = 0.0
        self.last_command: Any = None  # the latest command handed to the job (see next_commands)

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def commands(self) -> list[Any]:
        """Every command sent since the last call, oldest first (never blocks)."""
        out = []
        while True:
            try:
                out.append(self._commands.get_nowait())
            except queue.Empty:
                return out

    def next_commands(self, wait: bool, timeout: float = 0.05) -> list[Any]:
        """The idle loop of a job that obeys commands, in one call.

        wait=False (the job is busy): every command sent so far, without blocking.
        wait=True (the job is idle): block up to ``timeout`` seconds for the first one, then take the rest.
        The last command returned is remembered as ``last_command`` (a failure names it).
        """
        if wait:
            first = self.wait_command(timeout)
            out = ([first] if first is not None else []) + self.commands()
        else:
            out = self.commands()
        if out:
            self.last_command = out[-1]
        return out

    def wait_command(self, timeout: float = 0.05) -> Any | None:
        """Block up to ``timeout`` seconds for one command; None if none came (or on cancel)."""
        if self.cancelled:
            return None
        try:
            return self._commands.get(timeout=timeout)
        except queue.Empty:
            return None

    def report_progress(self, done: int, total: int, message: str = "") -> None:
        """Progress of long work (same signature as the data loaders' ``progress``); throttled."""
        now = time.monotonic()
        if done >= total or now - self._last_progress >= self._core.min_interval:
            self._last_progress = now
            self._core.progress.emit(int(done), int(total), str(message))

    def _put(self, command: Any) -> None:
        self._commands.put(command)


@dataclass(frozen=True)
class JobFailure:
    """Why a job ended with an error: the message for people, and what a program routes on."""

    message: str  # plain words (error_message)
    kind: str  # the exception's class name, e.g. "MemoryError", "CheckpointError"
    exception: BaseException | None = None
    command: Any = None  # for jobs that obey commands: the last one handed to the job
    title: str = ""  # the job's title
