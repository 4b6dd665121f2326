"""File > Save setup / Open setup through the real menu: a lab's choices handed to another window, refusals."""
from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from test_classroom import open_window
from user import choose, trigger, type_into
from visualdl.setups import FORMAT, VERSION
from visualdl.ui.form_state import form_state, value_widgets
from visualdl.ui.worker import live_threads


def _save_via_menu(window, monkeypatch, path):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "")))
    trigger(window, "File", "Save setup…")


def _open_via_menu(window, monkeypatch, path):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    trigger(window, "File", "Open setup…")


def _close_message_boxes():
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QMessageBox) and w.isVisible():
            w.close()


def test_knn_setup_round_trip_restores_the_controls_and_the_plot(qtbot, tmp_path, monkeypatch):
    window = open_window(qtbot, tmp_path / "a.ini", "knn")
    page = window.current_lab().regions_page
    type_into(qtbot, page.k_spin, "7")
    choose(qtbot, page.metric_combo, "L1 (Manhattan)")
    qtbot.waitUntil(lambda: "k=7, L1" in page.knn_plot.getPlotItem().titleLabel.text, timeout=15000)
    setup = tmp_path / "knn-setup.json"
    _save_via_menu(window, monkeypatch, setup)
    doc = json.loads(setup.read_text(encoding="utf-8"))
    assert doc["format"] == FORMAT and doc["lab"] == "knn" and 7 in doc["state"].values()
    assert window.statusBar().currentMessage().startswith("Saved this lab's setup")

    type_into(qtbot, page.k_spin, "3")
    choose(qtbot, page.metric_combo, "L2 (Euclidean)")
    qtbot.waitUntil(lambda: "k=3, L2" in page.knn_plot.getPlotItem().titleLabel.text, timeout=15000)
    _open_via_menu(window, monkeypatch, setup)
    assert window.last_error is None
    assert page.k_spin.value() == 7 and page.k_slider.value() == 7 and page.metric_combo.currentData() == "l1"
    qtbot.waitUntil(lambda: "k=7, L1" in page.knn_plot.getPlotItem().titleLabel.text, timeout=15000)
    window.close()
    assert live_threads() == []


def test_a_training_setup_opened_elsewhere_switches_to_its_lab(qtbot, tmp_path, monkeypatch):
    teacher = open_window(qtbot, tmp_path / "teacher.ini", "training")
    dash = teacher.current_lab().dashboard
    choose(qtbot, dash.optimizer, "Adam")  # (sets Adam's own defaults, lr included)
    type_into(qtbot, dash.lr, "0.05")
    type_into(qtbot, dash.seed, "42")
    type_into(qtbot, dash.hidden, "50")
    assert dash.lr.value() == pytest.approx(0.05)
    setup = tmp_path / "week3.json"
    _save_via_menu(teacher, monkeypatch, setup)
    teacher.close()

    student = open_window(qtbot, tmp_path / "student.ini", "knn")  # its own settings: nothing remembered
    assert "training" not in student.labs
    _open_via_menu(student, monkeypatch, setup)
    assert student.last_error is None, student.last_error
    assert student.windowTitle().endswith("Training a network")
    dash = student.current_lab().dashboard
    assert dash.lr.value() == pytest.approx(0.05) and dash.seed.value() == 42
    assert dash.hidden.text() == "50" and dash.optimizer.currentData() == "adam"
    student.close()
    assert live_threads() == []


def _write(path, doc) -> str:
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return str(path)


def _settled(qtbot, window, keys):
    """The labs' states once they stop changing by themselves for a second."""
    now = {key: form_state(window.lab(key)) for key in keys}
    for _ in range(20):
        qtbot.wait(1000)
        before, now = now, {key: form_state(window.lab(key)) for key in keys}
        if now == before:
            return now
    raise AssertionError("the labs' controls kept changing by themselves")


def test_refused_setups_say_why_and_change_nothing(qtbot, tmp_path, monkeypatch):
    window = open_window(qtbot, tmp_path / "s.ini", "knn")
    knn = window.current_lab()
    linear = window.lab("linear")
    good_k = next(k for k, w in value_widgets(knn).items() if w is knn.regions_page.k_spin)
    cases = [
        (_write(tmp_path / "newer.json", {"format": FORMAT, "version": VERSION + 1, "lab": "knn", "state": {}}),
         "newer VisualDL"),
        (_write(tmp_path / "broken.json", '{"format": "visualdl-setup", "vers'), "broken JSON"),
        (_write(tmp_path / "session.json", {"run": 1, "history": []}), "not a VisualDL setup file"),
        (_write(tmp_path / "lab9.json", {"format": FORMAT, "version": VERSION, "lab": "gan", "state": {}}),
         "lab 'gan'"),
        (_write(tmp_path / "foreign-keys.json",
                {"format": FORMAT, "version": VERSION, "lab": "knn", "state": {good_k: 5, "no-such-control": 1}}),
         "does not match"),
        (_write(tmp_path / "out-of-range.json",
                {"format": FORMAT, "version": VERSION, "lab": "knn", "state": {good_k: 5, **{
                    k: 10 ** 9 for k, v in form_state(knn).items() if isinstance(v, int) and not isinstance(v, bool)
                    and k != good_k}}}),
         "is outside"),
        (_write(tmp_path / "linear-bad.json",
                {"format": FORMAT, "version": VERSION, "lab": "linear", "state": {
                    k: "not a number" for k, v in form_state(linear).items() if isinstance(v, float)}}),
         "expected a number"),
    ]
    before = _settled(qtbot, window, ("knn", "linear"))  # (the linear lab fills in its first weights)
    for path, reason in cases:
        window.last_error = None
        _open_via_menu(window, monkeypatch, path)
        assert window.last_error is not None and reason in window.last_error, (path, window.last_error)
        assert window.last_error.startswith("Setup refused")
        assert reason in window.statusBar().currentMessage()
        _close_message_boxes()
        assert {key: form_state(window.lab(key)) for key in ("knn", "linear")} == before, path
    # the refusal of a setup for another lab shows that lab (the message is about it), unchanged
    assert window.current_lab() is linear
    window.close()
    assert live_threads() == []


def test_a_setup_that_cannot_be_written_is_an_error_not_a_crash(qtbot, tmp_path, monkeypatch):
    window = open_window(qtbot, tmp_path / "s.ini", "linear")
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    _save_via_menu(window, monkeypatch, blocker / "setup.json")
    assert window.last_error.startswith("Could not save the setup to")
    _close_message_boxes()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: ("", "")))  # cancelled
    window.last_error = None
    trigger(window, "File", "Save setup…")
    assert window.last_error is None and list(tmp_path.glob("*.json")) == []
    window.close()
