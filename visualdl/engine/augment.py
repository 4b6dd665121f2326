"""Old path of ``visualdl.engine.nn.augment``, kept for notebooks: the very same module object."""
import sys

from visualdl.engine.nn import augment as _module

sys.modules[__name__] = _module
