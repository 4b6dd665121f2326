"""Lab 5 (the neural-network playground), headless: real clicks, keys and mouse on the real widgets."""
from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication, QFileDialog
from user import choose, click, press, type_into

from visualdl.engine.playground.network import forward
from visualdl.engine.playground.points_csv import read_points_csv
from visualdl.labs.neural_nets import NeuralNetsLab
from visualdl.labs.neural_nets.controls import SPEEDS
from visualdl.labs.neural_nets.plots import decision_rgb
from visualdl.ui.context import AppContext
from visualdl.ui.export import export_all
from visualdl.ui.settings import Settings

WAIT = 20000


@pytest.fixture
def lab(qtbot, tmp_path):
    ctx = AppContext(Settings(tmp_path / "settings.ini"))
    widget = NeuralNetsLab(ctx)
    qtbot.addWidget(widget)
    widget.resize(1080, 740)
    widget.show()
    qtbot.waitUntil(lambda: widget.views is not None and widget.points is not None, timeout=WAIT)
    yield widget
    widget.shutdown()
    ctx.shutdown()


def _iteration(lab) -> int:
    return lab.status.get("iteration", 0)


def _set_speed(qtbot, lab, key):
    slider = lab.controls.speed_slider
    slider.setFocus()
    press(qtbot, slider, key)


def _click_map(qtbot, plot, x, y, modifier=Qt.KeyboardModifier.NoModifier):
    scene_pos = plot.getPlotItem().vb.mapViewToScene(QPointF(x, y))
    widget_pos = plot.mapFromScene(scene_pos)
    qtbot.mouseMove(plot.viewport(), widget_pos)
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, modifier, widget_pos)


def test_step_play_pause(lab, qtbot):
    c = lab.controls
    assert _iteration(lab) == 0
    click(qtbot, c.step_button)
    qtbot.waitUntil(lambda: _iteration(lab) == 1, timeout=WAIT)
    qtbot.waitUntil(lambda: "Iteration 1</b>" in lab.metrics_label.text(), timeout=WAIT)
    _set_speed(qtbot, lab, Qt.Key.Key_End)  # as fast as possible
    click(qtbot, c.play_button)
    assert c.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: _iteration(lab) > 50, timeout=WAIT)
    click(qtbot, c.play_button)
    assert c.play_button.text() == "Play"
    qtbot.waitUntil(lambda: not lab.status["playing"], timeout=WAIT)
    stopped_at = _iteration(lab)
    qtbot.wait(300)
    assert _iteration(lab) == stopped_at and "paused" in lab.metrics_label.text()
    # the curves show one row per snapshot, ending at the current iteration
    x, _ = lab.loss_plot.train.getData()
    assert x[-1] == stopped_at and len(x) >= 2
    # reset: same initial weights as at the start
    first_W = lab.views["layers"][0][0].copy()
    click(qtbot, c.step_button)
    qtbot.waitUntil(lambda: _iteration(lab) == stopped_at + 1, timeout=WAIT)
    click(qtbot, c.reset_button)
    qtbot.waitUntil(lambda: _iteration(lab) == 0 and lab.rows and lab.rows[-1]["iteration"] == 0, timeout=WAIT)
    click(qtbot, c.new_weights_button)
    qtbot.waitUntil(lambda: lab.seed == 1, timeout=WAIT)
    assert not np.array_equal(lab.views["layers"][0][0], first_W)


def test_speed_control(lab, qtbot):
    c = lab.controls
    _set_speed(qtbot, lab, Qt.Key.Key_Home)
    assert c.speed() == 1 and c.speed_label.text() == "1 update/s"
    click(qtbot, c.play_button)
    t0 = time.monotonic()
    qtbot.wait(1500)
    slow = _iteration(lab)
    assert 1 <= slow <= int(time.monotonic() - t0) + 2
    _set_speed(qtbot, lab, Qt.Key.Key_End)
    assert c.speed() == SPEEDS[-1] == 0 and c.speed_label.text() == "as fast as possible"
    qtbot.waitUntil(lambda: _iteration(lab) > slow + 100, timeout=WAIT)
    click(qtbot, c.play_button)


