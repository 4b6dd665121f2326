"""The main window: launches headless, lists the registered labs, remembers geometry, quits cleanly."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QByteArray

from test_cifar10 import _fake_members, _write_archive
from visualdl.labs import registered_labs
from visualdl.ui import gc_guard
from visualdl.ui.app import create_window
from visualdl.ui.settings import Settings
from visualdl.ui.worker import live_threads


@pytest.fixture
def settings_path(tmp_path):
    return tmp_path / "settings.ini"  # never the user's settings


def test_window_lists_labs_in_course_order_and_has_the_menus(qtbot, settings_path):
    ctx, window = create_window(settings_path)
    qtbot.addWidget(window)
    window.show()
    titles = [window.lab_list.item(i).text() for i in range(window.lab_list.count())]
    numbers = [spec.number for spec in registered_labs()]
    assert titles == [f"{s.number}. {s.title}" for s in registered_labs()]
    assert numbers == sorted(numbers)
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&Run", "&View", "&Help"]
    keys = {s.toString() for a in (window.play_action, window.step_action, window.reset_action)
            for s in a.shortcuts()}
    assert keys == {"Space", "Right", "N", "R"}
    window.close()
    assert live_threads() == []


def test_geometry_and_last_lab_are_remembered(qtbot, settings_path):
    ctx, window = create_window(settings_path)
    qtbot.addWidget(window)
    window.resize(800, 450)  # the default is 1280x800 (the offscreen screen clamps widths to 800)
    window.show()
    window.close()
    saved = Settings(settings_path).get_bytes("window/geometry")
    assert isinstance(saved, QByteArray) and not saved.isEmpty()
    ctx2, window2 = create_window(settings_path)
    qtbot.addWidget(window2)
    assert window2.height() == 450
    window2.close()


def test_cifar_path_is_remembered_when_it_exists(qtbot, settings_path, tmp_path):
    archive = _write_archive(tmp_path / "cifar-10-python.tar.gz", _fake_members(n=4))
    ctx, window = create_window(settings_path)
    qtbot.addWidget(window)
    with qtbot.waitSignal(ctx.cifar_path_changed, timeout=30000):
        window.use_cifar(str(archive))
    window.close()
    ctx2, window2 = create_window(settings_path)
    qtbot.addWidget(window2)
    assert ctx2.cifar_path() == str(archive)
    archive.unlink()
    assert ctx2.cifar_path() is None  # a moved file is forgotten, not an error later
    window2.close()


def test_every_registered_lab_opens_and_closes(qtbot, settings_path):
    """Smoke test: each lab builds from the registry, shows, and shuts down with no thread left."""
    ctx, window = create_window(settings_path)
    qtbot.addWidget(window)
    window.show()
    for spec in registered_labs():
        widget = window.show_lab(spec.key)
        assert widget is not None and window.current_lab() is widget
        assert type(widget).__name__ == spec.target.partition(":")[2], window.last_error
        qtbot.wait(50)
    window.close()
    assert live_threads() == []


@pytest.fixture
def http_file(tmp_path):
    """A local HTTP server serving one file (no network in tests)."""
    import functools
    import http.server
    import threading

    root = tmp_path / "www"
    root.mkdir()
    # a small but complete CIFAR-10 archive: the app opens only what loads
    payload = _write_archive(root / "cifar-10-python.tar.gz", _fake_members(n=4)).read_bytes()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/cifar-10-python.tar.gz", payload
    server.shutdown()
    server.server_close()


def test_download_shows_progress_then_uses_the_archive(qtbot, settings_path, tmp_path, http_file):
    import hashlib

    url, payload = http_file
    ctx, window = create_window(settings_path)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(ctx.cifar_path_changed, timeout=30000) as blocker:
        job = window.start_download(str(tmp_path / "dl"), url=url, md5=hashlib.md5(payload).hexdigest())
        assert window.progress.isVisible() and window.progress_label.text().startswith("Downloading")
    assert blocker.args == [str(tmp_path / "dl" / "cifar-10-python.tar.gz")]
    assert (tmp_path / "dl" / "cifar-10-python.tar.gz").read_bytes() == payload
    qtbot.waitUntil(lambda: not job.is_running() and not window.progress.isVisible(), timeout=5000)
    window.close()


def test_download_with_wrong_checksum_is_a_message_not_a_crash(qtbot, settings_path, tmp_path, http_file):
    url, _ = http_file
    ctx, window = create_window(settings_path)
    qtbot.addWidget(window)
    window.show()
    job = window.start_download(str(tmp_path / "dl"), url=url, md5="0" * 32)
    qtbot.waitUntil(lambda: not job.is_running(), timeout=30000)
    assert job.error and window.last_error == job.error
    assert "md5" in job.error.lower() or "checksum" in job.error.lower()
    assert ctx.cifar_path() is None
    assert list((tmp_path / "dl").glob("*")) == []  # no partial file left
    window.close()


def test_run_history_that_cannot_be_written_is_a_message_not_an_exception(qtbot, settings_path, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    (tmp_path / "a_file").write_text("x")  # a file where the folder should be: even root cannot write there
    target = tmp_path / "a_file" / "history.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "CSV (*.csv)")))
    ctx, window = create_window(settings_path, "training")
    qtbot.addWidget(window)
    window.export_history_dialog()
    assert window.last_error.startswith(f"Could not write the run history to {target}")
    assert not target.exists()
    window.close()


def test_a_file_that_is_not_cifar_is_an_error_where_the_user_acted_and_is_not_remembered(
        qtbot, settings_path, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from user import trigger

    bad = tmp_path / "not-cifar.tar.gz"
    bad.write_bytes(b"this is not a CIFAR-10 archive")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(bad), "")))
    ctx, window = create_window(settings_path, "knn")
    qtbot.addWidget(window)
    window.show()
    trigger(window, "File", "Open CIFAR-10 archive…")
    qtbot.waitUntil(lambda: window.last_error is not None, timeout=20000)
    assert window.last_error.startswith("Could not open CIFAR-10:") and str(bad) in window.last_error
    assert window.statusBar().currentMessage() == window.last_error  # shown in this window, not in lab 7
    assert ctx.cifar_path() is None and Settings(settings_path).get("data/cifar_path") is None
    window.close()
    assert live_threads() == []


_ARENA_PROBE = """
import ctypes, sys, threading
from visualdl.ui import gc_guard
if sys.argv[1] == "limit":
    assert gc_guard.limit_heap_arenas()
