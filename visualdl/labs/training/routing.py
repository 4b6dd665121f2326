"""Where the training job's typed updates go: rows to the curves, events to the controls and messages.

A mixin of TrainingLab (its ``_on_update`` slot checks the sender, then calls ``route``). Errors are
routed by ``Event.command`` (the command that failed), never by reading the message.
"""
from __future__ import annotations

from visualdl.labs.training.config import run_label
from visualdl.labs.training.job import Event, Update


class JobRouting:
    def route(self, update: Update) -> None:
        """Draw an update's rows, react to its events, show its status and share its snapshot."""
        if update.reset or update.run != self._run:
            self._run = update.run
            # the config this run was built with (not the controls, which may already show the next one)
            built = [e.config for e in update.events if e.config]
            cfg = built[-1] if built else (self.log.config or self._safe_config())
            self.plots.new_run(run_label(cfg) if cfg else "run", cfg)
        if update.rows:
            self.log.append(update.rows)
        self.plots.draw()
        for event in update.events:
            self._on_event(event)
        # The button follows commands and the worker's "stopped"/"error" events, not the status:
        # a status sent before a play command arrived would otherwise flip it back.
        self.plots.show_status(update.status)
        if update.snapshot is not None:
            self.ctx.set_training_snapshot(update.snapshot)
        self.updated.emit()

    def _on_event(self, event: Event) -> None:
        kind = event.kind
        if kind == "stopped":
            self._set_playing(False)
            self._show_banner(f"Training paused. {event.message}")
        elif kind == "error":
            self._set_playing(False)
            self._show_banner(event.message)
            if event.command == "evaluate":
                self._end_evaluation()
            elif event.command == "restore":
                self.session_failed.emit(event.message)
        elif kind in ("built", "reset"):
            self._hide_banner()
            self._status(event.message)
            if self._play_when_built and kind == "built":
                self._play_when_built = False
                self.play()
        elif kind == "saved":
            self._status(event.message)
            self.session_saved.emit(event.path)
        elif kind == "restored":
            self._apply_config(event.config, event.data)
            self.log.config = event.config
            self.log.label = self.run_label()
            self._hide_banner()
            self._status(event.message)
            self._save_choices()
            self.session_loaded.emit(event.message)
        elif kind == "set":
            self._status(event.message)
        elif kind == "evaluated":
            self._end_evaluation()
            self._status(event.message)
            self.eval_result = event
            self.evaluated.emit(event.split, event.accuracy)

