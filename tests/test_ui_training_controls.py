"""Lab 7's training dashboard driven through its real widgets: every button, checkbox and combo, and each bug a
new user hit (issue: "Fix what a new user hit"), checked on what the screen shows."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from user import choose, click, press, type_into, wheel
from visualdl.ui.app import create_window
from visualdl.ui.worker import live_threads

LAB_KEYS = ["training"]  # lab 5 is the playground now (tests/test_lab_neural_nets.py)


def open_window(qtbot, tmp_path, key):
    ctx, window = create_window(tmp_path / "settings.ini", key)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def dashboard(window):
    """Lab 7's first tab: the training dashboard these tests drive."""
    return window.current_lab().dashboard


def built(qtbot, lab, after: int = 0):
    qtbot.waitUntil(lambda: lab.data is not None and lab.run_number > after and lab.job.is_running(), timeout=20000)


def on_spiral(qtbot, lab):
    """The small spiral (fast): lab 5 opens on it; lab 7 is switched through its dataset combo."""
    if lab.dataset.currentData() != "spiral":
        # The launch's own build (of the lab's first dataset) may still be on its way: wait for the
        # worker's "Ready: spiral" in the status bar, the last build asked for, not for any new run.
        status = lab.window().statusBar()
        choose(qtbot, lab.dataset, "spiral")
        qtbot.waitUntil(lambda: status.currentMessage().startswith("Ready: spiral"), timeout=20000)
    built(qtbot, lab)
    return lab


@pytest.fixture(params=LAB_KEYS)
def win(request, qtbot, tmp_path):
    window = open_window(qtbot, tmp_path, request.param)
    yield window
    window.close()
    assert live_threads() == []


@pytest.fixture
def lab(qtbot, win):
    return on_spiral(qtbot, dashboard(win))


def steps(qtbot, lab, n):
    type_into(qtbot, lab.steps_per_update, str(n))
    start = len(lab.log)
    click(qtbot, lab.step_button)
    qtbot.waitUntil(lambda: len(lab.log) == start + n, timeout=20000)


# ---------------------------------------------------------------- bug 1: Test accuracy
def test_clicking_test_accuracy_reports_the_test_accuracy(qtbot, win, lab):
    steps(qtbot, lab, 3)
    with qtbot.waitSignal(lab.evaluated, timeout=20000) as blocker:
        click(qtbot, lab.evaluate_button)
    assert blocker.args[0] == "test" and 0.0 <= blocker.args[1] <= 1.0
    assert lab.banner_text == ""  # was "Could not evaluate: Unknown split: False"
    assert win.statusBar().currentMessage().startswith("Test accuracy:")
    assert lab.evaluate_button.isEnabled() and not lab.eval_progress.isVisible()


def test_cancel_of_an_evaluation_is_a_real_button(qtbot, win, lab):
    with qtbot.waitSignal(lab.evaluated, timeout=20000) as blocker:
        click(qtbot, lab.evaluate_button)
        if lab.eval_cancel.isVisible():
            click(qtbot, lab.eval_cancel)
    # on a tiny set the evaluation may finish before the click: either way the strip is clean again
    assert blocker.args[0] == "test"
    assert not lab.eval_cancel.isVisible() and lab.evaluate_button.isEnabled()


# ---------------------------------------------------------------- bug 2: a failed build
def test_impossible_hidden_sizes_are_refused_and_the_worker_lives_on(qtbot, win, lab):
    type_into(qtbot, lab.hidden, "999999999, 999999999")
    qtbot.waitUntil(lambda: "Model too large" in lab.banner_text, timeout=10000)
    assert "would need about" in lab.banner_text and "B" in lab.banner_text
    assert lab.job.is_running()
    run = lab.run_number
    type_into(qtbot, lab.hidden, "20")
    click(qtbot, lab.reset_button)
    built(qtbot, lab, run)
    click(qtbot, lab.play_button)
    assert lab.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: len(lab.log) >= 5, timeout=20000)
    assert lab.status_fields["iteration"].text() != "Iteration 0"
    click(qtbot, lab.play_button)
    assert lab.play_button.text() == "Play"


