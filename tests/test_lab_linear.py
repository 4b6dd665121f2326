"""Lab 2 (linear classifier), headless: every control drives what is drawn, checked against the engine."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from visualdl.data import load_dataset
from visualdl.data.preprocess import fit_preprocessor
from visualdl.engine import worked_examples as we
from visualdl.engine.linear2d import Linear2D, class_lines
from visualdl.labs.common.plots import color_class
from visualdl.labs.linear import LinearLab
from visualdl.ui.context import AppContext
from visualdl.ui.export import export_all
from visualdl.ui.settings import Settings

WAIT = 30000


@pytest.fixture
def lab(qtbot, tmp_path):
    ctx = AppContext(Settings(tmp_path / "settings.ini"))
    widget = LinearLab(ctx)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    qtbot.waitUntil(lambda: widget.page_2d.snap is not None, timeout=WAIT)
    yield widget
    widget.shutdown()
    ctx.shutdown()


def _engine_model(page, snap):
    """The engine's classifier with the snapshot's parameters and the page's settings."""
    model = Linear2D(3, loss=snap["loss"], reg=snap["reg"])
    model.set_params(snap["W"], snap["b"])
    return model


def _wait_snap(qtbot, page, cond):
    qtbot.waitUntil(lambda: page.snap is not None and cond(page.snap), timeout=WAIT)
    qtbot.wait(100)  # let a newer snapshot already in flight land
    return page.snap


