"""Old path of ``visualdl.engine.nn.serialize``, kept for notebooks: the very same module object."""
import sys

from visualdl.engine.nn import serialize as _module

sys.modules[__name__] = _module
