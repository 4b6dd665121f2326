"""Old path of ``visualdl.engine.classical.classifiers``, kept for notebooks: the very same module object."""
import sys

from visualdl.engine.classical import classifiers as _module

sys.modules[__name__] = _module
