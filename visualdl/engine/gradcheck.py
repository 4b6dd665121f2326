"""Old path of ``visualdl.engine.nn.gradcheck``, kept for notebooks: the very same module object."""
import sys

from visualdl.engine.nn import gradcheck as _module

sys.modules[__name__] = _module
