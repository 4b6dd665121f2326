"""Old path of ``visualdl.engine.nn.metrics``, kept for notebooks: the very same module object."""
import sys

from visualdl.engine.nn import metrics as _module

sys.modules[__name__] = _module