def test_a_dead_worker_is_replaced_by_the_next_play(qtbot, win, lab):
    lab.job.cancel()  # as if the worker thread had died
    qtbot.waitUntil(lambda: not lab.job.is_running(), timeout=10000)
    click(qtbot, lab.play_button)
    qtbot.waitUntil(lambda: len(lab.log) >= 3, timeout=20000)
    assert lab.play_button.text() == "Pause"
    click(qtbot, lab.play_button)


# ---------------------------------------------------------------- bug 3: Play/Pause after a rebuild
@pytest.mark.parametrize("control", ["activation", "preset"])
def test_a_rebuild_while_running_shows_play_and_play_then_trains(qtbot, win, lab, control):
    click(qtbot, lab.play_button)
    qtbot.waitUntil(lambda: len(lab.log) >= 5, timeout=20000)
    run = lab.run_number
    if control == "activation":
        choose(qtbot, lab.activation, "tanh")
    else:
        choose(qtbot, lab.preset, "three_layer")
    qtbot.waitUntil(lambda: lab.run_number > run, timeout=20000)
    assert lab.play_button.text() == "Play"
    n = len(lab.log)
    qtbot.wait(200)
    assert len(lab.log) == n  # it really stopped
    click(qtbot, lab.play_button)
    assert lab.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: len(lab.log) > n + 3, timeout=20000)
    click(qtbot, lab.play_button)


# ---------------------------------------------------------------- bug 4: the wheel over the panel
def test_the_wheel_over_the_left_panel_changes_no_setting(qtbot, win, lab):
    before = (lab.activation.currentData(), lab.lr.value(), lab.optimizer.currentData(), lab.batch_size.value())
    run = lab.run_number
    lab.loss_plot.setFocus()  # nothing of the panel has focus: the student only scrolls
    for w in (lab.activation, lab.lr, lab.optimizer, lab.batch_size, lab.preset, lab.dataset):
        wheel(qtbot, w, -120)
        wheel(qtbot, w, 120)
    qtbot.wait(400)  # a rebuild would start within 250 ms
    assert (lab.activation.currentData(), lab.lr.value(), lab.optimizer.currentData(),
            lab.batch_size.value()) == before
    assert lab.run_number == run


# ---------------------------------------------------------------- bug 9: a long error message
def test_a_long_error_banner_wraps_instead_of_widening_the_window(qtbot, win, lab, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from user import trigger

    width = win.width()
    missing = tmp_path / ("a_session_name_without_spaces_that_goes_on_" * 6 + ".json")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(missing), "")))
    with qtbot.waitSignal(lab.session_failed, timeout=10000):
        trigger(win, "File", "Load session…")
    QApplication.processEvents()
    assert "Could not load the session" in lab.banner_text
    assert win.width() == width
    assert lab.banner.geometry().right() <= lab.width()


# ---------------------------------------------------------------- bug 10: x axis remembered
def test_a_remembered_epoch_axis_is_labelled_epoch_after_a_relaunch(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path, "training")
    lab = dashboard(window)
    built(qtbot, lab)
    choose(qtbot, lab.x_axis, "x: epochs")
    assert lab.loss_plot.getPlotItem().getAxis("bottom").labelText == "epoch"
    window.close()
    window2 = open_window(qtbot, tmp_path, "training")
    lab2 = dashboard(window2)
    assert lab2.x_axis.currentData() == "epoch"
    for plot in (lab2.loss_plot, lab2.acc_plot):
        assert plot.getPlotItem().getAxis("bottom").labelText == "epoch"
    assert "epoch" in lab2.loss_plot.getPlotItem().titleLabel.text
    built(qtbot, lab2)
    window2.close()
    assert live_threads() == []


# ---------------------------------------------------------------- bug 11 (training parts)
def test_loading_a_session_keeps_the_epoch_as_well_as_the_iteration(qtbot, win, lab, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from user import trigger

    steps(qtbot, lab, 3)
    epoch_text = lab.status_fields["epoch"].text()
    assert epoch_text != "Epoch 0.00"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(tmp_path / "s.json"), "")))
    with qtbot.waitSignal(lab.session_saved, timeout=10000):
        trigger(win, "File", "Save session…")
    click(qtbot, lab.reset_button)
    qtbot.waitUntil(lambda: len(lab.log) == 0, timeout=10000)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(tmp_path / "s.json"), "")))
    with qtbot.waitSignal(lab.session_loaded, timeout=20000):
        trigger(win, "File", "Load session…")
    qtbot.waitUntil(lambda: lab.status_fields["iteration"].text() == "Iteration 3", timeout=10000)
    assert lab.status_fields["epoch"].text() == epoch_text


