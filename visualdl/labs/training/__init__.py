"""Course parts 5 and 7: the training dashboard.

    lab.py       TrainingLab: the widget; routes form changes to the job, updates to the plots
    form.py      TrainingForm: the left panel (run buttons + settings bound by name in a WidgetBinding)
    config.py    the form's flat state <-> trainer config and data request (no Qt)
    plots.py     TrainingPlots: plot options, error banner, loss/accuracy curves, status strip
    sessions.py  save/load sessions, export the run history (a mixin of TrainingLab)
    job.py       the background job that owns the Trainer (no Qt): commands in, typed Updates out
    history.py   RunLog: a run's curves as growing NumPy columns (no Qt)
"""
from __future__ import annotations

from visualdl.labs.training.config import run_label
from visualdl.labs.training.lab import TrainingLab

__all__ = ["TrainingLab", "run_label"]
