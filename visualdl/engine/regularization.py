"""Old path of ``visualdl.engine.nn.regularization``, kept for notebooks: the very same module object."""
import sys

from visualdl.engine.nn import regularization as _module

sys.modules[__name__] = _module
