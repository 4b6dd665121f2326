"""Datasets for VisualDL (pure NumPy): CIFAR-10, a generated image set and toy 2D point sets.

    load_dataset(name, *, path=None, seed=0, progress=None, cancel=None, **params) -> DataSplits
    DATASETS: name -> {"title", "kind", "params" (defaults), "needs_path"}
    DataError (a ValueError naming the file/value and the problem), Cancelled
"""
from visualdl.data.dataset import DataSplits
from visualdl.data.datasets import DATASETS, load_dataset
from visualdl.data.errors import Cancelled, DataError

__all__ = ["DATASETS", "Cancelled", "DataError", "DataSplits", "load_dataset"]
