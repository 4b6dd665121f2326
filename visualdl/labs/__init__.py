"""The course's labs, in course order. This list is the one registry the app reads.

Adding a lab is one line here plus its module. Each entry names its widget
class lazily ("module:Class") so that listing labs imports nothing heavy.

A lab widget is a ``QWidget`` subclass constructed as ``Cls(ctx)`` where
``ctx`` is the app's :class:`visualdl.ui.context.AppContext` (the shared
background worker, settings, dataset choice, status bar). It may define:
    export_targets() -> dict[str, object]   plots/scenes "Export all" writes
    shutdown() -> None                       stop its background work
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class LabSpec:
    key: str
    number: int  # the course part, 1..7; orders the list
    title: str
    target: str  # "package.module:ClassName"

    def load(self):
        module_name, _, class_name = self.target.partition(":")
        return getattr(importlib.import_module(module_name), class_name)


LABS: list[LabSpec] = [
    LabSpec("knn", 1, "Nearest neighbours", "visualdl.labs.knn:KnnLab"),
    LabSpec("linear", 2, "Linear classifier", "visualdl.labs.linear:LinearLab"),
    LabSpec("backprop", 4, "Backpropagation", "visualdl.labs.backprop:BackpropLab"),
    LabSpec("neural_nets", 5, "Neural networks", "visualdl.labs.training:NeuralNetLab"),
    LabSpec("training", 7, "Training a network", "visualdl.labs.practice:PracticeLab"),
]


def registered_labs() -> list[LabSpec]:
    return sorted(LABS, key=lambda spec: spec.number)
