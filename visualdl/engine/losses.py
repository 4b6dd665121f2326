"""Old path of ``visualdl.engine.nn.losses``, kept for notebooks: the very same module object."""
import sys

from visualdl.engine.nn import losses as _module

sys.modules[__name__] = _module