def test_click_adds_and_shift_click_removes_points_while_training(lab, qtbot):
    c = lab.controls
    _set_speed(qtbot, lab, Qt.Key.Key_End)
    click(qtbot, c.play_button)
    qtbot.waitUntil(lambda: _iteration(lab) > 20, timeout=WAIT)
    n = len(lab.points[1])
    choose(qtbot, c.click_class, "class 2")
    _click_map(qtbot, lab.map, 0.9, -0.9)
    qtbot.waitUntil(lambda: len(lab.points[1]) == n + 1, timeout=WAIT)
    X, y = lab.points[0], lab.points[1]
    np.testing.assert_allclose(X[-1], [0.9, -0.9], atol=0.03)
    assert y[-1] == 2
    assert len(lab.map.train_scatter.data) == n + 1
    assert lab.status["playing"]  # training went on
    _click_map(qtbot, lab.map, 0.9, -0.9, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: len(lab.points[1]) == n, timeout=WAIT)
    assert not np.any(np.all(np.abs(lab.points[0] - [0.9, -0.9]) < 1e-3, axis=1))
    click(qtbot, c.play_button)


def test_changing_the_architecture_mid_session_resets_cleanly(lab, qtbot):
    c = lab.controls
    _set_speed(qtbot, lab, Qt.Key.Key_End)
    click(qtbot, c.play_button)
    qtbot.waitUntil(lambda: _iteration(lab) > 20, timeout=WAIT)
    type_into(qtbot, c.layers_spin, "3")
    qtbot.waitUntil(lambda: lab.info["sizes"] == [2, 8, 2, 8, 3], timeout=WAIT)
    assert not c.play_button.isChecked() and _iteration(lab) == 0
    assert len(lab.diagram.nodes) == 5 and len(lab.views["neurons"]) == 3
    assert "f = W4 max(0, W3 max(0, W2 max(0, W1 x)))" in lab.formula_panel.label.text()
    choose(qtbot, c.activation_combo, "tanh")
    qtbot.waitUntil(lambda: lab.info["activation"] == "tanh", timeout=WAIT)
    type_into(qtbot, c.layers_spin, "0")
    qtbot.waitUntil(lambda: lab.info["sizes"] == [2, 3], timeout=WAIT)
    assert lab.views["hidden"] is None and "Shown when" in lab.hidden_caption.text()
    c.feature_boxes["x1^2"].click()
    qtbot.waitUntil(lambda: lab.info["sizes"] == [3, 3], timeout=WAIT)
    click(qtbot, c.step_button)
    qtbot.waitUntil(lambda: _iteration(lab) == 1, timeout=WAIT)
    assert lab.last_error == ""


