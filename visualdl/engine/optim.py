"""Old path of ``visualdl.engine.nn.optim``, kept for notebooks: the very same module object."""
import sys

from visualdl.engine.nn import optim as _module

sys.modules[__name__] = _module
