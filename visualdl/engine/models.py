"""Old path of ``visualdl.engine.nn.models``, kept for notebooks: the very same module object."""
import sys

from visualdl.engine.nn import models as _module

sys.modules[__name__] = _module