def test_views_draw_the_snapshot(lab, qtbot):
    v, info = lab.views, lab.info
    np.testing.assert_array_equal(lab.map.image.image, decision_rgb(v["pred"], v["conf"], info["num_classes"]))
    # hidden space: the scatter is the last hidden layer's activations of the training points
    Xtr = lab.points[0]
    from visualdl.engine.playground.features import FeatureMap
    fm = FeatureMap(("x1", "x2")).fit(Xtr)
    _, post, _ = forward(v["layers"], fm.transform(Xtr), "relu")
    np.testing.assert_allclose(lab.hidden_plot.train_scatter.data["x"], post[-1][:, 0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(lab.hidden_plot.train_scatter.data["y"], post[-1][:, 1], rtol=1e-5, atol=1e-6)


def test_hovering_a_weight_line_shows_its_value(lab, qtbot):
    from visualdl.labs.neural_nets.diagram import WeightLine

    d = lab.diagram
    # a point on some line where no other line is under the mouse
    for line in d.lines[1] + d.lines[0]:
        pos = d.mapFromScene(line.line().pointAt(0.3))
        under = [i for i in d.items(pos) if isinstance(i, WeightLine)]
        if under == [line]:
            break
    else:
        pytest.fail("no line stands alone anywhere")
    qtbot.mouseMove(d.viewport(), pos)
    QApplication.processEvents()
    W = lab.views["layers"][line.layer][0]
    want = f"W{line.layer + 1}[{line.row + 1}, {line.col + 1}] = {float(W[line.row, line.col]):+.4f}"
    assert lab.hover_label.text() == want and line.toolTip() == want
    # a node names its unit and bias
    qtbot.mouseMove(d.viewport(), d.node_center(1, 2))
    b = float(lab.views["layers"][0][1][2])
    assert lab.hover_label.text().startswith(f"hidden layer 1, unit 3: bias b1[3] = {b:+.4f}")


def test_csv_load_reports_bad_lines_and_loads_good_files(lab, qtbot, tmp_path, monkeypatch):
    before = [a.copy() for a in lab.points]
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,label\n0,0,0\n1,oops,1\n2,2\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(bad), "")))
    click(qtbot, lab.controls.load_button)
    qtbot.waitUntil(lambda: "line 3" in lab.last_error, timeout=WAIT)
    assert "line 4" in lab.last_error and "nothing loaded" in lab.last_error
    assert all(np.array_equal(a, b) for a, b in zip(before, lab.points))
    good = tmp_path / "good.csv"
    rng = np.random.default_rng(1)
    pts = rng.normal(size=(40, 2)).round(3)
    labels = (pts[:, 0] * pts[:, 1] > 0).astype(int)
    good.write_text("\n".join(f"{a},{b},{c}" for (a, b), c in zip(pts, labels)) + "\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(good), "")))
    click(qtbot, lab.controls.load_button)
    qtbot.waitUntil(lambda: len(lab.points[1]) + len(lab.points[3]) == 40, timeout=WAIT)
    assert lab.controls.set_combo.currentText() == "Own points (CSV)" and lab.info["num_classes"] == 2
    saved = tmp_path / "saved.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(saved), "")))
    click(qtbot, lab.controls.save_button)
    X, y = read_points_csv(saved)
    order = np.lexsort(X.T)
    want = np.lexsort(pts.T)
    np.testing.assert_allclose(X[order], pts[want], atol=1e-6)
    np.testing.assert_array_equal(y[order], labels[want])


def test_single_neuron_and_formulas(lab, qtbot):
    panel = lab.neuron_panel
    lab.tabs.setCurrentWidget(panel)
    type_into(qtbot, panel.x_spins[0], "2")
    type_into(qtbot, panel.w_spins[0], "1.5")
    type_into(qtbot, panel.bias_spin, "-1")
    # s = 1.5*2 + 0.25*(-2) + (-2)*0.5 - 1 = 0.5
    assert panel.sum_label.text().endswith("= 0.5")
    choose(qtbot, panel.activation_combo, "sigmoid")
    assert panel.out_label.text() == f"output = sigmoid(s) = {1 / (1 + np.exp(-0.5)):.4g}"
    text = lab.formula_panel.label.text()
    assert "f = W3 max(0, W2 max(0, W1 x))" in text and "W1: 8×2" in text
    assert "308,310" in text and "f = W2 max(0, W1 x)" in text and "x: 3072 · W1: 100×3072 · W2: 10×100" in text


def test_every_view_exports_and_a_neuron_enlarges(lab, qtbot, tmp_path):
    pos = lab.diagram.node_center(1, 3)
    qtbot.mouseClick(lab.diagram.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
    qtbot.waitUntil(lambda: lab.neuron_dialog is not None and lab.neuron_dialog.isVisible(), timeout=WAIT)
    assert lab.neuron_dialog.windowTitle() == "Hidden layer 1, unit 4"
    np.testing.assert_array_equal(lab.neuron_dialog.plot.image.image.shape[:2], lab.views["neurons"][0][3].shape)
    targets = lab.export_targets()
    assert set(targets) == {"decision map", "network diagram", "hidden space", "loss", "accuracy", "single neuron",
                            "formulas", "enlarged neuron"}
    for name, target in targets.items():
        if name != "network diagram":
            assert hasattr(target, "_visualdl_export_menu"), f"{name} has no right-click export"
    menu = [a.text() for a in lab.diagram.export_menu().actions()]
    assert menu == ["Export PNG…", "Export SVG…", "Export CSV…"]
    written = export_all(targets, tmp_path / "out")
    assert all(p.stat().st_size > 0 for p in written)
    names = {p.name for p in written}
    for stem in ("decision_map", "network_diagram", "hidden_space", "loss", "accuracy", "single_neuron",
                 "formulas", "enlarged_neuron"):
        assert f"{stem}.png" in names and f"{stem}.svg" in names
    rows = (tmp_path / "out" / "network_diagram.csv").read_text().splitlines()
    W1 = lab.views["layers"][0][0]
    assert rows[0] == "matrix,row,column,value" and f"W1,1,2,{float(W1[0, 1])!r}" in rows
    lab.neuron_dialog.close()


def test_data_controls_and_wide_or_three_unit_layers(lab, qtbot):
    c = lab.controls
    choose(qtbot, c.set_combo, "Concentric circles")
    qtbot.waitUntil(lambda: lab.info["num_classes"] == 2, timeout=WAIT)
    assert c.classes_spin.value() == 2 and c.click_class.count() == 2
    type_into(qtbot, c.points_spin, "200")
    type_into(qtbot, c.val_spin, "0.5")
    qtbot.waitUntil(lambda: len(lab.points[1]) == 100 and len(lab.points[3]) == 100, timeout=WAIT)
    # a layer of 40 units: trained and drawn as one box, without per-unit pictures
    type_into(qtbot, c.unit_spins[0], "40")
    qtbot.waitUntil(lambda: lab.info["sizes"] == [2, 40, 2, 2], timeout=WAIT)
    assert lab.diagram.nodes[1] is None and lab.views["neurons"][0] is None
    assert lab.diagram.lines[0] == [] and len(lab.diagram.lines[2]) == 4
    click(qtbot, c.step_button)
    qtbot.waitUntil(lambda: _iteration(lab) == 1, timeout=WAIT)
    # three units in the last hidden layer: the chosen pair of coordinates is drawn
    type_into(qtbot, c.unit_spins[1], "3")
    qtbot.waitUntil(lambda: lab.info["sizes"] == [2, 40, 3, 2], timeout=WAIT)
    assert lab.pair_combo.isVisible() and lab.views["hidden_map"] is None
    choose(qtbot, lab.pair_combo, "h1 vs h3")
    h = lab.views["hidden"]["train"]
    np.testing.assert_allclose(lab.hidden_plot.train_scatter.data["x"], h[:, 0], rtol=1e-6)
    np.testing.assert_allclose(lab.hidden_plot.train_scatter.data["y"], h[:, 2], rtol=1e-6)
    assert "h2 left out" in lab.hidden_caption.text()


def test_learning_rate_changes_without_a_reset_and_dead_units_are_marked(lab, qtbot):
    c = lab.controls
    click(qtbot, c.step_button)
    click(qtbot, c.step_button)
    qtbot.waitUntil(lambda: _iteration(lab) == 2, timeout=WAIT)
    type_into(qtbot, c.lr_spin, "0.05")
    click(qtbot, c.step_button)
    qtbot.waitUntil(lambda: _iteration(lab) == 3, timeout=WAIT)  # not back to 0
    # the marks follow the snapshot's dead flags
    views = dict(lab.views)
    views["dead"] = [np.array([False, True] + [False] * 6), np.array([False, False])]
    lab.diagram.show_views(views)
    assert [m.isVisible() for m in lab.diagram.dead_marks[1]] == [False, True] + [False] * 6


def test_part_5_of_the_app_is_the_playground_and_it_learns_the_spiral(qtbot, tmp_path):
    from visualdl.ui.app import create_window

    ctx, window = create_window(tmp_path / "settings.ini", "neural_nets")
    qtbot.addWidget(window)
    window.show()
    lab = window.current_lab()
    assert type(lab).__name__ == "NeuralNetsLab"
    qtbot.waitUntil(lambda: lab.views is not None, timeout=WAIT)
    assert lab.controls.set_combo.currentData() == "spiral" and lab.info["sizes"] == [2, 8, 2, 3]
    _set_speed(qtbot, lab, Qt.Key.Key_End)
    press(qtbot, window, Qt.Key.Key_Space)  # the Run menu's shortcut
    qtbot.waitUntil(lambda: lab.rows and lab.rows[-1]["val_acc"] >= 0.9, timeout=90000)
    press(qtbot, window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not lab.status["playing"], timeout=WAIT)
    window.close()



@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # the point of the test
def test_a_diverging_run_pauses_with_a_message_and_the_lab_stays_usable(lab, qtbot):
    """SGD at learning rate 10 on a 3-hidden-layer ELU net: the loss becomes NaN within a few updates."""
    c = lab.controls
    choose(qtbot, c.optimizer_combo, "SGD")
    choose(qtbot, c.activation_combo, "ELU")
    type_into(qtbot, c.layers_spin, "3")
    type_into(qtbot, c.lr_spin, "10")
    qtbot.waitUntil(lambda: lab.info["sizes"] == [2, 8, 2, 8, 3] and lab.info["activation"] == "elu"
                    and lab.info["spec"].optimizer == "sgd", timeout=WAIT)
    assert c.lr_spin.value() == 10 and not lab.message_label.isVisible()  # sent before Play: applies at once
    _set_speed(qtbot, lab, Qt.Key.Key_End)
    click(qtbot, c.play_button)
    qtbot.waitUntil(lambda: lab.message_label.isVisible(), timeout=WAIT)
    message = lab.message_label.text()
    assert "diverged" in message and "not a finite number" in message and "learning rate 10" in message
    # paused: the button says Play, the job is idle, the counter stands still
    assert not c.play_button.isChecked() and c.play_button.text() == "Play"
    qtbot.waitUntil(lambda: not lab.status["playing"], timeout=WAIT)
    stopped_at = _iteration(lab)
    assert 0 < stopped_at < 50
    assert "paused" in lab.metrics_label.text()
    click(qtbot, c.step_button)  # a stopped run refuses to step and says why again
    qtbot.wait(300)
    assert _iteration(lab) == stopped_at and lab.message_label.isVisible()
    # the message's advice: a lower learning rate, then Reset; Step works again
    type_into(qtbot, c.lr_spin, "0.01")
    click(qtbot, c.reset_button)
    qtbot.waitUntil(lambda: _iteration(lab) == 0 and not lab.message_label.isVisible(), timeout=WAIT)
    for _ in range(3):
        click(qtbot, c.step_button)
    qtbot.waitUntil(lambda: _iteration(lab) == 3 and lab.rows and lab.rows[-1]["iteration"] == 3, timeout=WAIT)
    assert np.isfinite(lab.rows[-1]["train_loss"]) and np.isfinite(lab.views["conf"]).all()
    assert not lab.message_label.isVisible() and "Iteration 3</b>" in lab.metrics_label.text()


def test_choices_are_remembered_across_launches(qtbot, tmp_path):
    from PySide6.QtCore import QPoint

    from visualdl.ui.app import create_window

    settings = tmp_path / "remember.ini"
    ctx, window = create_window(settings, "neural_nets")
    qtbot.addWidget(window)
    window.show()
    lab = window.current_lab()
    qtbot.waitUntil(lambda: lab.views is not None, timeout=WAIT)
    c = lab.controls
    choose(qtbot, c.set_combo, "Moons")
    type_into(qtbot, c.noise_spin, "0.25")
    type_into(qtbot, c.points_spin, "400")
    type_into(qtbot, c.val_spin, "0.2")
    box = c.feature_boxes["x1^2"]
    click(qtbot, box, pos=QPoint(8, box.height() // 2))
    type_into(qtbot, c.layers_spin, "3")
    type_into(qtbot, c.unit_spins[2], "5")
    choose(qtbot, c.activation_combo, "tanh")
    choose(qtbot, c.optimizer_combo, "SGD + momentum")
    type_into(qtbot, c.lr_spin, "0.05")
    choose(qtbot, c.reg_combo, "L1")
    type_into(qtbot, c.reg_spin, "0.002")
    type_into(qtbot, c.batch_spin, "32")
    _set_speed(qtbot, lab, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: lab.info["sizes"] == [3, 8, 2, 5, 2] and lab.info["spec"].noise == 0.25, timeout=WAIT)
    shown = c.binding.state()
    window.close()
    assert shown["speed"] == 0 and shown["feature:x1^2"] and shown["lr"] == 0.05

    ctx2, window2 = create_window(settings, "neural_nets")
    qtbot.addWidget(window2)
    window2.show()
    lab2 = window2.current_lab()
    c2 = lab2.controls
    assert c2.binding.state() == shown
    assert c2.set_combo.currentText() == "Moons" and c2.noise_spin.value() == 0.25
    assert c2.unit_spins[2].isEnabled() and c2.speed_label.text() == "1 update/s"
    # the run is built from them: features, layers, data and training settings
    qtbot.waitUntil(lambda: lab2.info is not None and lab2.points is not None, timeout=WAIT)
    spec = lab2.info["spec"]
    assert lab2.info["sizes"] == [3, 8, 2, 5, 2] and lab2.info["activation"] == "tanh"
    assert (spec.dataset, spec.n_points, spec.noise, spec.val_ratio) == ("moons", 400, 0.25, 0.2)
    assert (spec.optimizer, spec.lr, spec.reg_kind, spec.reg_strength, spec.batch_size) == \
        ("momentum", 0.05, "l1", 0.002, 32)
    assert len(lab2.points[1]) + len(lab2.points[3]) == 400
    window2.close()
