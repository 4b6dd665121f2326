"""Old path of ``visualdl.engine.autograd.expr``, kept for notebooks: the very same module object."""
import sys

from visualdl.engine.autograd import expr as _module

sys.modules[__name__] = _module
