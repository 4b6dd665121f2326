"""Old path of ``visualdl.engine.course.linear2d``, kept for notebooks: the very same module object."""
import sys

from visualdl.engine.course import linear2d as _module

sys.modules[__name__] = _module
