"""The stall watchdog ends a run whose test hangs, after printing where every thread stands."""
from __future__ import annotations

import io
import shutil
import subprocess
import sys
import threading
import time

import pytest

import stall_watchdog


def _sleeper():
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def test_a_test_past_the_limit_gets_its_stacks_printed_and_the_run_killed(tmp_path, monkeypatch):
    monkeypatch.setattr(stall_watchdog, "POLL_S", 0.1)
    monkeypatch.setattr(stall_watchdog, "native_stacks", lambda pid: f"stacks of {pid}")
    heartbeat = tmp_path / "beat"
    heartbeat.write_text(f"{time.time() - 30} tests/test_x.py::test_hangs")
    victim = _sleeper()
    out = io.StringIO()
    assert stall_watchdog.watch(victim.pid, str(heartbeat), 10.0, out)
    assert victim.wait(timeout=10) == -9
    text = out.getvalue()
    assert "tests/test_x.py::test_hangs has run for 3" in text and f"stacks of {victim.pid}" in text


def test_between_tests_and_within_the_limit_nothing_happens(tmp_path, monkeypatch):
    monkeypatch.setattr(stall_watchdog, "POLL_S", 0.1)
    heartbeat = tmp_path / "beat"
    heartbeat.write_text(f"{time.time() - 30} ")  # no test running (between tests) for 30 s
    victim = _sleeper()
    out = io.StringIO()
    verdict = []
    watcher = threading.Thread(target=lambda: verdict.append(stall_watchdog.watch(victim.pid, str(heartbeat),
                                                                                   10.0, out)))
    watcher.start()
    time.sleep(0.6)
    heartbeat.write_text(f"{time.time()} tests/test_x.py::test_quick")  # a test, within its limit
    time.sleep(0.6)
    assert victim.poll() is None  # still alive: nothing was killed
    victim.kill()
    victim.wait()
    watcher.join(timeout=10)
    assert verdict == [False] and out.getvalue() == ""


@pytest.mark.skipif(not shutil.which("py-spy"), reason="needs py-spy")
def test_native_stacks_show_where_a_live_process_stands():
    victim = subprocess.Popen([sys.executable, "-c", "import time\ndef parked():\n    time.sleep(60)\nparked()"])
    try:
        time.sleep(1.0)
        text = stall_watchdog.native_stacks(victim.pid)
    finally:
        victim.kill()
        victim.wait()
    assert "parked" in text, text
