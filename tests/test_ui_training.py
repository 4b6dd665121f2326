"""Training dashboard, driven like a user would: pick data, step, play/pause, change lr, export, sessions."""
from __future__ import annotations

import csv
import json
import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from visualdl.labs.common.widgets import select as _select
from visualdl.labs.training import TrainingLab
from visualdl.ui.app import create_window
from visualdl.ui.worker import live_threads


def dashboard_of(window):
    """The training dashboard of lab 7 (its first tab; older layouts: the lab itself)."""
    lab = window.current_lab()
    return getattr(lab, "dashboard", lab)


@pytest.fixture
def app_window(qtbot, tmp_path):
    ctx, window = create_window(tmp_path / "settings.ini", "training")
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()
    assert live_threads() == []


def ready(qtbot, lab):
    qtbot.waitUntil(lambda: lab.data is not None and lab.run_number >= 1 and lab.job.is_running(), timeout=20000)


def pick_spiral(qtbot, lab, n_points=300):
    """Choose the spiral toy set (fast) and wait until its model is built."""
    run = lab.run_number
    lab.n_points.setValue(n_points)
    _select(lab.dataset, "spiral")
    qtbot.waitUntil(lambda: lab.data is not None and lab.data.name.startswith("spiral") and lab.run_number > run,
                    timeout=20000)
    return lab


@pytest.fixture
def lab(qtbot, app_window):
    lab = dashboard_of(app_window)
    assert isinstance(lab, TrainingLab)
    ready(qtbot, lab)
    return pick_spiral(qtbot, lab)


def test_launch_opens_on_builtin_data_ready_to_train(qtbot, app_window):
    lab = dashboard_of(app_window)
    ready(qtbot, lab)
    assert lab.data.name == "builtin" and lab.data.kind == "image"
    assert lab.current_config()["model"]["preset"] == "two_layer"
    assert lab.banner_text == ""
    lab.step_once()
    qtbot.waitUntil(lambda: len(lab.log) == 1, timeout=10000)
    assert math.isfinite(lab.log.iterations["loss"][0])


def test_step_does_steps_per_update_iterations(qtbot, lab):
    lab.steps_per_update.setValue(5)
    lab.step_once()
    qtbot.waitUntil(lambda: len(lab.log) == 5, timeout=10000)
    qtbot.wait(200)
    assert len(lab.log) == 5  # and then it pauses
    assert lab.log.iterations["iteration"].tolist() == [1, 2, 3, 4, 5]
    assert lab.status_fields["iteration"].text() == "Iteration 5"


def test_run_pause_and_curves_grow(qtbot, lab):
    lab.toggle_play()
    qtbot.waitUntil(lambda: len(lab.log) >= 50, timeout=20000)
    n_mid = lab.curves.smooth.getOriginalDataset()[0].size
    qtbot.waitUntil(lambda: lab.curves.smooth.getOriginalDataset()[0].size > n_mid, timeout=20000)
    assert lab.log.epochs.n >= 1 and lab.curves.val.getOriginalDataset()[1].size >= 1
    lab.toggle_play()
    assert lab.play_button.text() == "Play"
    qtbot.wait(300)  # pause takes effect within one step; the last update arrives
    n = len(lab.log)
    qtbot.wait(300)
    assert len(lab.log) == n
    assert lab.log.iterations["iteration"].tolist() == list(range(1, n + 1))  # no row lost on the way
    assert "examples/s" in lab.status_fields["speed"].text()


def test_change_learning_rate_mid_run_without_reset(qtbot, lab):
    lab.play()
    qtbot.waitUntil(lambda: len(lab.log) >= 20, timeout=20000)
    lab.set_learning_rate(0.05)
    qtbot.waitUntil(lambda: len(lab.log) and lab.log.iterations["lr"][-1] == pytest.approx(0.05), timeout=10000)
    lab.pause()
    lrs = lab.log.iterations["lr"]
    iters = lab.log.iterations["iteration"]
    assert lrs[0] == pytest.approx(1e-3) and lrs[-1] == pytest.approx(0.05)
    assert iters.tolist() == list(range(1, len(iters) + 1))  # same run continued: no reset


