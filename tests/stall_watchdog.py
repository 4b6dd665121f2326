"""A separate process that watches the test run and, when one test stalls, says where and ends the run.

pytest's ``faulthandler_timeout`` prints the Python stacks of a hung test, but a deadlock inside Qt or
the C library shows there only as the Python line that called into it, and the run then sits until
CI's own limit. This watcher runs beside pytest as its own process (so a stuck GIL cannot stop it):
``conftest.py`` writes the current test's id and start time to a heartbeat file at every test;
when the same test has run longer than the limit, the watcher prints every thread's native stack
(py-spy or gdb, whichever the machine has), then kills the run so it fails now, not an hour later.

    python tests/stall_watchdog.py PID HEARTBEAT_FILE LIMIT_SECONDS
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

POLL_S = 5.0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def read_heartbeat(path: str) -> tuple[str, float] | None:
    try:
        with open(path) as fh:
            started, _, test = fh.read().partition(" ")
        return test.strip(), float(started)
    except (OSError, ValueError):
        return None


def native_stacks(pid: int) -> str:
    """Every thread's stack, native frames included, from whichever tool the machine has."""
    commands = []
    if shutil.which("py-spy"):
        commands.append(["py-spy", "dump", "--native", "--pid", str(pid)])
    if shutil.which("gdb"):
        commands.append(["gdb", "-p", str(pid), "-batch", "-ex", "thread apply all bt 30"])
    out = []
    for command in commands:
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=120)
            out.append(f"$ {' '.join(command)}\n{done.stdout}{done.stderr}")
        except (OSError, subprocess.TimeoutExpired) as exc:
            out.append(f"$ {' '.join(command)}\nfailed: {exc}")
    return "\n".join(out) if out else "(neither py-spy nor gdb is installed: no native stacks)"


def watch(pid: int, heartbeat: str, limit: float, stream=sys.stderr) -> bool:
    """Until ``pid`` ends: True (after killing it) when one test ran past ``limit`` seconds."""
    while alive(pid):
        time.sleep(POLL_S)
        beat = read_heartbeat(heartbeat)
        if beat is None:
            continue
        test, started = beat
        if test and time.time() - started > limit:
            stream.write(f"\n=== stall watchdog: {test} has run for {time.time() - started:.0f} s "
                         f"(limit {limit:.0f} s); native stacks of pid {pid}:\n")
            stream.write(native_stacks(pid) + "\n=== stall watchdog: ending the test run\n")
            stream.flush()
            os.kill(pid, signal.SIGKILL)
            os.unlink(heartbeat)
            return True
    return False


if __name__ == "__main__":
    raise SystemExit(int(watch(int(sys.argv[1]), sys.argv[2], float(sys.argv[3]))))
