"""The course's labs, in course order. This list is the one registry the app reads.

Adding a lab is one line here plus its module. Each entry names its widget
class lazily ("module:Class") so that listing labs imports nothing heavy.

A lab widget is a ``QWidget`` subclass constructed as ``Cls(ctx)`` where
``ctx`` is the app's :class:`visualdl.ui.context.AppContext` (the shared
background worker, settings, dataset choice, status bar). It implements the
protocols of :mod:`visualdl.ui.lab` it needs (Lab: export_targets + shutdown;
RunControls; Sessions). ``visualdl.ui.app`` hands this list to the window.

LabSpec fields beyond the title: ``default`` (the lab a first launch opens; none
marked: the first in course order) and ``has_sessions`` (File > Save/Load session
goes to this lab when the visible one has none).
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
    default: bool = False  # opened on a first launch
    has_sessions: bool = False  # File > sessions fall back to this lab

    def load(self):
        module_name, _, class_name = self.target.partition(":")
        return getattr(importlib.import_module(module_name), class_name)


LABS: list[LabSpec] = [
    LabSpec("knn", 1, "Nearest neighbours", "visualdl.labs.knn:KnnLab"),
    LabSpec("linear", 2, "Linear classifier", "visualdl.labs.linear:LinearLab"),
    LabSpec("optimization", 3, "Loss and optimization", "visualdl.labs.optimization:OptimizationLab"),
    LabSpec("backprop", 4, "Backpropagation", "visualdl.labs.backprop:BackpropLab"),
    LabSpec("neural_nets", 5, "Neural networks", "visualdl.labs.neural_nets:NeuralNetsLab"),
    LabSpec("cnn", 6, "Convolutional networks", "visualdl.labs.cnn:CnnLab"),
    LabSpec("training", 7, "Training a network", "visualdl.labs.practice:PracticeLab", has_sessions=True),
]


def registered_labs() -> list[LabSpec]:
    return sorted(LABS, key=lambda spec: spec.number)
