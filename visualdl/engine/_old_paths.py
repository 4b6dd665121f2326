"""The engine's old flat import paths, kept for notebooks: ``visualdl.engine.layers`` IS
``visualdl.engine.nn.layers`` (the very same module object, so monkeypatching it and its
private names work), and likewise for every name in MOVED.

No file stands at the old paths (the tree shows only the new layout): a finder placed at the
end of ``sys.meta_path`` answers for exactly these names, imports the module from its new home
and hands that module to the import system, which records it under the old name too.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

PACKAGE = "visualdl.engine"

# old flat name -> the group it lives in now (visualdl.engine.<group>.<name>)
MOVED = {
    "layers": "nn", "init": "nn", "losses": "nn", "regularization": "nn", "optim": "nn", "models": "nn",
    "trainer": "nn", "augment": "nn", "serialize": "nn", "metrics": "nn", "gradcheck": "nn", "_parallel": "nn",
    "classifiers": "classical", "regions": "classical",
    "expr": "autograd",
    "worked_examples": "course", "pixel_distance": "course", "linear2d": "course",
}


def new_home(old: str) -> str:
    """'visualdl.engine.layers' -> 'visualdl.engine.nn.layers' (KeyError for a name that did not move)."""
    name = old.rpartition(".")[2]
    return f"{PACKAGE}.{MOVED[name]}.{name}"


class _OldPaths(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self):
        self._own_specs = {}

    def find_spec(self, fullname, path=None, target=None):
        parent, _, name = fullname.rpartition(".")
        if parent != PACKAGE or name not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        module = importlib.import_module(new_home(spec.name))
        self._own_specs[module.__name__] = module.__spec__
        return module

    def exec_module(self, module):
        # the import system stamped the old path's spec on the module: give it its own back
        module.__spec__ = self._own_specs.pop(module.__name__, module.__spec__)


def install() -> None:
    if not any(isinstance(f, _OldPaths) for f in sys.meta_path):
        sys.meta_path.append(_OldPaths())
