"""AppContext: what every lab receives — the one background runner, settings, status, shared data.

    ctx.runner                        the ONE worker pattern (visualdl.ui.worker.Runner)
    ctx.settings                      remembered choices (visualdl.ui.settings.Settings)
    ctx.status(message, source=lab)   one line in the main window's status bar (dropped while lab is hidden)
    ctx.track(job, title)             progress bar + Cancel button in the status bar for long work
    ctx.load_dataset(name, **kw)      a Job whose ``finished`` carries the DataSplits (cached)
    ctx.training_snapshot()           latest training-dashboard Snapshot (visualdl.engine.trainer) or None
    ctx.training_snapshot_changed     Signal(object), emitted with each new snapshot
    ctx.cifar_path() / set_cifar_path(path)   the CIFAR-10 archive or folder the user opened
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from visualdl.ui.settings import Settings
from visualdl.ui.worker import Job, Runner

CIFAR_KEY = "data/cifar_path"


def _cache_key(name: str, path: Any, seed: int, params: dict) -> tuple:
    return (name, str(path) if path else None, int(seed), tuple(sorted(params.items())))


def load_dataset_job(ctl, cache: dict, lock: threading.Lock, name: str, path=None, seed: int = 0, **params):
    """Worker-thread job: load (or reuse) a dataset, reporting progress; cancel raises Cancelled."""
    from visualdl.data import load_dataset

    key = _cache_key(name, path, seed, params)
    with lock:
        if key in cache:
            return cache[key]
    data = load_dataset(name, path=path, seed=seed, progress=ctl.report_progress, cancel=ctl.cancel_event,
                        **params)
    with lock:
        if name == "cifar10":  # one CIFAR copy is ~180 MB: keep only the latest
            for old in [k for k in cache if k[0] == "cifar10"]:
                del cache[old]
        cache[key] = data
    return data


def open_cifar_job(ctl, path: str):
    """Worker-thread job: load CIFAR-10 once (kept in the loader's memory); returns the path that loaded,
    or None when the student cancelled (nothing to say, nothing remembered)."""
    from visualdl.data import Cancelled
    from visualdl.data.cifar10 import load_cifar10_cached

    try:
        load_cifar10_cached(path, progress=ctl.report_progress, cancel=ctl.cancel_event)
    except Cancelled:
        return None
    return path


def download_cifar_job(ctl, folder: str, **options):
    """Worker-thread job: download CIFAR-10 into ``folder``; returns the verified archive's path."""
    from visualdl.data.download import download_cifar10

    return download_cifar10(folder, progress=ctl.report_progress, cancel=ctl.cancel_event, **options)


class AppContext(QObject):
    status_message = Signal(str)
    job_tracked = Signal(object, str)  # (Job, title): the main window shows a progress bar
    training_snapshot_changed = Signal(object)
    cifar_path_changed = Signal(str)

    def __init__(self, settings: Settings | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.settings = settings if settings is not None else Settings()
        self.runner = Runner(self)
        self._training_snapshot = None  # a visualdl.engine.trainer.Snapshot
        self._data_cache: dict = {}
        self._data_lock = threading.Lock()

    # --- status and progress ---
    def status(self, message: str, source=None) -> None:
        """One line in the status bar. source: the lab widget saying it; its message is dropped
        while that widget is not on screen (the status bar belongs to the visible lab)."""
        if source is not None and not source.isVisible():
            return
        self.status_message.emit(str(message))

    def track(self, job: Job, title: str) -> Job:
        """Show ``job``'s progress with a Cancel button until it ends."""
        self.job_tracked.emit(job, title)
        return job

    # --- data ---
    def load_dataset(self, name: str, *, path=None, seed: int = 0, track: bool = True, **params) -> Job:
        """Load a dataset on the worker thread. ``job.finished`` carries the DataSplits."""
        if name == "cifar10" and path is None:
            path = self.cifar_path()
        job = self.runner.submit(load_dataset_job, self._data_cache, self._data_lock, name, path=path,
                                 seed=seed, title=f"load-{name}", **params)
        if track:
            self.track(job, f"Loading {name}")
        return job

    def cached_dataset(self, name: str, *, path=None, seed: int = 0, **params):
        """The dataset if it is already loaded, else None (never loads on the GUI thread)."""
        if name == "cifar10" and path is None:
            path = self.cifar_path()
        with self._data_lock:
            return self._data_cache.get(_cache_key(name, path, seed, params))

    def cifar_path(self) -> str | None:
        path = self.settings.get(CIFAR_KEY)
        return path if path and Path(path).exists() else None

    def set_cifar_path(self, path: str) -> None:
        self.settings.set(CIFAR_KEY, str(path))
        self.cifar_path_changed.emit(str(path))

    # --- training snapshot shared with other labs ---
    def training_snapshot(self) -> dict | None:
        return self._training_snapshot

    def set_training_snapshot(self, snapshot: dict | None) -> None:
        self._training_snapshot = snapshot
        self.training_snapshot_changed.emit(snapshot)

    def shutdown(self) -> bool:
        """Stop every background job (called when the window closes)."""
        return self.runner.shutdown()
