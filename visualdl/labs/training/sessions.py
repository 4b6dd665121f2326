"""Sessions and run histories of the training dashboard (File > Save/Load session, Export run history).

A mixin of TrainingLab (whose own slots ``_on_session_read``/``_on_session_read_failed`` call
``restore_session``/``_session_failed`` here: PySide only reports ``sender()`` in slots of the
QObject class itself, not of a plain mixin). It uses the lab's ``ctx``, ``job``, ``data``/``data_request``, ``plots`` and
``load_data(request, then=...)``. Saving happens on the training job; reading on its own worker job;
the current session is untouched unless the new one loads completely.
"""
from __future__ import annotations

from pathlib import Path

from visualdl.data import DATASETS
from visualdl.labs.training.job import read_session
from visualdl.ui.worker import LatestJob


class SessionsMixin:
    def _init_sessions(self) -> None:
        self._session_read = LatestJob()
        self._pending_session: dict | None = None

    # ---------------------------------------------------------------- Lab protocol: sessions
    def save_session(self, path) -> None:
        """Config + weights + history as <path>.npz + <path>.json (written by the worker, atomically)."""
        self._ensure_job()
        self.job.send(("save", str(path)))

    def load_session(self, path) -> None:
        """Read a session on the worker; the current one is untouched unless it loads completely."""
        job = self._session_read.start(self.ctx.runner.submit(read_session, str(path), title="read-session"))
        job.finished.connect(self._on_session_read)
        job.errored.connect(self._on_session_read_failed)

    def export_history(self, path) -> Path:
        """The current run's history: .json (iterations + epochs + config) or .csv (one row per iteration)."""
        path = Path(path)
        log = self.plots.log
        out = log.write_json(path) if path.suffix.lower() == ".json" else log.write_csv(path)
        self._status(f"Run history written to {out}")
        return out

    # ---------------------------------------------------------------- loading
    def restore_session(self, session: dict) -> None:
        """Use a session read by read_session (loading its dataset first when it is another one)."""
        request = session.get("data") or {"name": session["extra"].get("dataset", "builtin"), "params": {},
                                           "seed": 0}
        if request["name"] not in DATASETS:
            return self._session_failed(f"{session['path']}: unknown dataset {request['name']!r}")
        if request == self.data_request and self.data is not None:
            self._send_restore(session, self.data)
            return
        self._pending_session = session
        self.load_data(request, then=self._restore_with_data)

    def _restore_with_data(self, data) -> None:
        session, self._pending_session = self._pending_session, None
        self._send_restore(session, data)

    def _send_restore(self, session: dict, data) -> None:
        self._set_playing(False)  # the worker stops the current run to replace it
        self._ensure_job()
        self.job.send(("restore", session, data))

    def _session_failed(self, message: str) -> None:
        self.plots.show_banner(f"Could not load the session: {message}")
        self.session_failed.emit(message)
