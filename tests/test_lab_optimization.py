"""Lab 3 (loss and optimization), headless: the race driven through its real controls."""
from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from user import choose, click, type_into

from visualdl.engine.optimization.model_surface import toy_model_surface
from visualdl.labs.optimization import OptimizationLab
from visualdl.ui.context import AppContext
from visualdl.ui.export import export_all
from visualdl.ui.settings import Settings

WAIT = 20000


@pytest.fixture
def lab(qtbot, tmp_path):
    ctx = AppContext(Settings(tmp_path / "settings.ini"))
    widget = OptimizationLab(ctx)
    qtbot.addWidget(widget)
    widget.resize(1280, 780)
    widget.show()
    page = widget.race_page
    qtbot.waitUntil(lambda: page.snap is not None and page.map.redraws >= 1, timeout=WAIT)
    yield widget
    widget.shutdown()
    ctx.shutdown()


def _wait(qtbot, page, cond):
    qtbot.waitUntil(lambda: page.snap is not None and cond(page.snap), timeout=WAIT)
    return page.snap


def _steps(snap, name="sgd"):
    return snap["racers"][name]["steps"]


def _click_map(qtbot, plot, x, y):
    scene_pos = plot.getPlotItem().vb.mapViewToScene(QPointF(x, y))
    widget_pos = plot.mapFromScene(scene_pos)
    qtbot.mouseMove(plot.viewport(), widget_pos)
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, widget_pos)


def test_step_reset_and_what_sgd_carries(lab, qtbot):
    page = lab.race_page
    click(qtbot, page.panel.step_button)
    snap = _wait(qtbot, page, lambda s: _steps(s) == 1)
    # bowl 0.5 (x^2 + 25 y^2) from (-4.5, 1.5): g = (-4.5, 37.5); SGD lr 0.03 moves by -0.03 g
    np.testing.assert_allclose(snap["racers"]["sgd"]["path"][1], [-4.5 + 0.135, 1.5 - 1.125], rtol=1e-12)
    assert "(-4.365, +0.375)" in page.table.text()
    x, y = page.map.paths["sgd"].getData()
    np.testing.assert_allclose([x[-1], y[-1]], [-4.365, 0.375])
    assert all(r["steps"] == 1 for r in snap["racers"].values())
    click(qtbot, page.panel.reset_button)
    snap = _wait(qtbot, page, lambda s: _steps(s) == 0)
    assert page.map.paths["sgd"].getData()[0].tolist() == [-4.5]


def test_play_pause_and_the_map_is_not_redrawn_while_racing(lab, qtbot):
    page = lab.race_page
    redraws = page.map.redraws
    click(qtbot, page.panel.play_button)
    assert page.panel.play_button.text() == "Pause"
    _wait(qtbot, page, lambda s: _steps(s) > 5)
    click(qtbot, page.panel.play_button)
    qtbot.wait(200)
    n = _steps(page.snap)
    qtbot.wait(300)
    assert _steps(page.snap) == n and not page.snap["running"]
    assert page.map.redraws == redraws
    x, _ = page.loss_curves["adam"].getData()
    assert len(x) == n + 1


def test_click_on_the_map_sets_the_start(lab, qtbot):
    page = lab.race_page
    _click_map(qtbot, page.map, 2.0, -1.0)
    snap = _wait(qtbot, page, lambda s: abs(s["start"][0] - 2.0) < 0.1)
    assert snap["start"][1] == pytest.approx(-1.0, abs=0.1)
    assert snap["racers"]["adam"]["path"][0].tolist() == list(snap["start"])
    assert page.panel.start_label.text().startswith(f"Start ({snap['start'][0]:.3g}")
    # above the bowl's map (y in [-2, 2]) but inside the plot: refused with a message
    assert page.map.getPlotItem().vb.viewRange()[1][1] > 2.4
    qtbot.wait(600)  # not a double click
    _click_map(qtbot, page.map, 0.0, 2.4)
    assert "off the map" in page.panel.message.text()
    assert page.start == snap["start"]


def test_changing_a_learning_rate_mid_run(lab, qtbot):
    page = lab.race_page
    sgd = page.panel.rows["sgd"]
    click(qtbot, page.panel.step_button)
    _wait(qtbot, page, lambda s: _steps(s) == 1)
    type_into(qtbot, sgd.edits["lr"], "0.01")
    click(qtbot, page.panel.step_button)
    snap = _wait(qtbot, page, lambda s: _steps(s) == 2)
    p1 = np.array([-4.365, 0.375])
    g1 = np.array([p1[0], 25 * p1[1]])
    np.testing.assert_allclose(snap["racers"]["sgd"]["path"][2], p1 - 0.01 * g1, rtol=1e-12)
    # while playing: the new rate reaches the running optimizer
    click(qtbot, page.panel.play_button)
    type_into(qtbot, sgd.edits["lr"], "0.02")
    snap = _wait(qtbot, page, lambda s: s["racers"]["sgd"]["hyper"]["lr"] == 0.02 and s["running"])
    assert snap["racers"]["sgd"]["status"] is None
    click(qtbot, page.panel.play_button)


@pytest.mark.parametrize("bad", ["0", "-1", "1e9", "fast"])
def test_bad_learning_rates_are_refused(lab, qtbot, bad):
    page = lab.race_page
    edit = page.panel.rows["sgd"].edits["lr"]
    type_into(qtbot, edit, bad)
    assert "Learning rate" in page.panel.message.text() and "refused" in page.panel.message.text() \
        or "not a number" in page.panel.message.text()
    assert edit.text() == "0.03"
    click(qtbot, page.panel.step_button)
    snap = _wait(qtbot, page, lambda s: _steps(s) == 1)
    assert snap["racers"]["sgd"]["hyper"]["lr"] == 0.03