def test_an_error_banner_goes_away_when_training_resumes(qtbot, win, lab):
    type_into(qtbot, lab.hidden, "20, abc")
    qtbot.waitUntil(lambda: "Invalid hidden sizes" in lab.banner_text, timeout=5000)
    steps(qtbot, lab, 2)  # the model built before still trains
    assert lab.banner_text == ""
    type_into(qtbot, lab.hidden, "20, abc")
    qtbot.waitUntil(lambda: "Invalid hidden sizes" in lab.banner_text, timeout=5000)
    click(qtbot, lab.play_button)
    assert lab.banner_text == ""
    click(qtbot, lab.play_button)


def test_the_status_bar_shows_only_the_visible_labs_messages(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path, "training")
    page = window.current_lab()
    lab = page.dashboard
    # lab 2 while lab 7 is still loading and building
    click(qtbot, window.lab_list.viewport(), pos=window.lab_list.visualItemRect(window.lab_list.item(1)).center())
    assert window.current_lab() is not page
    built(qtbot, lab)
    qtbot.wait(100)
    assert "Ready" not in window.statusBar().currentMessage()
    click(qtbot, window.lab_list.viewport(),
          pos=window.lab_list.visualItemRect(window.lab_list.item(window.lab_list.count() - 1)).center())
    assert window.current_lab() is page
    assert window.statusBar().currentMessage().startswith("Ready")  # its own message, once it is on screen
    window.close()
    assert live_threads() == []


def test_a_kept_run_whose_lr_changed_says_so(qtbot, win, lab):
    steps(qtbot, lab, 3)
    type_into(qtbot, lab.lr, "0.05")
    steps(qtbot, lab, 3)
    click(qtbot, lab.pin_button)
    legend = [label.text for _, label in lab.loss_plot.getPlotItem().legend.items]
    kept = [t for t in legend if t.startswith("[")]
    assert kept and "varied" in kept[0] and "0.05" in kept[0]
    assert lab.activation.currentData() in kept[0]
    assert "varied" in win.statusBar().currentMessage()


# ---------------------------------------------------------------- colours, legends, z order
def test_train_and_validation_differ_in_colour_and_kept_runs_lie_under_the_live_one(qtbot, win, lab):
    from visualdl.labs.common.palette import run_hex

    steps(qtbot, lab, 3)
    live = lab.curves
    assert live.train.opts["pen"].color().name() != live.val.opts["pen"].color().name()
    assert live.smooth.opts["pen"].color().name() == run_hex(0)
    click(qtbot, lab.pin_button)
    _, kept = lab.overlays[0]
    assert kept.train.opts["pen"].color().name() != kept.val.opts["pen"].color().name()
    assert kept.smooth.opts["pen"].color().name() not in {run_hex(0), run_hex(1)}
    for k, l in ((kept.smooth, live.smooth), (kept.train, live.train), (kept.val, live.val)):
        assert k.zValue() < l.zValue()
    # the legends sit under the plots: they never cover a curve, however many runs are kept
    QApplication.processEvents()
    for plot in (lab.loss_plot, lab.acc_plot):
        item = plot.getPlotItem()
        legend_rect = item.legend.mapRectToScene(item.legend.boundingRect())
        view_rect = item.vb.mapRectToScene(item.vb.boundingRect())
        assert len(item.legend.items) >= 3 and legend_rect.height() > 0
        assert not legend_rect.intersects(view_rect), (legend_rect, view_rect)
    click(qtbot, lab.clear_pins_button)
    assert lab.overlays == []
    assert not any(t.startswith("[") for _, t in
                   [(None, label.text) for _, label in lab.loss_plot.getPlotItem().legend.items])


