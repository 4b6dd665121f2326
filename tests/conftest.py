"""Shared test set-up: headless Qt, the optional real CIFAR-10 archive."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CIFAR_ENV = "VISUALDL_CIFAR10"


@pytest.fixture(scope="session")
def cifar_path() -> Path:
    """Path of the real CIFAR-10 archive or folder; skips the test when it is absent."""
    value = os.environ.get(CIFAR_ENV)
    if not value or not Path(value).exists():
        pytest.skip(f"real CIFAR-10 not available (set {CIFAR_ENV} to the archive path)")
    return Path(value)


@pytest.fixture(autouse=True)
def _no_thread_left_running():
    """Fail any test that leaves a VisualDL worker thread running (then stop it, so the next test is clean)."""
    yield
    worker = sys.modules.get("visualdl.ui.worker")
    if worker is None:
        return
    left = worker.live_threads()
    if not left:
        return
    names = [t.objectName() for t in left]
    for thread in left:
        thread.requestInterruption()
        thread.quit()
        thread.wait(5000)
    pytest.fail(f"test left worker threads running: {names}")


@pytest.fixture(autouse=True, scope="session")
def _never_the_users_settings(tmp_path_factory):
    """Settings() without a path reads $VISUALDL_SETTINGS: point it at a temporary file for the whole run."""
    os.environ["VISUALDL_SETTINGS"] = str(tmp_path_factory.mktemp("settings") / "visualdl.ini")
    yield
