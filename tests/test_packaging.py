"""The wheel carries what the app loads at run time, and an installed (not editable) copy starts
with its icon from outside the checkout."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_RESOURCES = ["visualdl/resources/icon.png"]


def _builds_without_isolation() -> bool:
    """--no-build-isolation needs the backend pyproject.toml asks for, installed here."""
    try:
        import setuptools
        import wheel  # noqa: F401  (setuptools < 70 builds wheels through it)
    except ImportError:
        return False
    return int(setuptools.__version__.split(".")[0]) >= 68


@pytest.fixture(scope="module")
def built_wheel(tmp_path_factory) -> Path:
    """Build the wheel from a copy of the sources, so the build leaves nothing in the checkout."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "visualdl", src / "visualdl", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheel")
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", ".", "-w", str(out), "-q"]
    if _builds_without_isolation():
        cmd.insert(5, "--no-build-isolation")
    done = subprocess.run(cmd, cwd=src, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    wheels = list(out.glob("visualdl-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_contains_the_icon_and_every_engine_package(built_wheel):
    names = set(zipfile.ZipFile(built_wheel).namelist())
    for resource in PACKAGE_RESOURCES:
        assert resource in names
    assert zipfile.ZipFile(built_wheel).read("visualdl/resources/icon.png") == (ROOT / PACKAGE_RESOURCES[0]).read_bytes()
    for pkg in ("nn", "classical", "autograd", "course"):
        assert f"visualdl/engine/{pkg}/__init__.py" in names
    assert not any(n.startswith("resources/") or "screenshots" in n for n in names)  # README pictures stay out


SMOKE = r"""
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import visualdl
from visualdl.ui import app as vapp

qa = QApplication(sys.argv[:1])
seen = {}

def close():
    windows = [w for w in qa.topLevelWidgets() if w.isVisible()]
    seen["windows"] = [type(w).__name__ for w in windows]
    for w in windows:
        w.close()
    qa.quit()

QTimer.singleShot(800, close)
rc = vapp.main(["--settings", sys.argv[1]])
print(json.dumps({"rc": rc, "file": visualdl.__file__, "icon": str(vapp.RESOURCES / "icon.png"),
                  "icon_exists": (vapp.RESOURCES / "icon.png").is_file(),
                  "icon_set": not qa.windowIcon().isNull(), **seen}))
"""


@pytest.mark.slow
def test_installed_wheel_starts_the_app_with_its_icon(built_wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
                   check=True, timeout=60)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PIP_REQUIRE_VIRTUALENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index", "-q",
                              str(built_wheel)], capture_output=True, text=True, timeout=120, env=env)
    assert install.returncode == 0, install.stdout + install.stderr
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    run = subprocess.run([str(python), "-c", SMOKE, str(tmp_path / "settings.ini")], cwd=outside, env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["rc"] == 0
    assert Path(result["file"]).is_relative_to(venv), result["file"]  # the installed copy, not the checkout
    assert Path(result["icon"]).is_relative_to(venv) and result["icon_exists"]
    assert result["icon_set"], "the window icon was not loaded"
    assert result["windows"] == ["MainWindow"]
    script = subprocess.run([str(venv / "bin" / "visualdl"), "--help"], cwd=outside, env=env,
                            capture_output=True, text=True, timeout=60)
    assert script.returncode == 0 and "train" in script.stdout, script.stderr