def test_divergence_stops_one_optimizer_and_the_others_go_on(lab, qtbot):
    page = lab.race_page
    choose(qtbot, page.panel.preset, "Learning rate too high: divergence")
    snap = _wait(qtbot, page, lambda s: set(s["racers"]) == {"sgd", "adam"} and _steps(s) == 0)
    assert "overshoots" in page.panel.preset_note.text()
    select_speed = page.panel.speed
    choose(qtbot, select_speed, "1000 steps/s")
    click(qtbot, page.panel.play_button)
    snap = _wait(qtbot, page, lambda s: s["racers"]["sgd"]["status"] is not None)
    status = page.panel.rows["sgd"].status
    assert status.isVisible() and "SGD diverged" in status.text()
    n = _steps(snap, "adam")
    _wait(qtbot, page, lambda s: _steps(s, "adam") > n + 20)
    assert not page.panel.rows["adam"].status.isVisible()
    click(qtbot, page.panel.play_button)
    # the map stays usable: a click starts everyone again, the diverged one too
    _click_map(qtbot, page.map, 1.0, 1.0)
    _wait(qtbot, page, lambda s: s["racers"]["sgd"]["status"] is None and _steps(s) == 0)


def test_adam_without_bias_correction(lab, qtbot):
    page = lab.race_page
    click(qtbot, page.panel.rows["adam"].bias)
    assert not page.panel.rows["adam"].bias.isChecked()
    click(qtbot, page.panel.step_button)
    snap = _wait(qtbot, page, lambda s: _steps(s, "adam") == 1 and not s["racers"]["adam"]["bias_correction"])
    # m / sqrt(n) = 0.1 g / sqrt(0.001 g^2) = 3.1623 sign(g): lr 0.1 moves 0.316 on each axis
    np.testing.assert_allclose(snap["racers"]["adam"]["path"][1], [-4.5 + 0.31623, 1.5 - 0.31623], atol=1e-4)


def test_typed_surface_with_a_typo_then_a_good_one(lab, qtbot):
    page = lab.race_page
    redraws = page.map.redraws
    choose(qtbot, page.panel.surface, "Your own f(x, y)")
    qtbot.waitUntil(lambda: page.map.redraws == redraws + 1, timeout=WAIT)
    type_into(qtbot, page.panel.expr, "x^2 + * y")
    assert page.panel.expr_error.isVisible()
    lines = page.panel.expr_error.text().splitlines()
    assert "Unexpected '*'" in lines[0] and lines[-1] == " " * 6 + "^"
    assert page.map.redraws == redraws + 1
    type_into(qtbot, page.panel.expr, "(1 - x)^2 + 100*(y - x^2)^2")
    qtbot.waitUntil(lambda: page.map.redraws == redraws + 2, timeout=WAIT)
    assert not page.panel.expr_error.isVisible()
    click(qtbot, page.panel.step_button)
    snap = _wait(qtbot, page, lambda s: _steps(s) == 1 and s["surface_key"] == "custom")
    x, y = snap["racers"]["sgd"]["path"][0]
    g = [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]
    np.testing.assert_allclose(snap["racers"]["sgd"]["path"][1], [x - 0.03 * g[0], y - 0.03 * g[1]], rtol=1e-12)


def test_model_surface_minibatch_steps(lab, qtbot):
    page = lab.race_page
    choose(qtbot, page.panel.surface, "Real model: logistic on toy data")
    snap = _wait(qtbot, page, lambda s: s["surface_key"] == "model")
    assert page.panel.batch.isVisible() and not page.panel.noise.isVisible()
    model = toy_model_surface("moons")
    r = snap["racers"]["sgd"]
    assert r["losses"][0] == pytest.approx(model.loss(r["path"][0]), rel=1e-12)
    choose(qtbot, page.panel.batch, "8")
    click(qtbot, page.panel.step_button)
    snap = _wait(qtbot, page, lambda s: _steps(s) == 1 and s["surface_key"] == "model")
    r = snap["racers"]["sgd"]
    full_step = r["path"][0] - 0.03 * model.grad(r["path"][0])
    assert not np.allclose(r["path"][1], full_step)  # a minibatch gradient, not the full one
    np.testing.assert_allclose(r["path"][1], r["path"][0] - 0.03 * r["grads"][0], rtol=1e-12)


def test_log_y_and_export_of_every_plot(lab, qtbot, tmp_path):
    page = lab.race_page
    for _ in range(3):
        click(qtbot, page.panel.step_button)
    _wait(qtbot, page, lambda s: _steps(s) == 3)
    click(qtbot, page.panel.log_y)
    assert page.loss_plot.getPlotItem().ctrl.logYCheck.isChecked()
    _, y = page.loss_curves["sgd"].getData()
    assert np.all(y > 0)
    written = export_all(lab.export_targets(), tmp_path)
    names = {p.name for p in written}
    for stem in ("loss_surface_and_paths", "loss_vs_iteration", "step_per_unit_gradient", "trajectories"):
        assert {f"{stem}.png", f"{stem}.svg", f"{stem}.csv"} <= names
    with open(tmp_path / "trajectories.csv") as fh:
        rows = list(csv.DictReader(fh))
    snap = page.snap
    for name, r in snap["racers"].items():
        mine = [row for row in rows if row["optimizer"] == name]
        assert len(mine) == 4
        assert float(mine[3]["x"]) == r["path"][3, 0] and float(mine[3]["loss"]) == r["losses"][3]
        assert float(mine[0]["gx"]) == r["grads"][0, 0]
    for p in written:
        assert p.stat().st_size > 0
