"""Old path of ``visualdl.engine.classical.regions``, kept for notebooks: the very same module object."""
import sys

from visualdl.engine.classical import regions as _module

sys.modules[__name__] = _module
