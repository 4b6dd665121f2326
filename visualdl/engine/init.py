"""Old path of ``visualdl.engine.nn.init``, kept for notebooks: the very same module object."""
import sys

from visualdl.engine.nn import init as _module

sys.modules[__name__] = _module
