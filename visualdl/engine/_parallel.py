"""Old path of ``visualdl.engine.nn._parallel``, kept for notebooks: the very same module object."""
import sys

from visualdl.engine.nn import _parallel as _module

sys.modules[__name__] = _module
