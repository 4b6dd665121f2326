"""Old path of ``visualdl.engine.course.worked_examples``, kept for notebooks: the very same module object."""
import sys

from visualdl.engine.course import worked_examples as _module

sys.modules[__name__] = _module