def test_divergence_pauses_with_a_plain_message(qtbot, lab):
    _select(lab.optimizer, "sgd")
    lab.reg_kind.setCurrentIndex(lab.reg_kind.findData("none"))
    lab.lr.setValue(1e6)
    lab.reset_run()
    run = lab.run_number
    qtbot.waitUntil(lambda: lab.run_number > run, timeout=10000)
    lab.play()
    qtbot.waitUntil(lambda: "learning rate" in lab.banner_text, timeout=20000)
    assert "Training paused" in lab.banner_text and "too high" in lab.banner_text
    qtbot.waitUntil(lambda: lab.play_button.text() == "Play", timeout=5000)
    assert lab.job.is_running()  # nothing crashed


def test_export_each_format_and_all(qtbot, lab, app_window, tmp_path):
    lab.steps_per_update.setValue(30)
    lab.step_once()
    qtbot.waitUntil(lambda: len(lab.log) == 30, timeout=20000)
    png = app_window.export_one("Loss", "PNG", tmp_path / "loss.png")
    assert not QImage(str(png)).isNull()
    svg = app_window.export_one("Accuracy", "SVG", tmp_path / "acc.svg")
    assert ET.parse(svg).getroot().tag.endswith("svg")
    loss_csv = app_window.export_one("Loss", "CSV", tmp_path / "loss.csv")
    with open(loss_csv, newline="") as fh:
        rows = list(csv.DictReader(fh))
    raw = [float(r["y"]) for r in rows if r["series"] == "loss (raw)"]
    assert np.allclose(raw, lab.log.iterations["loss"])
    run = app_window.export_all(tmp_path / "all")
    qtbot.waitUntil(lambda: not run.is_running(), timeout=60000)
    written = run.written
    assert run.error is None and len(written) == run.total
    # lab 7 also exports its experiment tabs' plots; the dashboard's are these
    assert {"accuracy.csv", "accuracy.png", "accuracy.svg", "loss.csv", "loss.png", "loss.svg"} <= \
        {p.name for p in written}
    for p in written:
        if p.suffix == ".svg":
            ET.parse(p)


def test_run_history_csv_and_json(qtbot, lab, tmp_path):
    lab.steps_per_update.setValue(4)
    lab.step_once()
    qtbot.waitUntil(lambda: len(lab.log) == 4, timeout=10000)
    with open(lab.export_history(tmp_path / "h.csv"), newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["iteration"]) for r in rows] == [1, 2, 3, 4]
    assert [float(r["loss"]) for r in rows] == lab.log.iterations["loss"].tolist()
    data = json.loads(lab.export_history(tmp_path / "h.json").read_text())
    assert len(data["iterations"]) == 4 and data["config"]["optim"]["name"] == "adam"
    assert len(data["epochs"]) == lab.log.epochs.n >= 1


def test_save_and_reload_session(qtbot, lab, tmp_path):
    lab.steps_per_update.setValue(7)
    lab.step_once()
    qtbot.waitUntil(lambda: len(lab.log) == 7, timeout=10000)
    losses = lab.log.iterations["loss"].tolist()
    weights = {k: v.copy() for k, v in lab.ctx.training_snapshot()["params"].items()}
    with qtbot.waitSignal(lab.session_saved, timeout=10000):
        lab.save_session(tmp_path / "s1.json")
    assert (tmp_path / "s1.json").exists() and (tmp_path / "s1.npz").exists()
    lab.reset_run()  # lose the run, change settings
    qtbot.waitUntil(lambda: len(lab.log) == 0, timeout=10000)
    _select(lab.optimizer, "sgd")
    with qtbot.waitSignal(lab.session_loaded, timeout=20000):
        lab.load_session(tmp_path / "s1.json")
    assert lab.optimizer.currentData() == "adam"  # controls show the saved config
    assert lab.log.iterations["loss"].tolist() == losses  # curves redrawn from the saved history
    qtbot.waitUntil(lambda: lab.ctx.training_snapshot()["iteration"] == 7, timeout=10000)
    for k, v in lab.ctx.training_snapshot()["params"].items():
        assert np.array_equal(v, weights[k])
    lab.step_once()  # and training continues from there
    qtbot.waitUntil(lambda: len(lab.log) == 14, timeout=10000)
    assert lab.log.iterations["iteration"][-1] == 14


def test_damaged_or_foreign_session_leaves_current_one_untouched(qtbot, lab, tmp_path):
    lab.steps_per_update.setValue(3)
    lab.step_once()
    qtbot.waitUntil(lambda: len(lab.log) == 3, timeout=10000)
    (tmp_path / "foreign.json").write_text('{"hello": "world"}')
    (tmp_path / "foreign.npz").write_bytes(b"not a zip")
    with qtbot.waitSignal(lab.session_failed, timeout=10000) as blocker:
        lab.load_session(tmp_path / "foreign.json")
    assert "not a VisualDL checkpoint" in blocker.args[0]
    assert "Could not load the session" in lab.banner_text
    assert len(lab.log) == 3
    lab.step_once()
    qtbot.waitUntil(lambda: len(lab.log) == 6, timeout=10000)  # the old session still trains