def _check_page_against_engine(page, snap):
    X, y = page.data.X_train, page.data.y_train
    model = _engine_model(page, snap)
    out = model.loss_and_grads(X, y)
    tm = page.table_model
    assert tm.rowCount() == len(y)
    for row in (0, len(y) // 2, len(y) - 1):
        for c in range(3):
            assert tm.value(row, 3 + c) == pytest.approx(out["scores"][row, c])
        assert tm.value(row, 6) == pytest.approx(out["point_loss"][row])
        assert tm.data(tm.index(row, 6)) == f"{out['point_loss'][row]:.3f}"
    text = page.loss_label.text()
    assert f"data loss {out['data_loss']:.4f}" in text
    assert f"L2 loss {out['reg_loss']:.4f}" in text
    assert f"total loss {out['total']:.4f}" in text
    for c in range(3):
        grads = (out["dW"][c, 0], out["dW"][c, 1], out["db"][c])
        for j in range(3):
            assert page.grad_labels[c][j].text() == f"({grads[j]:+.4f})"
            assert page.param_spins[c][j].value() == pytest.approx(
                round((snap["W"][c, j] if j < 2 else snap["b"][c]), 3))
    # regions: the colour of a cell centre is the engine's prediction there
    bounds = snap["bounds"]
    rng = np.random.default_rng(0)
    pts = np.column_stack([rng.uniform(bounds[0], bounds[1], 40), rng.uniform(bounds[2], bounds[3], 40)])
    H, W = snap["regions"].shape
    for p in pts:
        col = min(int((p[0] - bounds[0]) / (bounds[1] - bounds[0]) * W), W - 1)
        row = min(int((p[1] - bounds[2]) / (bounds[3] - bounds[2]) * H), H - 1)
        centre = np.array([[bounds[0] + (col + 0.5) * (bounds[1] - bounds[0]) / W,
                            bounds[2] + (row + 0.5) * (bounds[3] - bounds[2]) / H]])
        assert color_class(page.plot.rgb_at(*p)) == model.predict(centre)[0]
    # lines and arrows: the engine's geometry
    for geo, (line, arrow, head) in zip(class_lines(snap["W"], snap["b"], bounds), page.line_items):
        xs, ys = line.getData()
        if geo is None:
            assert xs is None or len(xs) == 0
        else:
            np.testing.assert_allclose([xs[0], ys[0], xs[1], ys[1]], [*geo["p1"], *geo["p2"]])
            hx, hy = head.getData()
            np.testing.assert_allclose(np.column_stack([hx, hy]), geo["head"])


def test_first_snapshot_matches_the_engine(lab, qtbot):
    page = lab.page_2d
    snap = _wait_snap(qtbot, page, lambda s: True)
    assert page.data.num_classes == 3
    _check_page_against_engine(page, snap)


def test_editing_w_and_b_updates_everything(lab, qtbot):
    page = lab.page_2d
    page.param_spins[0][0].setValue(2.5)
    page.param_spins[1][2].setValue(-1.25)
    snap = _wait_snap(qtbot, page, lambda s: s["W"][0, 0] == 2.5 and s["b"][1] == -1.25)
    _check_page_against_engine(page, snap)


def test_dragging_an_arrowhead_turns_that_class(lab, qtbot):
    page = lab.page_2d
    snap = _wait_snap(qtbot, page, lambda s: True)
    c = next(i for i, g in enumerate(snap["lines"]) if g is not None)
    others = [i for i in range(3) if i != c]
    handle = page.handles[c]
    assert handle.isVisible()
    np.testing.assert_allclose([handle.pos().x(), handle.pos().y()], snap["lines"][c]["arrow_end"])
    foot = snap["lines"][c]["arrow_start"]
    norm = np.hypot(*snap["W"][c])
    handle.setPos(foot[0] - 1.0, foot[1])  # drop it to the left of the arrow's foot
    handle.sigPositionChangeFinished.emit(handle)  # what pyqtgraph emits when a drag ends
    after = _wait_snap(qtbot, page, lambda s: s["W"][c, 0] < 0 and abs(s["W"][c, 1]) < 1e-9)
    np.testing.assert_allclose(after["W"][c], [-norm, 0.0])  # same length, now pointing left
    assert after["W"][c] @ foot + after["b"][c] == pytest.approx(0.0)  # the line still passes the foot
    np.testing.assert_array_equal(after["W"][others], snap["W"][others])
    _check_page_against_engine(page, after)
    # the handle follows the new arrow; classes without a line in view have no handle
    np.testing.assert_allclose([handle.pos().x(), handle.pos().y()], after["lines"][c]["arrow_end"])
    for i, geo in enumerate(after["lines"]):
        assert page.handles[i].isVisible() is (geo is not None)


def test_step_is_one_gradient_step_and_run_keeps_stepping(lab, qtbot):
    page = lab.page_2d
    page.lr_spin.setValue(0.2)
    page.reg_spin.setValue(0.05)
    before = _wait_snap(qtbot, page, lambda s: s["reg"] == 0.05)
    page.step_button.click()
    after = _wait_snap(qtbot, page, lambda s: s["step"] == before["step"] + 1)
    np.testing.assert_allclose(after["W"], before["W"] - 0.2 * before["dW"])
    np.testing.assert_allclose(after["b"], before["b"] - 0.2 * before["db"])
    _check_page_against_engine(page, after)
    page.run_button.click()
    assert page.run_button.text() == "Pause"
    _wait_snap(qtbot, page, lambda s: s["step"] >= after["step"] + 5)
    page.run_button.click()
    stopped = _wait_snap(qtbot, page, lambda s: not s["running"])
    qtbot.wait(200)
    assert page.snap["step"] == stopped["step"]  # paused: no more steps
    assert stopped["total"] < before["total"]
    _check_page_against_engine(page, page.snap)


def test_loss_switch_and_rerandomize(lab, qtbot):
    page = lab.page_2d
    page.loss_combo.setCurrentIndex(page.loss_combo.findData("softmax"))
    snap = _wait_snap(qtbot, page, lambda s: s["loss"] == "softmax")
    assert "softmax data loss" in page.loss_label.text()
    _check_page_against_engine(page, snap)
    W0 = snap["W"].copy()
    page.random_button.click()
    snap = _wait_snap(qtbot, page, lambda s: not np.array_equal(s["W"], W0))
    assert snap["step"] == 0
    _check_page_against_engine(page, snap)


def test_app_shortcuts_drive_the_2d_classifier(lab, qtbot):
    page = lab.page_2d
    start = _wait_snap(qtbot, page, lambda s: True)["step"]
    lab.step_once()
    _wait_snap(qtbot, page, lambda s: s["step"] == start + 1)
    lab.toggle_play()
    assert page.run_button.isChecked()
    lab.toggle_play()
    assert not page.run_button.isChecked()


def test_new_data_reaches_the_running_job(lab, qtbot):
    page = lab.page_2d
    page.points_spin.setValue(45)
    page.set_combo.setCurrentIndex(page.set_combo.findData("linear"))
    page.generate_button.click()
    snap = _wait_snap(qtbot, page, lambda s: len(s["scores"]) == 45)
    assert page.data.name == "linear"
    _check_page_against_engine(page, snap)


def test_worked_example_scores_are_shown_and_live(lab):
    ex = lab.calc_page.example
    assert [lbl.text().split()[0] for lbl in ex.score_labels] == ["-96.8", "437.9", "60.75"]
    assert "437.9  ← highest" == ex.score_labels[1].text()
    assert ex.sum_labels[0].text().endswith("= -96.8")
    assert "(-0.5)·231" in ex.sum_labels[0].text()
    ex.x_spins[0].setValue(100)
    ex.b_spins[2].setValue(0.5)
    x = we.PIXEL_EXAMPLE_X.copy()
    x[0] = 100
    b = we.PIXEL_EXAMPLE_B.copy()
    b[2] = 0.5
    want = we.linear_scores(x, we.PIXEL_EXAMPLE_W, b)
    for lbl, v in zip(ex.score_labels, want):
        assert lbl.text().split()[0] == f"{v:.4f}".rstrip("0").rstrip(".")


def test_loss_calculators_show_the_course_numbers(lab):
    calc = lab.calc_page.calculator
    probs = [calc.softmax_table.item(c, 3).text().split()[0] for c in range(3)]
    assert probs == ["0.13", "0.87", "0.00"]
    assert "(0.00096793)" in calc.softmax_table.item(2, 3).text()
    assert calc.softmax_table.item(0, 2).text() == "24.53"
    assert "<b>2.0404</b>" in calc.softmax_loss.text()
    assert calc.svm_loss.text().endswith("= 2.9 + 0 = <b>2.9</b>")
    # the frog image of the course's SVM figure: 2.2, 2.5, -3.1, true frog -> 12.9
    for spin, v in zip(calc.score_spins, [2.2, 2.5, -3.1]):
        spin.setValue(v)
    calc.true_combo.setCurrentIndex(2)
    assert "<b>12.9</b>" in calc.svm_loss.text()
    sm = we.softmax_steps([2.2, 2.5, -3.1], 2)
    assert f"<b>{sm['loss']:.4f}</b>" in calc.softmax_loss.text()
    calc.margin_spin.setValue(0.0)
    assert f"<b>{we.svm_steps([2.2, 2.5, -3.1], 2, 0.0)['loss']:g}</b>" in calc.svm_loss.text()


def test_images_training_templates_and_scores(lab, qtbot):
    page = lab.images_page
    lab.tabs.setCurrentWidget(page)
    data = load_dataset("builtin", n_train=600, n_val=40, n_test=0, seed=2)
    page.epochs_spin.setValue(2)
    page.batch_spin.setValue(100)
    page.start_training(data)
    qtbot.waitUntil(lambda: page.snap is not None and not page.snap["training"], timeout=60000)
    snap = page.snap
    assert snap["iteration"] == 12  # 2 epochs of 600 / 100
    xs, ys = page.loss_curve.getData()
    assert len(xs) == 12 and np.all(np.isfinite(ys))
    ex, _ = page.val_acc_curve.getData()
    assert list(ex) == [1.0, 2.0]
    W = snap["W"]
    for c, image in enumerate(page.templates_view.images):
        row = W[c].reshape(3, 32, 32).transpose(1, 2, 0).astype(np.float64)  # the weight row as an image
        want = np.round(255 * (row - row.min()) / (row.max() - row.min()))
        np.testing.assert_array_equal(image, want.astype(np.uint8))
    assert page.templates_view.captions() == list(data.class_names)
    # the chosen validation image's scores: W x + b on the preprocessed pixels
    page.image_spin.setValue(7)
    qtbot.waitUntil(lambda: page.snap["image_index"] == 7, timeout=WAIT)
    pre = fit_preprocessor("mean_image", data.X_train)
    scores = pre.transform(data.X_val[7:8]).reshape(1, -1) @ W.T + snap["b"]
    np.testing.assert_allclose(page.class_scores(), scores[0], rtol=1e-4, atol=1e-4)
    assert f"highest score: {data.class_names[int(np.argmax(scores))]}" in page.image_caption.text()
    assert "#7" in page.scores_plot.plotItem.titleLabel.text


def test_stop_ends_training_and_weights_export_as_csv(lab, qtbot, tmp_path):
    page = lab.images_page
    data = load_dataset("builtin", n_train=2000, n_val=20, n_test=0, seed=3)
    page.epochs_spin.setValue(50)
    page.start_training(data)
    qtbot.waitUntil(lambda: page.snap is not None and page.snap["iteration"] >= 10, timeout=60000)
    page.lr_spin.setValue(2e-6)  # sent to the running job
    assert page.stop_button.isEnabled()
    page.stop_button.click()
    qtbot.waitUntil(lambda: not page.job.is_running(), timeout=WAIT)
    assert not page.stop_button.isEnabled()
    assert page.snap["epoch"] < 50
    export_all({"weights": page.templates_view}, tmp_path)
    rows = (tmp_path / "weights.csv").read_text().splitlines()
    assert len(rows) == 11 and len(rows[1].split(",")) == 2 + 3072
    assert float(rows[1].split(",")[2]) == pytest.approx(float(page.snap["W"][0, 0]))


def test_export_every_plot(lab, qtbot, tmp_path):
    written = export_all(lab.export_targets(), tmp_path / "out")
    names = {p.name for p in written}
    for base in ("linear_2d", "worked_example", "loss_calculators", "linear_loss", "weight_templates",
                 "class_scores"):
        assert f"{base}.png" in names and f"{base}.svg" in names
        assert ET.parse(tmp_path / "out" / f"{base}.svg").getroot().tag.endswith("svg")
    assert "linear_2d.csv" in names and "linear_loss.csv" in names
    table = (tmp_path / "out" / "point_scores.csv").read_text().splitlines()
    assert table[0] == "x1,x2,class,s0,s1,s2,loss" and len(table) == 1 + len(lab.page_2d.data.y_train)
    assert float(table[1].split(",")[-1]) == pytest.approx(lab.page_2d.snap["point_loss"][0])
    calc = (tmp_path / "out" / "loss_calculators.csv").read_text().splitlines()
    assert calc[-1].startswith("loss,") and float(calc[-1].split(",")[-1]) == pytest.approx(2.9)
    example = (tmp_path / "out" / "worked_example.csv").read_text().splitlines()
    assert float(example[2].split(",")[-1]) == pytest.approx(437.9)


@pytest.mark.cifar
def test_cifar_training_starts(lab, qtbot, cifar_path):
    page = lab.images_page
    lab.ctx.set_cifar_path(str(cifar_path))
    page.source_combo.setCurrentIndex(page.source_combo.findData("cifar10"))
    page.train_spin.setValue(1000)
    page.epochs_spin.setValue(1)
    page.train_button.click()
    qtbot.waitUntil(lambda: page.snap is not None and not page.snap["training"], timeout=120000)
    assert page.data.name == "cifar10" and page.snap["iteration"] == 5
    assert page.templates_view.captions()[0] == page.data.class_names[0]
