"""Measurements behind lab 7's experiments (pure NumPy, usable from a notebook).

    histograms   histogram(x, bins) -> (edges, counts); per-layer histograms for a training snapshot
    deepnet      deep_net_statistics(...): a deep FC net fed one unit-Gaussian batch under an init
    activations  activation curves and derivatives from the engine's layers; saturated regions;
                 dead-unit fractions and the dead-ReLU training run
    lr           lr_range_test / suggest_lr; the same model trained at several rates
    runs         small-subset training runs (overfitting) and quick models for the confusion matrix
    analysis     PCA of pixel vectors, zero-centring / normalising, confusion matrices

Every function takes plain arrays or a DataSplits and returns plain dicts/arrays; the long ones are
generators that yield progress dicts so a GUI worker (or a notebook loop) can show them and stop.
"""
from visualdl.engine.nn.histograms import histogram

__all__ = ["histogram"]
