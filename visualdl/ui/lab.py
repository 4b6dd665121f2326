"""What the main window expects of a lab widget (typed protocols instead of getattr/hasattr checks).

A lab is a QWidget built as ``Cls(ctx)``. The window asks, with ``isinstance``:

    Lab           Exports + Stops, the usual pair:
    Exports       export_targets() -> dict[name, plot]   (File > Export plot / Export all)
    Stops         shutdown()                               (on close: stop its background work)
    RunControls   toggle_play(), step_once(), reset_run()  (Run menu, Space, Right/N, R)
    Sessions      save_session(path), load_session(path), export_history(path)   (File > sessions)

A lab may implement any of them; the window says so in the status bar when the visible lab does not.

Optional, looked up by name (File > Save setup / Open setup, ``visualdl.ui.classroom``):

    setup_state() -> dict       the lab's choices as plain JSON values (default: every control of its
                                form, ``visualdl.ui.form_state.form_state(lab)``)
    apply_setup(state)          apply them whole or raise ValueError (e.g. FormStateError) having changed
                                nothing (default: ``apply_form_state(lab, state)``)
    figure_presets() -> list    named starting points for ``visualdl figures --preset NAME``
    apply_figure_preset(name)
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class Exports(Protocol):
    def export_targets(self) -> dict: ...


@runtime_checkable
class Stops(Protocol):
    def shutdown(self) -> None: ...


@runtime_checkable
class Lab(Exports, Stops, Protocol):
    """The full contract of a lab with plots and background work (Exports + Stops)."""


@runtime_checkable
class RunControls(Protocol):
    def toggle_play(self) -> None: ...

    def step_once(self) -> None: ...

    def reset_run(self) -> None: ...


@runtime_checkable
class Sessions(Protocol):
    def save_session(self, path) -> None: ...

    def load_session(self, path) -> None: ...

    def export_history(self, path) -> Path: ...


def export_targets_of(widget) -> dict:
    """The plots a lab exports ({} for a widget that is not a Lab)."""
    return dict(widget.export_targets()) if isinstance(widget, Exports) else {}
