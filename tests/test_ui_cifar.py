"""The dashboard on real CIFAR-10 (skipped unless VISUALDL_CIFAR10 points at the archive)."""
from __future__ import annotations

import pytest

from visualdl.data import cifar10
from visualdl.ui.app import create_window
from visualdl.ui.worker import live_threads

pytestmark = [pytest.mark.cifar, pytest.mark.slow]


def dashboard_of(window):
    """The training dashboard of lab 7 (its first tab; older layouts: the lab itself)."""
    lab = window.current_lab()
    return getattr(lab, "dashboard", lab)


def test_open_cifar_archive_loads_with_progress_and_trains(qtbot, tmp_path, cifar_path):
    ctx, window = create_window(tmp_path / "settings.ini", "training")
    qtbot.addWidget(window)
    window.show()
    lab = dashboard_of(window)
    qtbot.waitUntil(lambda: lab.data is not None and lab.run_number >= 1, timeout=30000)
    with qtbot.waitSignal(ctx.cifar_path_changed, timeout=180000):
        window.use_cifar(str(cifar_path))  # what File > Open CIFAR-10 archive does after the dialog
        assert window.progress.isVisible() and window.cancel_button.isVisible()  # progress bar + Cancel
    assert lab.dataset.currentData() == "cifar10"
    lab.rebuild_now()  # start the load now rather than after the controls' debounce
    qtbot.waitUntil(lambda: lab.data is not None and lab.data.name == "cifar10" and lab.run_number >= 2,
                    timeout=180000)
    assert lab.data.X_train.shape == (49000, 32, 32, 3)
    assert not window.progress.isVisible()
    lab.steps_per_update.setValue(3)
    lab.step_once()
    qtbot.waitUntil(lambda: len(lab.log) == 3, timeout=60000)
    window.close()
    assert live_threads() == []


def test_cancelling_a_cifar_load_keeps_the_current_data(qtbot, tmp_path, cifar_path, monkeypatch):
    # An earlier test may have left the archive in the loader's in-memory cache,
    # which would finish the load before Cancel can be pressed.
    monkeypatch.setattr(cifar10, "_cache", {})
    ctx, window = create_window(tmp_path / "settings.ini", "training")
    qtbot.addWidget(window)
    window.show()
    lab = dashboard_of(window)
    qtbot.waitUntil(lambda: lab.data is not None and lab.run_number >= 1, timeout=30000)
    before = lab.data
    window.use_cifar(str(cifar_path))  # the archive is read once, on the worker, with Cancel
    assert window.cancel_button.isVisible()
    window.cancel_button.click()
    qtbot.waitUntil(lambda: not window.progress.isVisible(), timeout=30000)
    qtbot.wait(200)
    assert lab.data is before  # still the built-in set, still trainable
    assert lab.dataset.currentData() == "builtin"  # and the controls say so
    assert ctx.cifar_path() is None  # a load that did not finish is not remembered
    lab.step_once()
    qtbot.waitUntil(lambda: len(lab.log) == 1, timeout=30000)
    window.close()
    assert live_threads() == []


def test_cancelling_the_open_remembers_nothing(qtbot, tmp_path, cifar_path, monkeypatch):
    monkeypatch.setattr(cifar10, "_cache", {})  # a real read, long enough to cancel
    ctx, window = create_window(tmp_path / "settings.ini", "knn")
    qtbot.addWidget(window)
    window.show()
    job = window.use_cifar(str(cifar_path))
    assert window.cancel_button.isVisible()
    window.cancel_button.click()
    qtbot.waitUntil(lambda: not job.is_running() and not window.progress.isVisible(), timeout=30000)
    assert ctx.cifar_path() is None and window.last_error is None
    window.close()
    assert live_threads() == []