# ---------------------------------------------------------------- every control once
def test_every_button_checkbox_and_combo_of_the_dashboard(qtbot, win, lab):
    # Step / Play / Reset
    steps(qtbot, lab, 2)
    assert lab.status_fields["iteration"].text() == "Iteration 2"
    click(qtbot, lab.play_button)
    qtbot.waitUntil(lambda: len(lab.log) > 4, timeout=20000)
    click(qtbot, lab.play_button)
    run = lab.run_number
    click(qtbot, lab.reset_button)
    qtbot.waitUntil(lambda: lab.run_number > run and len(lab.log) == 0, timeout=20000)
    assert win.statusBar().currentMessage().startswith(("Ready", "Reset"))
    # Keep run needs a run
    click(qtbot, lab.pin_button)
    assert win.statusBar().currentMessage().startswith("Nothing to keep")
    # checkboxes
    click(qtbot, lab.log_y)
    assert lab.loss_plot.getPlotItem().ctrl.logYCheck.isChecked()
    click(qtbot, lab.log_y)
    assert not lab.loss_plot.getPlotItem().ctrl.logYCheck.isChecked()
    run = lab.run_number
    click(qtbot, lab.batchnorm, pos=QPoint(6, lab.batchnorm.height() // 2))  # on the box, not the empty row
    qtbot.waitUntil(lambda: lab.run_number > run, timeout=20000)
    assert lab.ctx.training_snapshot()["config"]["model"]["batchnorm"] is True
    assert any(layer["type"] == "BatchNorm" for layer in lab.ctx.training_snapshot()["layers"])
    # combos that rebuild the model: the trainer's config follows each choice
    for box, key, path in ((lab.activation, "elu", ("model", "activation")),
                           (lab.init, "xavier", ("model", "init")),
                           (lab.loss, "svm", ("loss",)),
                           (lab.reg_kind, "l1", ("reg", "kind")),
                           (lab.preprocess, "none", ("preprocess",)),
                           (lab.preset, "linear", ("model", "preset")),
                           (lab.optimizer, "momentum", ("optim", "name"))):
        run = lab.run_number
        choose(qtbot, box, key)
        qtbot.waitUntil(lambda: lab.run_number > run, timeout=20000)
        value = lab.ctx.training_snapshot()["config"]
        for part in path:
            value = value[part]
        assert value == key, (path, value)
    assert lab.hyper["mu"].isVisible() and not lab.hyper["beta1"].isVisible()  # momentum's own fields
    # the x axis
    choose(qtbot, lab.x_axis, "x: epochs")
    assert lab.acc_plot.getPlotItem().getAxis("bottom").labelText == "epoch"
    choose(qtbot, lab.x_axis, "x: iterations")
    assert lab.loss_plot.getPlotItem().titleLabel.text == "Loss per iteration"
    # another toy dataset through the dataset combo
    run = lab.run_number
    choose(qtbot, lab.dataset, "circles")
    qtbot.waitUntil(lambda: lab.run_number > run and lab.data.name.startswith("circles"), timeout=20000)


def test_the_smoothing_slider_redraws_the_smoothed_loss(qtbot, win, lab):
    import numpy as np

    steps(qtbot, lab, 10)
    lab.smoothing.setFocus()
    press(qtbot, lab.smoothing, Qt.Key.Key_Home)
    assert lab.smoothing_label.text() == "0.00"
    assert np.allclose(lab.curves.smooth.getOriginalDataset()[1], lab.log.iterations["loss"])


# ---------------------------------------------------------------- keys from number fields
def test_space_in_a_number_field_plays_and_leaves_the_number_alone(qtbot, win, lab):
    lr = lab.lr.value()
    lab.lr.setFocus()
    qtbot.waitUntil(lab.lr.hasFocus)
    press(qtbot, lab.lr, Qt.Key.Key_Space)
    assert lab.play_button.text() == "Pause"
    assert lab.lr.value() == lr and lab.lr.text().strip() != ""
    qtbot.waitUntil(lambda: len(lab.log) >= 2, timeout=20000)
    press(qtbot, lab.lr, Qt.Key.Key_Space)
    assert lab.play_button.text() == "Play"
    n = len(lab.log)
    qtbot.wait(200)
    n = len(lab.log)
    press(qtbot, lab.batch_size, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: len(lab.log) == n + lab.steps_per_update.value(), timeout=20000)


def test_space_in_a_free_text_field_is_a_space(qtbot, win, lab):
    lab.hidden.setFocus()
    qtbot.waitUntil(lab.hidden.hasFocus)
    lab.hidden.setText("20")
    lab.hidden.end(False)
    press(qtbot, lab.hidden, Qt.Key.Key_Space)
    assert lab.hidden.text() == "20 "
    assert lab.play_button.text() == "Play"