start = threading.Barrier(8)
def churn():
    start.wait()
    for _ in range(20000):
        blocks = [bytearray(2000) for _ in range(8)]
        del blocks
threads = [threading.Thread(target=churn) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
ctypes.CDLL("libc.so.6").malloc_stats()  # one "Arena N:" paragraph per heap, on stderr
"""


def _heaps_after_eight_busy_threads(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run([sys.executable, "-c", _ARENA_PROBE, mode], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    return sum(line.startswith("Arena ") for line in done.stderr.splitlines())


@pytest.mark.skipif(gc_guard._MALLOPT is None, reason="glibc's malloc only")
def test_eight_busy_threads_share_two_heaps_once_the_app_limits_them():
    assert _heaps_after_eight_busy_threads("none") > 2  # glibc's default: a heap per contending thread
    assert _heaps_after_eight_busy_threads("limit") == 2


@pytest.mark.skipif(gc_guard._MALLINFO2 is None, reason="glibc 2.33+ only")
def test_heap_stats_count_a_block_while_it_is_alive():
    import numpy as np

    def held():  # in use in the heaps plus mmapped blocks, MB
        in_use, _free, mapped = gc_guard.heap_stats_mb()
        return in_use + mapped

    before = held()
    block = np.ones(40 * 2**20 // 8)  # 40 MB through malloc
    during = held()
    del block
    after = held()
    assert during - before >= 39.5 and during - after >= 39.5
    assert all(v >= 0 for v in gc_guard.heap_stats_mb())


def test_the_window_limits_the_heaps_before_any_job_and_a_users_setting_wins(qtbot, settings_path, monkeypatch):
    calls = []
    monkeypatch.setattr(gc_guard, "_MALLOPT", lambda *args: calls.append(args) or 1)
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    ctx, window = create_window(settings_path)
    qtbot.addWidget(window)
    assert calls == [(gc_guard.M_ARENA_MAX, 2)]
    window.close()
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    ctx, window = create_window(settings_path)
    qtbot.addWidget(window)
    assert calls == [(gc_guard.M_ARENA_MAX, 2)]  # the user's own limit is left alone
    window.close()
