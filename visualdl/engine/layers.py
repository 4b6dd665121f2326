"""Old path of ``visualdl.engine.nn.layers``, kept for notebooks: the very same module object."""
import sys

from visualdl.engine.nn import layers as _module

sys.modules[__name__] = _module
