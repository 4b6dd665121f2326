"""The engine and data code are pure NumPy: importing them loads no Qt, and no module names Qt."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PURE_PACKAGES = ["visualdl/engine", "visualdl/data"]
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "shiboken6")


def _imported_names(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_packages_name_no_qt_module(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package} has no modules"
    offenders = [
        f"{f.relative_to(ROOT)} imports {name}"
        for f in files
        for name in _imported_names(f)
        if name.split(".")[0] in QT_MODULES
    ]
    assert offenders == []


def test_importing_engine_and_data_loads_no_qt():
    modules = []
    for package in PURE_PACKAGES:
        for f in sorted((ROOT / package).rglob("*.py")):
            rel = f.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules.append(".".join(parts))
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"Qt modules loaded by the pure packages: {out.stdout}"


# The direction of imports: app > labs > ui kit > engine/data. The composition root (ui/app.py, which
# builds the window and hands it the registered labs) and the entry points are exempt.
COMPOSITION_ROOTS = {"visualdl/ui/app.py", "visualdl/__main__.py"}
FORBIDDEN_UPWARD = {
    "visualdl/engine": ("visualdl.ui", "visualdl.labs", "visualdl.cli"),
    "visualdl/data": ("visualdl.ui", "visualdl.labs", "visualdl.cli"),
    "visualdl/ui": ("visualdl.labs", "visualdl.cli"),
    "visualdl/labs": ("visualdl.ui.app", "visualdl.ui.main_window", "visualdl.cli"),
}


def _absolute_imports(path: Path):
    """Every module path imported by the file, relative imports resolved against its package."""
    rel = path.relative_to(ROOT).with_suffix("")
    package = list(rel.parts[:-1])
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield module
            for alias in node.names:  # "from visualdl import labs" imports visualdl.labs
                yield f"{module}.{alias.name}"


@pytest.mark.parametrize("layer", sorted(FORBIDDEN_UPWARD))
def test_no_module_imports_upward(layer):
    forbidden = FORBIDDEN_UPWARD[layer]
    offenders = []
    for f in sorted((ROOT / layer).rglob("*.py")):
        if str(f.relative_to(ROOT)) in COMPOSITION_ROOTS:
            continue
        for name in _absolute_imports(f):
            if any(name == bad or name.startswith(bad + ".") for bad in forbidden):
                offenders.append(f"{f.relative_to(ROOT)} imports {name}")
    assert offenders == [], "imports must go app > labs > ui kit > engine/data:\n" + "\n".join(offenders)


def test_the_upward_import_check_catches_an_offender(tmp_path, monkeypatch):
    """The check above must be able to fail: a ui kit module importing a lab is reported."""
    fake = ROOT / "visualdl" / "ui" / "_probe_upward_import.py"
    fake.write_text("from visualdl.labs import registered_labs\nfrom ..labs.training import lab\n")
    try:
        names = set(_absolute_imports(fake))
    finally:
        fake.unlink()
    assert "visualdl.labs" in names and "visualdl.labs.training" in names
