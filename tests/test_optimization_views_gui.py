"""Lab 3's loss and regularization tabs and the window's keys, driven through the real widgets."""
from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import Qt
from user import choose, click, press, type_into

from visualdl.engine.optimization.loss_views import dataset_loss
from visualdl.engine.optimization.model_surface import toy_model_surface
from visualdl.engine.optimization.regpath import default_lambdas, regularization_path
from visualdl.labs.optimization.loss_page import LossPage
from visualdl.labs.optimization.reg_page import RegPage
from visualdl.ui.app import create_window
from visualdl.ui.context import AppContext
from visualdl.ui.export import export_all
from visualdl.ui.settings import Settings

WAIT = 20000


@pytest.fixture
def ctx(tmp_path):
    context = AppContext(Settings(tmp_path / "settings.ini"))
    yield context
    context.shutdown()


def test_softmax_and_svm_of_the_course_cat_image(qtbot):
    page = LossPage()
    qtbot.addWidget(page)
    page.show()
    lines = page.score_text.text().splitlines()
    assert lines[1].endswith("max(0, 5.1 − 3.2 + 1) + max(0, -1.7 − 3.2 + 1) = 2.90")
    assert lines[2].endswith("= 2.04")
    x, y = page.svm_curve.getData()
    k = np.argmin(np.abs(x - 6.0))  # car score 6.0: max(0, 6.0 - 3.2 + 1) + 0
    assert y[k] == pytest.approx(x[k] - 2.2)
    type_into(qtbot, page.score_spins[1], "2")  # the car's score down to 2: no margin is violated
    assert page.score_text.text().splitlines()[1].endswith("= 0.00")
    choose(qtbot, page.true_class, "car")
    assert "true class car" in page.score_text.text()


def test_per_example_bars_sum_to_the_data_loss(qtbot, tmp_path):
    page = LossPage()
    qtbot.addWidget(page)
    page.show()
    type_into(qtbot, page.n, "6")
    model = toy_model_surface("moons", reg="l2", lam=0.1)
    parts = dataset_loss(model, [1.0, -2.0], 6)
    x, heights = page.bar_tops.getData()
    assert len(heights) == 6
    np.testing.assert_allclose(heights, parts["per_example"], rtol=1e-12)
    assert heights.sum() / 6 == pytest.approx(parts["data_loss"], rel=1e-12)
    assert page.mean_line.value() == pytest.approx(parts["data_loss"])
    text = page.sum_text.text()
    assert f"= {parts['data_loss']:.4f} + {parts['reg_loss']:.4f} = {parts['total']:.4f}" in text
    assert parts["reg_loss"] == pytest.approx(0.5 * 0.1 * 5)
    written = export_all(page.export_targets(), tmp_path)
    assert len(written) == 6
    with open(tmp_path / "per_example_losses.csv") as fh:
        rows = [r for r in csv.DictReader(fh) if r["series"] == "L_i"]
    np.testing.assert_allclose([float(r["y"]) for r in rows], parts["per_example"], rtol=1e-12)


def _slider_to(qtbot, slider, index):
    slider.setFocus()
    press(qtbot, slider, Qt.Key.Key_Home)
    for _ in range(index):
        press(qtbot, slider, Qt.Key.Key_Right)
    assert slider.value() == index


def test_l1_drives_a_weight_exactly_to_zero_and_l2_only_shrinks(qtbot, ctx, tmp_path):
    page = RegPage(ctx)
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    qtbot.waitUntil(lambda: page.result is not None and page.result["kind"] == "l1", timeout=WAIT)
    lams, W = regularization_path(toy_model_surface("moons"), "l1", default_lambdas())
    one = int(np.flatnonzero((W[:, 1] == 0.0) & (W[:, 0] != 0.0))[0])
    _slider_to(qtbot, page.lam_slider, one)
    assert "w2 is exactly 0.0" in page.info.text()
    assert page.current["w"][1] == 0.0 and page.current["w"][0] == pytest.approx(W[one, 0], rel=1e-9)
    x, y = page.point.getData()
    assert y[0] == 0.0
    press(qtbot, page.lam_slider, Qt.Key.Key_End)
    assert "w1 and w2 are exactly 0.0" in page.info.text()
    choose(qtbot, page.kind, "L2 (weight decay)")
    qtbot.waitUntil(lambda: page.result["kind"] == "l2", timeout=WAIT)
    assert "no weight is exactly zero" in page.info.text()
    _, w1 = page.w1_curve.getData()
    _, w2 = page.w2_curve.getData()
    assert np.all(w1 != 0) and np.all(w2 != 0)
    assert np.all(np.diff(np.hypot(w1, w2)) < 0)
    # max-norm: at lambda = 0 the minimum is projected onto the circle |w| = 1.5
    type_into(qtbot, page.max_norm, "1.5")
    click(qtbot, page.max_norm_check)
    qtbot.waitUntil(lambda: page.result["max_norm"] == 1.5, timeout=WAIT)
    _slider_to(qtbot, page.lam_slider, 0)
    assert np.hypot(*page.current["w"]) == pytest.approx(1.5, rel=1e-9)
    cx, cy = page.norm_circle.getData()
    np.testing.assert_allclose(np.hypot(cx, cy), 1.5)
    written = export_all(page.export_targets(), tmp_path)
    assert {p.name for p in written} >= {"regularization_path.csv", "regularized_minimum.svg"}
    page.shutdown()


def test_window_keys_drive_the_race(qtbot, tmp_path):
    ctx, window = create_window(tmp_path / "s.ini", "optimization")
    qtbot.addWidget(window)
    window.show()
    lab = window.current_lab()
    page = lab.race_page
    qtbot.waitUntil(lambda: page.snap is not None, timeout=WAIT)
    press(qtbot, window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: page.snap["racers"]["sgd"]["steps"] == 1, timeout=WAIT)
    press(qtbot, window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.snap["racers"]["sgd"]["steps"] > 3, timeout=WAIT)
    press(qtbot, window, Qt.Key.Key_Space)
    press(qtbot, window, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: page.snap["racers"]["sgd"]["steps"] == 0 and not page.snap["running"], timeout=WAIT)
    window.close()


def test_spaces_typed_into_the_formula_stay_in_the_formula(qtbot, tmp_path):
    ctx, window = create_window(tmp_path / "s.ini", "optimization")
    qtbot.addWidget(window)
    window.show()
    page = window.current_lab().race_page
    qtbot.waitUntil(lambda: page.snap is not None, timeout=WAIT)
    choose(qtbot, page.panel.surface, "Your own f(x, y)")
    type_into(qtbot, page.panel.expr, "x^2 + 3 * y^2")
    assert page.panel.expr.text() == "x^2 + 3 * y^2"
    assert not page.panel.play_button.isChecked()
    qtbot.waitUntil(lambda: page.snap["surface_key"] == "custom" and page.surface.text == "x^2 + 3 * y^2",
                    timeout=WAIT)
    window.close()