def test_overlaid_runs_get_their_own_colour_and_legend_entry(qtbot, lab):
    for lr in (1e-3, 1e-2, 1e-1):
        lab.lr.setValue(lr)
        lab.reset_run()
        lab.steps_per_update.setValue(10)
        qtbot.waitUntil(lambda: len(lab.log) == 0, timeout=10000)
        lab.step_once()
        qtbot.waitUntil(lambda: len(lab.log) == 10, timeout=10000)
        lab.pin_run()
    assert len(lab.overlays) == 3
    colours = {c.smooth.opts["pen"].color().name() for _, c in lab.overlays}
    assert len(colours) == 3
    legend = [label.text for _, label in lab.loss_plot.getPlotItem().legend.items]
    for lr in ("lr=0.001", "lr=0.01", "lr=0.1"):
        assert any(lr in text for text in legend)
    lab.clear_pinned()
    assert len(lab.loss_plot.getPlotItem().legend.items) == 2


def test_smoothing_log_scale_and_epoch_axis(qtbot, lab):
    lab.steps_per_update.setValue(20)
    lab.step_once()
    qtbot.waitUntil(lambda: len(lab.log) == 20, timeout=10000)
    lab.smoothing.setValue(0)
    assert np.allclose(lab.curves.smooth.getOriginalDataset()[1], lab.log.iterations["loss"])
    lab.log_y.setChecked(True)
    assert lab.loss_plot.getPlotItem().ctrl.logYCheck.isChecked()
    _select(lab.x_axis, "epoch")
    x = lab.curves.raw.getOriginalDataset()[0]
    assert np.array_equal(x, lab.log.iterations["epoch"])


def test_keyboard_shortcuts_drive_the_dashboard(qtbot, app_window, lab):
    app_window.activateWindow()
    lab.loss_plot.setFocus()
    qtbot.keyClick(lab.loss_plot, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: len(lab.log) == 1, timeout=10000)
    qtbot.keyClick(lab.loss_plot, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: len(lab.log) == 2, timeout=10000)
    qtbot.keyClick(lab.loss_plot, Qt.Key.Key_Space)
    assert lab.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: len(lab.log) > 5, timeout=10000)
    qtbot.keyClick(lab.loss_plot, Qt.Key.Key_Space)
    assert lab.play_button.text() == "Play"
    qtbot.keyClick(lab.loss_plot, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: len(lab.log) == 0, timeout=10000)


def test_close_while_training_stops_every_thread(qtbot, tmp_path):
    ctx, window = create_window(tmp_path / "settings.ini", "training")
    qtbot.addWidget(window)
    window.show()
    lab = dashboard_of(window)
    ready(qtbot, lab)
    lab.play()
    qtbot.waitUntil(lambda: len(lab.log) >= 3, timeout=20000)
    window.close()
    assert live_threads() == []


def test_choices_are_remembered(qtbot, tmp_path):
    ctx, window = create_window(tmp_path / "settings.ini", "training")
    qtbot.addWidget(window)
    lab = dashboard_of(window)
    ready(qtbot, lab)
    pick_spiral(qtbot, lab, n_points=400)
    _select(lab.activation, "tanh")
    lab.lr.setValue(0.02)
    window.close()
    ctx2, window2 = create_window(tmp_path / "settings.ini", "training")
    qtbot.addWidget(window2)
    lab2 = dashboard_of(window2)
    assert lab2.dataset.currentData() == "spiral" and lab2.n_points.value() == 400
    assert lab2.activation.currentData() == "tanh" and lab2.lr.value() == pytest.approx(0.02)
    ready(qtbot, lab2)
    window2.close()


@pytest.mark.parametrize("preset", ["linear", "two_layer", "three_layer", "small_cnn", "standard_cnn"])
def test_every_preset_trains_on_builtin_images(qtbot, app_window, preset):
    lab = dashboard_of(app_window)
    ready(qtbot, lab)
    run = lab.run_number
    _select(lab.preset, preset)
    lab.batch_size.setValue(16)  # keeps the CNN steps short
    lab.reset_run()
    qtbot.waitUntil(lambda: lab.run_number > run, timeout=20000)
    lab.steps_per_update.setValue(2)
    lab.step_once()
    qtbot.waitUntil(lambda: len(lab.log) == 2, timeout=60000)
    assert np.isfinite(lab.log.iterations["loss"]).all()
    assert lab.ctx.training_snapshot()["config"]["model"]["preset"] == preset


