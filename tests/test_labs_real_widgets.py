"""Labs 1, 2 and 4 driven like a student: real clicks, keys and wheel turns, then what the screen shows.

Each bug a new user hit (issue 9) has a test here that fails on the old code: a wheel turn over a
panel changing a setting, a bad CIFAR file remembered without a word, clipped or overlapping
charts at 1280x800, overlapping graph nodes, milli-scaled accuracy axes, "-0.0000" losses, a Stop
button left on, small PNGs. And every button and menu action of the three labs is clicked once.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (QApplication, QFileDialog, QGraphicsSimpleTextItem, QMessageBox, QTabWidget,
                               QWidget)
from user import buttons, choose, click, trigger, type_into, wheel

from visualdl.data import load_dataset
from visualdl.engine import worked_examples as we
from visualdl.engine.models import default_config
from visualdl.engine.trainer import Trainer
from visualdl.labs.backprop import BackpropLab
from visualdl.labs.common.palette import class_hex, class_rgb
from visualdl.labs.knn import KnnLab
from visualdl.labs.common.plots import class_color
from visualdl.labs.linear import LinearLab
from visualdl.ui.app import create_window
from visualdl.ui.context import AppContext
from visualdl.ui.settings import Settings

WAIT = 30000


def _ctx(tmp_path):
    return AppContext(Settings(tmp_path / "settings.ini"))


@pytest.fixture
def knn(qtbot, tmp_path):
    ctx = _ctx(tmp_path)
    lab = KnnLab(ctx)
    qtbot.addWidget(lab)
    lab.resize(1076, 754)  # the lab's area in a 1280x800 window
    lab.show()
    qtbot.waitUntil(lambda: lab.regions_page.result is not None and not lab.regions_page.busy(), timeout=WAIT)
    yield lab
    lab.shutdown()
    ctx.shutdown()


@pytest.fixture
def linear(qtbot, tmp_path):
    ctx = _ctx(tmp_path)
    lab = LinearLab(ctx)
    qtbot.addWidget(lab)
    lab.resize(1076, 754)
    lab.show()
    qtbot.waitUntil(lambda: lab.page_2d.snap is not None, timeout=WAIT)
    yield lab
    lab.shutdown()
    ctx.shutdown()


@pytest.fixture
def backprop(qtbot, tmp_path):
    ctx = _ctx(tmp_path)
    lab = BackpropLab(ctx)
    qtbot.addWidget(lab)
    lab.resize(1076, 754)
    lab.show()
    yield lab
    lab.shutdown()
    ctx.shutdown()


@pytest.fixture
def window(qtbot, tmp_path):
    ctx, win = create_window(tmp_path / "settings.ini")
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    yield win
    win.close()


def _click_tab(qtbot, tabs: QTabWidget, index: int) -> None:
    bar = tabs.tabBar()
    click(qtbot, bar, pos=bar.tabRect(index).center())
    assert tabs.currentIndex() == index


def _scene_texts(scene) -> list[str]:
    return [item.text() for item in scene.items() if isinstance(item, QGraphicsSimpleTextItem)]


# ---------------------------------------------------------------- bug 4: the wheel scrolls, never edits
def test_wheel_over_panel_controls_changes_no_setting(knn, linear, qtbot):
    regions, cv = knn.regions_page, knn.cv_page
    controls = [regions.points_spin, regions.noise_spin, regions.set_combo, regions.metric_combo, regions.k_slider,
                cv.folds_spin, cv.metric_combo, knn.images_page.train_spin,
                linear.page_2d.lr_spin, linear.page_2d.loss_combo, linear.page_2d.param_spins[0][0],
                linear.calc_page.calculator.score_spins[0], linear.calc_page.example.x_spins[0],
                linear.images_page.epochs_spin, linear.images_page.loss_combo]
    for widget in controls:
        widget.clearFocus()
        before = widget.value() if hasattr(widget, "value") else widget.currentIndex()
        wheel(qtbot, widget, -120)
        wheel(qtbot, widget, 120 * 3)
        after = widget.value() if hasattr(widget, "value") else widget.currentIndex()
        assert after == before, f"the wheel changed {type(widget).__name__} from {before} to {after}"


def test_wheel_over_the_kNN_panel_scrolls_it(knn, qtbot):
    page = knn.regions_page
    knn.resize(1076, 420)  # short enough for the side panel to scroll
    QApplication.processEvents()
    area = page.points_spin.parentWidget()
    while area is not None and not hasattr(area, "verticalScrollBar"):
        area = area.parentWidget()
    bar = area.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(0)
    wheel(qtbot, page.points_spin, -120)
    assert bar.value() > 0 and page.points_spin.value() == 300


# ---------------------------------------------------------------- bug 5: a bad CIFAR file
def test_opening_a_file_that_is_not_cifar_says_so_and_is_not_remembered(window, qtbot, tmp_path, monkeypatch, capfd):
    bad = tmp_path / "holiday.tar.gz"
    bad.write_bytes(b"these are not the images you are looking for" * 100)
    window.show_lab("knn")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(bad), "")))
    remembered = []
    window.ctx.cifar_path_changed.connect(remembered.append)
    trigger(window, "File", "Open CIFAR-10 archive…")
    qtbot.waitUntil(lambda: window.last_error is not None, timeout=WAIT)
    assert window.last_error.startswith("Could not open CIFAR-10") and str(bad) in window.last_error
    dialogs = [box for box in window.findChildren(QMessageBox) if box.isVisible()]
    assert dialogs and str(bad) in dialogs[-1].text()  # a dialog, in front of the lab the user is in
    assert window.current_lab() is window.lab("knn")
    assert remembered == [] and window.ctx.cifar_path() is None
    assert window.ctx.settings.get("data/cifar_path") in (None, "")
    qtbot.waitUntil(lambda: not window.progress.isVisible(), timeout=WAIT)
    assert "Traceback" not in capfd.readouterr().err


# ---------------------------------------------------------------- bug 6 and "every tab fits 1280x800"
def _outside(win: QWidget, root: QWidget) -> list[str]:
    """Visible widgets below root that stick out of the window."""
    frame = QRect(QPoint(0, 0), win.size())
    bad = []
    for w in [root] + root.findChildren(QWidget):
        if not w.isVisibleTo(win) or w.window() is not win or w.width() <= 0:
            continue
        scroll_parent = w.parentWidget()
        while scroll_parent is not None and scroll_parent.metaObject().className() != "QScrollArea":
            scroll_parent = scroll_parent.parentWidget()
        if scroll_parent is not None and scroll_parent is not w:
            continue  # inside a scroll area: scrolled into view, not squeezed
        rect = QRect(w.mapTo(win, QPoint(0, 0)), w.size())
        if not frame.contains(rect):
            bad.append(f"{type(w).__name__}({getattr(w, 'text', lambda: '')()!r}) at {rect}")
    return bad


@pytest.mark.parametrize("key", ["knn", "linear", "backprop"])
def test_every_tab_fits_the_default_window(window, qtbot, key):
    lab = window.show_lab(key)
    tabs = lab.findChild(QTabWidget)
    for i in range(tabs.count()):
        _click_tab(qtbot, tabs, i)
        qtbot.wait(50)
        assert window.size().width() == 1280 and window.size().height() == 800, f"tab {i} resized the window"
        assert _outside(window, tabs.widget(i)) == [], f"{key} tab {i}"


def test_templates_tab_shows_ten_bars_and_captions_that_do_not_overlap(window, qtbot):
    lab = window.show_lab("linear")
    page = lab.images_page
    _click_tab(qtbot, lab.tabs, 2)
    type_into(qtbot, page.train_spin, "600")
    type_into(qtbot, page.epochs_spin, "1")
    type_into(qtbot, page.batch_spin, "100")
    click(qtbot, page.train_button)
    qtbot.waitUntil(lambda: page.snap is not None and not page.snap["training"], timeout=60000)
    qtbot.wait(100)
    scores = page.class_scores()
    assert len(scores) == 10
    (x0, x1), (y0, y1) = page.scores_plot.getViewBox().viewRange()
    assert y0 <= -0.35 and y1 >= 9.35, "a class bar is outside the chart"
    assert x0 <= min(0.0, scores.min()) and x1 >= max(0.0, scores.max())
    title = page.scores_plot.plotItem.titleLabel
    assert title.item.boundingRect().width() <= page.scores_plot.width()
    # the bars wear the class colours of the one palette
    for c, brush in enumerate(page.bars.opts["brushes"]):
        assert brush.color().getRgb()[:3] == class_rgb(c)
    # captions: each inside its own cell, every word fits its width, no two overlap
    labels = page.templates_view.caption_labels
    rects = [QRect(lbl.mapTo(window, QPoint(0, 0)), lbl.size()) for lbl in labels]
    for a, b in itertools.combinations(range(10), 2):
        assert not rects[a].intersects(rects[b]), (labels[a].text(), labels[b].text())
    for lbl in labels:
        metrics = lbl.fontMetrics()
        assert all(metrics.horizontalAdvance(word) <= lbl.width() for word in lbl.text().split()), \
            (lbl.text(), lbl.width(), [metrics.horizontalAdvance(w) for w in lbl.text().split()])
        assert class_hex(labels.index(lbl)) in lbl.styleSheet()
    # bug 11: nothing left to stop once it says Done
    assert "Done" in page.status_label.text()
    assert not page.stop_button.isEnabled()


# ---------------------------------------------------------------- bug 7: the backprop layout never overlaps
EXPRESSIONS = [
    "a = x * y; f = max(a, z) + x * x",
    "f = x * x * x + y",
    "a = x + y; b = a * a; f = b + a + x",
    "f = max(x, y) + max(y, z) + x * z",
    "f = 2 * x + 3 * x * y + 4",
    "a = x * y; b = a + x; c = b * y; f = c + a + x * x + y * y",
]


def _assert_no_overlap(lab, what):
    rects = lab.scene.node_rects
    assert len(rects) == len(lab.session.trace.nodes)
    for (i, a), (j, b) in itertools.combinations(rects.items(), 2):
        assert not a.intersects(b), f"{what!r}: nodes {i} and {j} overlap"


def test_graph_nodes_never_overlap(backprop, qtbot):
    for text in EXPRESSIONS:
        type_into(qtbot, backprop.expr_edit, text, enter=False)
        assert backprop.error_label.text() == "", text
        if backprop.run_button.isEnabled():
            click(qtbot, backprop.run_button)  # every value and gradient shown: the widest boxes
        _assert_no_overlap(backprop, text)
    for i in range(backprop.preset_box.count()):
        choose(qtbot, backprop.preset_box, backprop.preset_box.itemText(i))
        if backprop.run_button.isEnabled():
            click(qtbot, backprop.run_button)
        _assert_no_overlap(backprop, backprop.preset_box.itemText(i))


def test_the_reported_graph_draws_n2_away_from_a(backprop, qtbot):
    type_into(qtbot, backprop.expr_edit, EXPRESSIONS[0], enter=False)
    nodes = {n.label: n.index for n in backprop.session.trace.nodes}
    assert not backprop.scene.node_rects[nodes["n2"]].intersects(backprop.scene.node_rects[nodes["a"]])


# ---------------------------------------------------------------- bug 8: accuracy axes in plain units
def test_cross_validation_axis_is_plain_accuracy(knn, qtbot):
    cv = knn.cv_page
    # hard data: accuracies around 0.1-0.4, where an SI prefix would write "x0.001"
    page = knn.regions_page
    choose(qtbot, page.set_combo, "blobs") if page.set_combo.findData("blobs") >= 0 else None
    type_into(qtbot, page.classes_spin, "8")
    type_into(qtbot, page.noise_spin, "3")
    click(qtbot, page.generate_button)
    qtbot.waitUntil(lambda: page.data is not None and page.data.num_classes == 8 and not page.busy(), timeout=WAIT)
    _click_tab(qtbot, knn.tabs, 1)
    axis = cv.plot.getAxis("left")
    (_, _), (y0, y1) = cv.plot.getViewBox().viewRange()
    assert y0 >= -0.05 and y1 <= 1.05 and y1 - y0 > 0.5  # empty: 0..1, not -400..400
    type_into(qtbot, cv.ks_edit, "1, 3, 5")
    click(qtbot, cv.run_button)
    qtbot.waitUntil(lambda: cv.cv_result is not None, timeout=WAIT)
    qtbot.wait(50)
    assert max(cv.cv_result["mean"]) < 0.9
    assert axis.autoSIPrefixScale == 1.0 and "x0.001" not in axis.labelString() and "accuracy" in axis.labelString()
    (_, _), (y0, y1) = cv.plot.getViewBox().viewRange()
    assert y0 < min(cv.cv_result["mean"]) and y1 > max(cv.cv_result["mean"]) and y1 < 2


def test_linear_accuracy_axis_is_plain(linear):
    axis = linear.images_page.acc_plot.getAxis("left")
    assert not axis.autoSIPrefix and "accuracy" in axis.labelString()


# ---------------------------------------------------------------- bug 11: the softmax calculator is honest
def test_softmax_calculator_shows_zero_and_underflow_honestly(linear, qtbot):
    calc = linear.calc_page.calculator
    _click_tab(qtbot, linear.tabs, 1)
    choose(qtbot, calc.true_combo, we.LOSS_EXAMPLE_CLASSES[0])
    type_into(qtbot, calc.score_spins[0], "1000")
    type_into(qtbot, calc.score_spins[1], "-1000")
    type_into(qtbot, calc.score_spins[2], "-1000")
    text = calc.softmax_loss.text()
    assert "−ln(1) = <b>0</b>" in text and "-0" not in text
    # the true class far below: p underflows to 0.0 but the loss is 2000 (by hand: -(-1000 - 1000))
    type_into(qtbot, calc.score_spins[0], "-1000")
    type_into(qtbot, calc.score_spins[1], "1000")
    text = calc.softmax_loss.text()
    assert "−ln(0)" not in text and "<b>2000.0000</b>" in text and "e^-2000" in text
    assert calc.softmax["log_probs"][0] == -2000.0


def test_engine_softmax_steps_give_log_probs_and_no_negative_zero():
    sm = we.softmax_steps([1000.0, -1000.0, -1000.0], 0)
    assert sm["loss"] == 0.0 and str(sm["loss"]) == "0.0"
    sm = we.softmax_steps([0.0, 0.0, 0.0], 1)
    assert sm["loss"] == pytest.approx(np.log(3.0)) and sm["log_probs"][1] == pytest.approx(-np.log(3.0))


# ---------------------------------------------------------------- bug 11: Flatten's gradient on the network tab
def test_network_tab_says_why_the_flatten_layer_has_no_gradient(backprop, qtbot):
    trainer = Trainer(default_config("two_layer"), load_dataset("builtin", n_train=50, n_val=10, n_test=0))
    for _ in range(3):
        trainer.step()
    _click_tab(qtbot, backprop.tabs, 1)
    backprop.ctx.set_training_snapshot(trainer.snapshot())
    texts = _scene_texts(backprop.net_scene)
    assert not any("no step yet" in t for t in texts), texts
    assert any("no parameters below" in t for t in texts)
    assert sum(t.startswith("grad mean") for t in texts) == 3  # both Linear layers and the ReLU


# ---------------------------------------------------------------- legends and the one palette
def test_class_legends_in_labs_1_and_2_use_the_one_palette(knn, linear):
    page = knn.regions_page
    legend = page.class_legend.text()
    for c in range(page.data.num_classes):
        assert f"class {c}" in legend and class_hex(c) in legend
    assert all(class_hex(c) in linear.page_2d.class_legend.text() for c in range(3))
    assert all(class_color(c) == class_rgb(c) for c in range(10))
    brushes = page.knn_plot.train_scatter.data["brush"]
    labels = page.data.y_train
    assert all(b.color().getRgb()[:3] == class_rgb(int(y)) for b, y in zip(brushes[:20], labels[:20]))


def test_cv_and_accuracy_legends_are_in_the_title_not_over_the_data(knn, linear):
    assert knn.cv_page.plot.plotItem.legend is None and "best k" in knn.cv_page.plot.plotItem.titleLabel.text
    acc = linear.images_page.acc_plot.plotItem
    assert acc.legend is None and "validation" in acc.titleLabel.text


# ---------------------------------------------------------------- exports big enough for a slide; zoom
def test_backprop_png_export_is_twice_the_graph_size(backprop, qtbot, tmp_path, monkeypatch):
    target = tmp_path / "graph.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    click(qtbot, backprop.png_button)
    image = QImage(str(target))
    rect = backprop.scene.itemsBoundingRect()
    assert image.width() == round(2 * rect.width()) and image.height() == round(2 * rect.height())
    assert image.width() >= 600  # was 314 for this graph: too small for a slide


def test_export_png_takes_a_width(backprop, tmp_path):
    from visualdl.ui.export import export_png

    path = export_png(backprop.scene, tmp_path / "wide.png", width=1600)
    assert QImage(str(path)).width() == 1600
    plot_png = export_png(backprop.net_scene, tmp_path / "net.png", scale=3)
    assert QImage(str(plot_png)).width() == round(3 * backprop.net_scene.itemsBoundingRect().width())


def test_graph_zooms_with_ctrl_wheel_and_fits_with_the_button(backprop, qtbot):
    view = backprop.view
    choose(qtbot, backprop.preset_box, backprop.preset_box.itemText(1))  # the sigmoid neuron: the widest
    assert view.zoom_factor() >= view.LEGIBLE_SCALE  # legible at 1280x800
    before = view.zoom_factor()
    wheel_event_pos = view.viewport().rect().center()
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent

    event = QWheelEvent(QPointF(wheel_event_pos), QPointF(view.viewport().mapToGlobal(wheel_event_pos)), QPoint(0, 0),
                        QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)
    assert view.zoom_factor() == pytest.approx(before * 1.44)
    click(qtbot, backprop.forward_button) if backprop.forward_button.isEnabled() else None
    click(qtbot, backprop.undo_button)
    assert view.zoom_factor() == pytest.approx(before * 1.44)  # a redraw keeps the student's zoom
    click(qtbot, backprop.fit_button)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(backprop.scene.itemsBoundingRect())


# ---------------------------------------------------------------- every button and menu action, once
def test_every_button_of_lab_1(knn, qtbot, tmp_path):
    regions, cv, images = knn.regions_page, knn.cv_page, knn.images_page
    old = regions.data
    click(qtbot, regions.generate_button)
    qtbot.waitUntil(lambda: regions.data is not old and regions.result is not None and not regions.busy(),
                    timeout=WAIT)
    assert regions.knn_acc.text().startswith("kNN (k=1")
    _click_tab(qtbot, knn.tabs, 1)
    qtbot.waitUntil(lambda: cv.data is not None, timeout=WAIT)  # the images the folds are made of
    click(qtbot, cv.run_button)
    assert cv.cancel_button.isEnabled()
    click(qtbot, cv.cancel_button)
    assert cv.run_button.isEnabled() and not cv.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not cv.job.is_running(), timeout=WAIT)
    click(qtbot, cv.run_button)
    qtbot.waitUntil(lambda: cv.cv_result is not None and cv.test_button.isEnabled(), timeout=WAIT)
    assert cv.summary.text().startswith("Best k = ")
    click(qtbot, cv.test_button)
    qtbot.waitUntil(lambda: cv.test_result is not None, timeout=WAIT)
    assert cv.test_label.text().startswith("Test accuracy with k = ") and not cv.test_button.isEnabled()
    _click_tab(qtbot, knn.tabs, 2)
    type_into(qtbot, images.train_spin, "500")
    click(qtbot, images.load_button)
    qtbot.waitUntil(lambda: images.neighbors is not None and not images.loading(), timeout=WAIT)
    assert images.panel.vote_label.text().startswith("Vote of 5")
    assert images.class_legend.text().startswith("Classes:")
    seen = {images.index_spin.value()}
    for _ in range(5):
        click(qtbot, images.random_button)
        seen.add(images.index_spin.value())
    assert len(seen) > 1
    qtbot.waitUntil(lambda: not images.job.is_running(), timeout=WAIT)
    named = set(buttons(knn))
    assert {"Generate", "Run cross-validation", "Cancel", "Score the test set with the best k", "Load",
            "Random test image"} <= named


def test_every_button_of_lab_2(linear, qtbot):
    page = linear.page_2d
    step0 = page.snap["step"]
    click(qtbot, page.step_button)
    qtbot.waitUntil(lambda: page.snap["step"] == step0 + 1, timeout=WAIT)
    click(qtbot, page.run_button)
    assert page.run_button.text() == "Pause"
    qtbot.waitUntil(lambda: page.snap["step"] >= step0 + 4, timeout=WAIT)
    click(qtbot, page.run_button)
    assert page.run_button.text() == "Run"
    click(qtbot, page.random_button)
    qtbot.waitUntil(lambda: page.snap["step"] == 0, timeout=WAIT)
    old = page.data
    type_into(qtbot, page.points_spin, "30")
    click(qtbot, page.generate_button)
    qtbot.waitUntil(lambda: page.data is not old and len(page.snap["y"]) == 30, timeout=WAIT)
    images = linear.images_page
    _click_tab(qtbot, linear.tabs, 2)
    type_into(qtbot, images.train_spin, "2000")
    type_into(qtbot, images.epochs_spin, "50")
    click(qtbot, images.train_button)
    qtbot.waitUntil(lambda: images.snap is not None and images.snap["iteration"] >= 5, timeout=60000)
    click(qtbot, images.stop_button)
    qtbot.waitUntil(lambda: not images.job.is_running(), timeout=WAIT)
    assert not images.stop_button.isEnabled() and images.train_button.isEnabled()
    assert {"Generate", "Step", "Run", "Re-randomize", "Train", "Stop"} <= set(buttons(linear))


def test_every_button_of_lab_4(backprop, qtbot, tmp_path, monkeypatch):
    lab = backprop
    s = lab.session
    click(qtbot, lab.reset_button)
    assert s.position == 0 and lab.step_title.text().startswith("Ready")
    click(qtbot, lab.forward_button)
    assert s.position == 1 and lab.step_title.text().startswith("Forward step 1/")
    click(qtbot, lab.run_button)
    assert s.position == s.total_steps and not lab.run_button.isEnabled()
    click(qtbot, lab.undo_button)
    assert s.position == s.total_steps - 1
    click(qtbot, lab.backward_button)
    assert s.position == s.total_steps and lab.step_title.text().startswith("Backward step")
    click(qtbot, lab.check_button)
    assert lab.check_table.rowCount() == len(s.program.inputs)
    click(qtbot, lab.fit_button)
    saved = []
    for button, name in ((lab.png_button, "g.png"), (lab.svg_button, "g.svg")):
        path = tmp_path / name
        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, p=path, **k: (str(p), "")))
        click(qtbot, button)
        saved.append(path.stat().st_size > 0)
    _click_tab(qtbot, lab.tabs, 1)
    click(qtbot, lab.net_fit_button)
    for button, name in ((lab.net_png_button, "n.png"), (lab.net_svg_button, "n.svg")):
        path = tmp_path / name
        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, p=path, **k: (str(p), "")))
        click(qtbot, button)
        saved.append(path.stat().st_size > 0)
    assert saved == [True] * 4


@pytest.mark.parametrize("key", ["linear", "backprop"])
def test_run_menu_drives_labs_2_and_4(window, qtbot, key):
    lab = window.show_lab(key)
    if key == "linear":
        page = lab.page_2d
        qtbot.waitUntil(lambda: page.snap is not None, timeout=WAIT)
        trigger(window, "Run", "Step")
        qtbot.waitUntil(lambda: page.snap["step"] == 1, timeout=WAIT)
        trigger(window, "Run", "Play / pause")
        assert page.run_button.isChecked() and page.run_button.text() == "Pause"
        trigger(window, "Run", "Play / pause")
        assert page.run_button.text() == "Run"
        trigger(window, "Run", "Reset")
        qtbot.waitUntil(lambda: page.snap["step"] == 0, timeout=WAIT)
    else:
        trigger(window, "Run", "Reset")
        assert lab.session.position == 0
        trigger(window, "Run", "Step")
        assert lab.session.position == 1
        trigger(window, "Run", "Play / pause")
        assert lab.play_timer.isActive()
        trigger(window, "Run", "Play / pause")
        assert not lab.play_timer.isActive()


@pytest.mark.parametrize("key", ["knn", "linear", "backprop"])
def test_file_export_all_writes_every_target(window, qtbot, tmp_path, monkeypatch, key):
    lab = window.show_lab(key)
    if key == "knn":
        qtbot.waitUntil(lambda: lab.regions_page.result is not None, timeout=WAIT)
    if key == "linear":
        qtbot.waitUntil(lambda: lab.page_2d.snap is not None, timeout=WAIT)
    folder = tmp_path / "out"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(folder)))
    trigger(window, "File", "Export all plots…")
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Wrote "), timeout=WAIT)
    names = {p.name for p in folder.iterdir()}
    from visualdl.ui.export import slug

    for name in lab.export_targets():
        assert f"{slug(name)}.png" in names and f"{slug(name)}.svg" in names
    assert window.last_error is None
