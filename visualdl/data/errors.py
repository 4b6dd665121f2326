"""The two exceptions every data loader raises, and the progress/cancel helpers they share.

``DataError`` is a ``ValueError`` whose message names the file (or parameter)
and what is wrong with it, so the app can show it as one line. ``Cancelled``
means the user pressed stop; nothing half-loaded is ever returned.
"""
from __future__ import annotations

import threading
from typing import Callable, Optional

ProgressFn = Optional[Callable[[int, int, str], None]]


class DataError(ValueError):
    """A dataset could not be made or read; the message says which file/value and why."""


class Cancelled(Exception):
    """The caller set the ``cancel`` event; the operation stopped and left nothing behind."""


def check_cancel(cancel: Optional[threading.Event], what: str = "operation") -> None:
    """Raise :class:`Cancelled` when ``cancel`` is set (checked between units of work)."""
    if cancel is not None and cancel.is_set():
        raise Cancelled(f"{what} cancelled")


def report(progress: ProgressFn, done: int, total: int, message: str) -> None:
    if progress is not None:
        progress(int(done), int(total), message)
