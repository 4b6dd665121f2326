"""Old path of ``visualdl.engine.nn.trainer``, kept for notebooks: the very same module object."""
import sys

from visualdl.engine.nn import trainer as _module

sys.modules[__name__] = _module
