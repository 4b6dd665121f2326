"""Shared test set-up: headless Qt, the optional real CIFAR-10 archive."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
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
    """Fail any test that leaves a VisualDL worker thread running (then stop it, so the next test is clean).

    Also collects garbage here, between tests, once the app's collector has turned automatic collection
    off (visualdl.ui.gc_guard): tests that run no event loop would otherwise never collect."""
    yield
    worker = sys.modules.get("visualdl.ui.worker")
    if worker is None:
        return
    worker._gc_guard.collect_if_installed()
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


# --- the stall watchdog (tests/stall_watchdog.py): a hung test ends the run with native stacks ----------
STALL_ENV = "VISUALDL_TEST_STALL_S"  # seconds one test may run before the watchdog ends the run; 0: off
_watchdog: dict = {}


def pytest_sessionstart(session):
    limit = float(os.environ.get(STALL_ENV, "600") or 0)
    if limit <= 0 or hasattr(session.config, "workerinput"):
        return
    fd, heartbeat = tempfile.mkstemp(prefix="visualdl-heartbeat-")
    os.close(fd)
    script = Path(__file__).with_name("stall_watchdog.py")
    _watchdog["heartbeat"] = heartbeat
    _watchdog["process"] = subprocess.Popen([sys.executable, str(script), str(os.getpid()), heartbeat, str(limit)])


def _beat(test_id: str) -> None:
    heartbeat = _watchdog.get("heartbeat")
    if heartbeat:
        with open(heartbeat, "w") as fh:
            fh.write(f"{time.time()} {test_id}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _beat(item.nodeid)  # set-up, call and teardown all count
    yield
    _beat("")


def pytest_sessionfinish(session, exitstatus):
    process = _watchdog.pop("process", None)
    if process is not None:
        process.kill()
        process.wait()
    heartbeat = _watchdog.pop("heartbeat", None)
    if heartbeat:
        Path(heartbeat).unlink(missing_ok=True)
