"""Lab 5: neural networks — a live playground for small nets on 2D data (see lab.py)."""
from visualdl.labs.neural_nets.lab import NeuralNetsLab

__all__ = ["NeuralNetsLab"]
