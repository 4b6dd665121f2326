"""The main window's menus and keys, each triggered as a user would, and every lab's layout at 1280x800."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QFileDialog, QMessageBox, QTabWidget, QWidget

from user import click, open_window, press, trigger
from visualdl.labs import registered_labs
from visualdl.ui.export import can_export_csv
from visualdl.ui.worker import live_threads


def training_ready(qtbot, lab):
    qtbot.waitUntil(lambda: lab.data is not None and lab.run_number >= 1, timeout=20000)


@pytest.fixture
def settings(tmp_path):
    return tmp_path / "settings.ini"


def test_first_launch_opens_lab_1_and_later_launches_the_last_lab(qtbot, settings):
    window = open_window(qtbot, settings)
    first = registered_labs()[0]
    assert window.lab_list.currentRow() == 0 and window.windowTitle().endswith(first.title)
    last = registered_labs()[-1]
    trigger(window, "View", f"{last.number}. {last.title}")
    assert window.windowTitle().endswith(last.title)
    window.close()
    window2 = open_window(qtbot, settings)
    assert window2.windowTitle().endswith(last.title)
    window2.close()
    assert live_threads() == []


def test_ctrl_number_of_a_lab_that_does_not_exist_says_so(qtbot, settings):
    window = open_window(qtbot, settings, "linear")
    numbers = {s.number for s in registered_labs()}
    missing = next(n for n in range(1, 10) if n not in numbers)
    before = window.windowTitle()
    press(qtbot, window.lab_list, getattr(Qt.Key, f"Key_{missing}"), Qt.KeyboardModifier.ControlModifier)
    assert window.statusBar().currentMessage().startswith(f"There is no lab {missing} yet")
    assert window.windowTitle() == before
    present = min(numbers)
    press(qtbot, window.lab_list, getattr(Qt.Key, f"Key_{present}"), Qt.KeyboardModifier.ControlModifier)
    assert window.windowTitle().startswith(f"VisualDL — {present}.")
    window.close()


def _message_boxes():
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def test_view_and_help_menus(qtbot, settings):
    window = open_window(qtbot, settings, "backprop")
    trigger(window, "View", "Show lab list")
    assert not window.lab_list.isVisible()
    trigger(window, "View", "Show lab list")
    assert window.lab_list.isVisible()
    trigger(window, "Help", "Keyboard shortcuts")
    boxes = _message_boxes()
    assert boxes and "Space" in boxes[-1].text() and "Play / pause" in boxes[-1].text()
    boxes[-1].close()
    trigger(window, "Help", "About VisualDL")
    boxes = _message_boxes()
    assert boxes and "VisualDL" in boxes[-1].text()
    boxes[-1].close()
    for spec in registered_labs():
        trigger(window, "View", f"{spec.number}. {spec.title}")
        assert window.windowTitle() == f"VisualDL — {spec.number}. {spec.title}"
        assert type(window.current_lab()).__name__ == spec.target.partition(":")[2], window.last_error
    window.close()
    assert live_threads() == []


def test_run_menu_drives_the_training_lab(qtbot, settings):
    window = open_window(qtbot, settings, "training")
    lab = window.current_lab().dashboard
    training_ready(qtbot, lab)
    trigger(window, "Run", "Step")
    qtbot.waitUntil(lambda: len(lab.log) == 1, timeout=10000)
    trigger(window, "Run", "Play / pause")
    assert lab.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: len(lab.log) > 3, timeout=10000)
    trigger(window, "Run", "Play / pause")
    assert lab.play_button.text() == "Play"
    trigger(window, "Run", "Reset")
    qtbot.waitUntil(lambda: len(lab.log) == 0, timeout=10000)
    window.close()


def test_file_menu_actions(qtbot, settings, tmp_path, monkeypatch):
    window = open_window(qtbot, settings, "training")
    lab = window.current_lab().dashboard
    training_ready(qtbot, lab)
    lab.steps_per_update.setValue(5)
    trigger(window, "Run", "Step")
    qtbot.waitUntil(lambda: len(lab.log) == 5, timeout=10000)

    # Export plot > one plot (the submenu is filled when it opens)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(tmp_path / "loss.png"), "")))
    window.export_menu.popup(QPoint(0, 0))
    texts = [a.text() for a in window.export_menu.actions()]
    assert "Loss as PNG…" in texts and "Accuracy as CSV…" in texts
    trigger(window, "File", "Export plot", "Loss as PNG…")
    if QApplication.activePopupWidget() is not None:
        QApplication.activePopupWidget().close()
    assert (tmp_path / "loss.png").stat().st_size > 0
    assert window.statusBar().currentMessage().startswith("Exported Loss")

    # Export all plots
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(tmp_path / "all")))
    trigger(window, "File", "Export all plots…")
    # drawn a plot at a time, written by a worker: the progress bar shows it, the window stays usable
    assert window.progress.isVisible() and window.progress_label.text().startswith("Exporting")
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Wrote "), timeout=60000)
    assert not window.progress.isVisible()
    written = {p.name for p in (tmp_path / "all").iterdir()}
    assert {"accuracy.csv", "accuracy.png", "accuracy.svg", "loss.csv", "loss.png", "loss.svg"} <= written
    assert len(written) > 6  # and the experiments' plots of lab 7

    # Export run history
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "history"), "CSV (*.csv)")))
    trigger(window, "File", "Export run history…")
    assert len((tmp_path / "history.csv").read_text().splitlines()) == 1 + 5

    # Cancelled dialogs change nothing
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: ("", "")))
    trigger(window, "File", "Open CIFAR-10 folder…")
    trigger(window, "File", "Download CIFAR-10…")
    trigger(window, "File", "Open CIFAR-10 archive…")
    assert window.ctx.cifar_path() is None and not window.progress.isVisible()

    # Open CIFAR-10 archive on a file that is not one: the error is shown here; nothing changes
    archive = tmp_path / "cifar-10-python.tar.gz"
    archive.write_bytes(b"not an archive")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(archive), "")))
    in_use = lab.dataset.currentData()
    trigger(window, "File", "Open CIFAR-10 archive…")
    qtbot.waitUntil(lambda: (window.last_error or "").startswith("Could not open CIFAR-10"), timeout=20000)
    assert window.ctx.cifar_path() is None
    assert lab.dataset.currentData() == in_use and lab.banner_text == ""
    assert lab.job.is_running()

    # Quit
    trigger(window, "File", "Quit")
    assert not window.isVisible()
    assert live_threads() == []


# ---------------------------------------------------------------- every lab fits 1280x800
def _visible_widgets(root: QWidget):
    """Visible widgets below root, except those inside a scrolling area (they may scroll past its edge)."""
    out = []
    for w in root.findChildren(QWidget):
        if not w.isVisibleTo(root) or w.width() <= 0 or w.height() <= 0:
            continue
        parent = w.parentWidget()
        while parent is not None and parent is not root and not isinstance(parent, QAbstractScrollArea):
            parent = parent.parentWidget()
        if parent is None or parent is root:
            out.append(w)
    return out


FIXED_ON_FIX_LABS: set[str] = set()  # labs whose layout is fixed on another branch (xfail here until merged)


def test_export_all_returns_to_the_window_at_once_and_its_cancel_button_stops_it(qtbot, settings, tmp_path,
                                                                                monkeypatch):
    window = open_window(qtbot, settings, "training")
    training_ready(qtbot, window.current_lab().dashboard)
    targets = window.export_targets()
    total = 2 * len(targets) + sum(1 for t in targets.values() if can_export_csv(t))
    folder = tmp_path / "all"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(folder)))
    trigger(window, "File", "Export all plots…")
    # the menu returned before the work was done: plots are drawn a turn of the event loop at a time
    assert window.progress.isVisible() and len(list(folder.iterdir())) < total
    click(qtbot, window.cancel_button)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "Export cancelled.", timeout=20000)
    assert not window.progress.isVisible() and window.last_error is None
    assert len(list(folder.iterdir())) < total
    assert not [p for p in folder.iterdir() if p.suffix not in (".png", ".svg", ".csv")]  # no half-written file
    # and a second export right after runs to the end: every plot in every format
    trigger(window, "File", "Export all plots…")
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Wrote "), timeout=60000)
    assert len(list(folder.iterdir())) == total
    assert window.statusBar().currentMessage() == f"Wrote {total} files to {folder}"


@pytest.mark.parametrize("key", [s.key for s in registered_labs()])
def test_every_tab_of_every_lab_fits_a_1280x800_window(qtbot, settings, key, request):
    window = open_window(qtbot, settings, key)
    lab = window.current_lab()
    qtbot.wait(300)
    tabs = [t for t in lab.findChildren(QTabWidget)] or [None]
    window_rect = QRect(window.mapToGlobal(QPoint(0, 0)), window.size())
    problems = []
    for tab_widget in tabs:
        for i in range(tab_widget.count() if tab_widget is not None else 1):
            if tab_widget is not None:
                if not tab_widget.isVisibleTo(lab):
                    continue
                tab_widget.setCurrentIndex(i)
            QApplication.processEvents()
            qtbot.wait(100)
            if window.width() > 1280 or window.height() > 800:
                problems.append(f"window grew to {window.width()}x{window.height()}")
            for w in _visible_widgets(lab):
                rect = QRect(w.mapToGlobal(QPoint(0, 0)), w.size())
                if not window_rect.contains(rect):
                    where = tab_widget.tabText(i) if tab_widget is not None else "-"
                    problems.append(f"tab {where!r}: {type(w).__name__} {w.objectName() or ''} at {rect} "
                                    f"outside {window_rect}")
    window.close()
    assert live_threads() == []
    if problems and key in FIXED_ON_FIX_LABS:
        pytest.xfail("fixed on fix-labs branch")
    assert not problems, "\n".join(problems[:10])
