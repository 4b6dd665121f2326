"""The neural-network playground's maths (lab 5), pure NumPy: usable from a notebook.

    features      FEATURES, FeatureMap: x1, x2 and optional x1^2, x2^2, x1*x2, sin(x1), sin(x2)
    network       the net's own forward pass from its weights, activations, the single neuron,
                  the course formulas with dimensions filled in and per-layer parameter counts
    views         what the lab draws, computed on a grid: decision map, neuron maps, dead units,
                  the hidden space and the final layer's regions/lines in it, loss and accuracy
    points_csv    2D points with labels from/to CSV (bad rows reported by line number)
    session       Playground: editable points + feature map + the engine's Trainer, step by step

Training is the engine's Trainer (``visualdl.engine.nn.trainer``); this package only prepares its
data (expanded, standardised features) and reads its weights for the views.
"""
from visualdl.engine.playground.features import FEATURES, FeatureMap
from visualdl.engine.playground.network import ACTIVATIONS, activate, formula, neuron_output
from visualdl.engine.playground.session import Playground, PlaygroundSpec
from visualdl.engine.playground.views import compute_views

__all__ = ["ACTIVATIONS", "FEATURES", "FeatureMap", "Playground", "PlaygroundSpec", "activate", "compute_views",
           "formula", "neuron_output"]
