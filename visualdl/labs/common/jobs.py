"""What several labs' long-lived command jobs share (no Qt: runs on the worker thread).

The idle loop is ``ctl.next_commands(wait=not busy)`` (visualdl.ui.worker.JobControl); the merge of
run updates the GUI has not taken yet is ``merge_run_updates`` below, for the training job's
``Update`` dataclass and the playground's update dicts alike.
"""
from __future__ import annotations

from dataclasses import replace


def merge_run_updates(pending, new, latest: tuple[str, ...]):
    """Combine two updates of a run job so that no curve row and no event is lost.

    pending, new: updates with the fields run, reset, rows (list), events (list) and the fields named
    in ``latest`` (a value or None); either dicts or dataclasses (both the same kind).
    A new run (``new.reset`` or another ``run``) drops the older run's rows but keeps its events.
    Otherwise rows and events are concatenated, ``reset`` stays the pending one, and each field of
    ``latest`` takes the newer value unless that is None. Every other field is the newer one's.
    """
    is_dict = isinstance(new, dict)
    get = dict.__getitem__ if is_dict else getattr
    changes = {"events": get(pending, "events") + get(new, "events")}
    if not (get(new, "reset") or get(new, "run") != get(pending, "run")):
        changes["reset"] = get(pending, "reset")
        changes["rows"] = get(pending, "rows") + get(new, "rows")
        for key in latest:
            value = get(new, key)
            changes[key] = value if value is not None else get(pending, key)
    return {**new, **changes} if is_dict else replace(new, **changes)