def test_gui_thread_never_runs_a_step_a_load_or_an_evaluation(qtbot, tmp_path, monkeypatch):
    import threading

    from visualdl.engine import trainer as trainer_mod

    gui = threading.get_ident()
    calls = []

    def spy(name, fn):
        def wrapped(*args, **kwargs):
            calls.append((name, threading.get_ident()))
            return fn(*args, **kwargs)
        return wrapped

    monkeypatch.setattr(trainer_mod.Trainer, "step", spy("step", trainer_mod.Trainer.step))
    monkeypatch.setattr(trainer_mod.Trainer, "evaluate", spy("evaluate", trainer_mod.Trainer.evaluate))
    import visualdl.data

    monkeypatch.setattr(visualdl.data, "load_dataset", spy("load", visualdl.data.load_dataset))
    ctx, window = create_window(tmp_path / "settings.ini", "training")
    qtbot.addWidget(window)
    window.show()
    lab = dashboard_of(window)
    pick_spiral(qtbot, lab)
    lab.steps_per_update.setValue(5)
    lab.step_once()
    qtbot.waitUntil(lambda: len(lab.log) == 5, timeout=10000)
    window.close()
    assert {name for name, _ in calls} == {"step", "evaluate", "load"}
    assert all(tid != gui for _, tid in calls)


def test_bad_hidden_sizes_are_named_and_the_old_model_stays(qtbot, lab):
    run = lab.run_number
    lab.hidden.setText("100, abc")
    lab.hidden.editingFinished.emit()
    qtbot.waitUntil(lambda: "Invalid hidden sizes" in lab.banner_text, timeout=5000)
    assert "'100, abc'" in lab.banner_text
    lab.step_once()
    qtbot.waitUntil(lambda: len(lab.log) == 1, timeout=10000)
    assert lab.run_number == run  # still the model that was built before


def test_settings_default_to_a_temporary_file_in_tests():
    from visualdl.ui.settings import Settings

    assert str(Settings().path).startswith(str(__import__("tempfile").gettempdir()))


def test_test_accuracy_runs_on_the_worker_with_progress(qtbot, lab):
    lab.steps_per_update.setValue(20)
    lab.step_once()
    qtbot.waitUntil(lambda: len(lab.log) == 20, timeout=10000)
    with qtbot.waitSignal(lab.evaluated, timeout=20000) as blocker:
        lab.evaluate_test()
        assert lab.eval_progress.isVisible() and lab.eval_cancel.isVisible()
    split, acc = blocker.args
    assert split == "test" and 0.0 <= acc <= 1.0
    assert lab.eval_result.examples == len(lab.data.X_test)
    assert not lab.eval_progress.isVisible() and lab.evaluate_button.isEnabled()


def test_cancelled_evaluation_says_so_and_training_goes_on(qtbot, app_window):
    lab = dashboard_of(app_window)
    ready(qtbot, lab)
    lab.evaluate_test()
    lab.eval_cancel.click()  # set before the worker reaches its first chunk of test images
    with qtbot.waitSignal(lab.evaluated, timeout=20000) as blocker:
        pass
    assert blocker.args == ["test", None]
    assert "cancelled" in lab.eval_result.message
    assert not lab.eval_progress.isVisible()
    lab.step_once()
    qtbot.waitUntil(lambda: len(lab.log) == 1, timeout=10000)


def test_configs_the_job_sends_to_the_gui_are_copies_the_trainer_never_edits():
    from visualdl.data import load_dataset
    from visualdl.engine.models import default_config
    from visualdl.labs.training.job import TrainingSession

    cfg = default_config("linear")
    cfg["lr_decay"] = 0.5  # the trainer halves config["optim"]["lr"] at each epoch end, on the worker
    cfg["batch_size"] = 64
    session = TrainingSession()
    assert session.handle(("build", cfg, load_dataset("spiral", n_points=120), None))
    sent = session.update().events[0].config
    lr = sent["optim"]["lr"]
    session.handle(("step", session.trainer.iterations_per_epoch))
    while session.busy:
        session.step()
    assert session.trainer.config["optim"]["lr"] == lr / 2
    assert sent["optim"]["lr"] == lr  # what the GUI holds did not change under it
