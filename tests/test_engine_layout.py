"""The engine is grouped (nn, classical, autograd, course); the old flat import paths still work
and give the very same module objects, so notebooks, monkeypatching and private names keep working."""
from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

OLD_TO_NEW = {
    "visualdl.engine.layers": "visualdl.engine.nn.layers",
    "visualdl.engine.init": "visualdl.engine.nn.init",
    "visualdl.engine.losses": "visualdl.engine.nn.losses",
    "visualdl.engine.regularization": "visualdl.engine.nn.regularization",
    "visualdl.engine.optim": "visualdl.engine.nn.optim",
    "visualdl.engine.models": "visualdl.engine.nn.models",
    "visualdl.engine.trainer": "visualdl.engine.nn.trainer",
    "visualdl.engine.augment": "visualdl.engine.nn.augment",
    "visualdl.engine.serialize": "visualdl.engine.nn.serialize",
    "visualdl.engine.metrics": "visualdl.engine.nn.metrics",
    "visualdl.engine.gradcheck": "visualdl.engine.nn.gradcheck",
    "visualdl.engine._parallel": "visualdl.engine.nn._parallel",
    "visualdl.engine.classifiers": "visualdl.engine.classical.classifiers",
    "visualdl.engine.regions": "visualdl.engine.classical.regions",
    "visualdl.engine.expr": "visualdl.engine.autograd.expr",
    "visualdl.engine.worked_examples": "visualdl.engine.course.worked_examples",
    "visualdl.engine.pixel_distance": "visualdl.engine.course.pixel_distance",
    "visualdl.engine.linear2d": "visualdl.engine.course.linear2d",
}


@pytest.mark.parametrize("old", sorted(OLD_TO_NEW))
def test_old_path_is_the_new_module(old):
    new = importlib.import_module(OLD_TO_NEW[old])
    assert importlib.import_module(old) is new
    package, _, name = old.rpartition(".")
    assert getattr(importlib.import_module(package), name) is new  # `from visualdl.engine import layers`


def test_old_paths_imported_first_in_a_fresh_interpreter():
    """Importing the old paths before any new one must still end with one module object each."""
    code = (f"import importlib, sys\npairs = {sorted(OLD_TO_NEW.items())!r}\n"
            "olds = [importlib.import_module(old) for old, _ in pairs]\n"
            "for (old, new), mod in zip(pairs, olds):\n"
            "    assert mod is importlib.import_module(new) is sys.modules[old], (old, mod)\n"
            "    assert mod.__name__ == mod.__spec__.name == new, (old, mod.__spec__)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def test_old_paths_are_no_files_and_modules_keep_their_own_spec():
    for old, new in OLD_TO_NEW.items():
        assert not (ROOT / (old.replace(".", "/") + ".py")).exists()  # the tree shows the new layout only
        module = importlib.import_module(old)
        assert module.__spec__.name == new and module.__spec__.origin.endswith(new.replace(".", "/") + ".py")
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("visualdl.engine.no_such_module")


def test_monkeypatching_the_old_path_reaches_the_code(monkeypatch):
    from visualdl.engine import layers as old_layers
    from visualdl.engine.nn import layers

    monkeypatch.setattr(old_layers, "CONV_CHUNK_ELEMENTS", 7)
    assert layers.CONV_CHUNK_ELEMENTS == 7
    assert old_layers._windows is layers._windows  # private names too


def test_autograd_package_exports_what_the_module_did():
    from visualdl.engine import autograd as ag
    from visualdl.engine.autograd import graph

    for name in ("Node", "GraphError", "GradCheckRow", "Step", "Trace", "exp", "log", "relu", "sigmoid",
                 "tanh", "maximum", "matmul", "total", "trace", "forward_steps", "backward_steps",
                 "gradient_check", "fmt", "fmt_number", "topological_order", "as_node"):
        assert getattr(ag, name) is getattr(graph, name), name
    x = ag.as_node(2.0)
    y = ag.exp(x)
    y.backward()
    assert float(x.grad) == pytest.approx(float(y.data))


def test_data_paths_import():
    import visualdl.data
    import visualdl.data.cifar10

    assert callable(visualdl.data.load_dataset)
    assert visualdl.data.cifar10.__name__ == "visualdl.data.cifar10"


def test_engine_groups_are_packages_named_in_the_docstring():
    import visualdl.engine as engine

    for part in ("nn/", "classical/", "autograd/", "course/", "cnn/", "optimization/", "playground/",
                 "experiments/"):
        assert part in engine.__doc__
    for pkg in ("nn", "classical", "autograd", "course"):
        assert (ROOT / "visualdl" / "engine" / pkg / "__init__.py").is_file()


# Which engine packages each group may import (the network engine is the floor). The labs'
# own maths (cnn/, optimization/, playground/, experiments/) sits above these groups: they
# may import the groups, never the other way round.
MAY_IMPORT = {
    "nn": {"nn"},
    "classical": {"classical", "nn"},
    "autograd": {"autograd", "nn"},
    "course": {"course", "classical", "nn"},
}


def _engine_imports(path: Path):
    """Absolute module names `path` imports (relative imports resolved against its package)."""
    import ast

    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)  # `from pkg import module`


@pytest.mark.parametrize("group", sorted(MAY_IMPORT))
def test_engine_groups_import_only_downward_and_by_their_new_homes(group):
    offenders = []
    for path in sorted((ROOT / "visualdl" / "engine" / group).rglob("*.py")):
        for name in _engine_imports(path):
            parts = name.split(".")
            if parts[:2] != ["visualdl", "engine"] or len(parts) < 3:
                continue
            if name in OLD_TO_NEW:
                offenders.append(f"{path.name} imports the old path {name} (use {OLD_TO_NEW[name]})")
            elif parts[2] not in MAY_IMPORT[group]:
                offenders.append(f"{path.name} imports {name}: {group} may import only {sorted(MAY_IMPORT[group])}")
    assert offenders == []
