"""Lab 7's experiment tabs, driven like a student: open a tab, set small sizes, Run, look; Cancel; export."""
from __future__ import annotations

import csv
import xml.etree.ElementTree as ET

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage

from user import choose, click, type_into
from visualdl.labs.practice import PracticeLab
from visualdl.ui.context import AppContext
from visualdl.ui.export import can_export_csv, export_csv, export_png, export_svg
from visualdl.ui.settings import Settings
from visualdl.ui.worker import live_threads


@pytest.fixture
def lab(qtbot, tmp_path):
    ctx = AppContext(Settings(tmp_path / "settings.ini"))
    lab = PracticeLab(ctx)
    qtbot.addWidget(lab)
    lab.resize(1080, 760)
    lab.show()
    yield lab
    lab.shutdown()
    ctx.shutdown()
    assert live_threads() == []


def open_tab(qtbot, lab, key):
    page = lab.pages[key]
    bar = lab.tabBar()
    click(qtbot, bar, pos=bar.tabRect(lab.indexOf(page)).center())
    assert lab.currentWidget() is page
    return page


def curves(plot):
    return [item for item in plot.getPlotItem().listDataItems() if item.getData()[0] is not None]


def wait_done(qtbot, runner, timeout=60000):
    qtbot.waitUntil(lambda: not runner.running() and runner.run_button.isEnabled(), timeout=timeout)


def run_and_cancel(qtbot, page, runner):
    click(qtbot, runner.run_button)
    assert runner.running() and runner.cancel_button.isEnabled()
    click(qtbot, runner.cancel_button)
    wait_done(qtbot, runner)
    assert runner.status.text() == "Cancelled."
    assert not runner.cancel_button.isEnabled()


def test_checklist_links_open_their_experiments(qtbot, lab):
    assert lab.currentWidget() is lab.dashboard and not lab.checklist.isVisible()
    for key, link in lab.checklist.links.items():
        click(qtbot, lab.tabBar(), pos=lab.tabBar().tabRect(0).center())
        click(qtbot, lab.checklist_button)
        assert lab.checklist.isVisible()
        click(qtbot, link)
        assert lab.currentWidget() is lab.pages[key] and not lab.checklist.isVisible()
    texts = [b.text() for b in lab.checklist.boxes]
    assert texts[:4] == ["1. Preprocess", "2. Architecture", "3. Initialization", "4. Learning rate"]
    click(qtbot, lab.checklist_button)
    click(qtbot, lab.checklist.boxes[0])
    assert lab.checklist.boxes[0].isChecked()
    lab.checklist.hide()
    click(qtbot, lab.checklist_button)  # ticks are kept
    assert lab.checklist.boxes[0].isChecked()


def test_preprocessing_panels_and_pca(qtbot, lab):
    page = open_tab(qtbot, lab, "preprocess")
    original, centred, normalised = (curves(p)[0].getData() for p in page.point_plots)
    assert np.mean(original[0]) > 3 and abs(np.mean(centred[0])) < 1e-9 and abs(np.mean(centred[1])) < 1e-9
    assert np.std(normalised[0]) == pytest.approx(1) and np.std(normalised[1]) == pytest.approx(1)
    type_into(qtbot, page.points_spin, "50")
    assert len(curves(page.point_plots[0])[0].getData()[0]) == 50
    wait_done(qtbot, page.runner)  # opening the tab projected the default images
    type_into(qtbot, page.images_spin, "200")
    click(qtbot, page.runner.run_button)
    wait_done(qtbot, page.runner)
    assert sum(len(c.getData()[0]) for c in curves(page.pca_plot)) == 200
    assert page.mean_item.image.shape == (32, 32, 3)
    assert "200 examples, builtin" in page.runner.status.text()
    # the dashboard's data as the network sees it: after its preprocessing the channel means are 0
    qtbot.waitUntil(lambda: lab.dashboard.data is not None, timeout=30000)
    choose(qtbot, page.source_combo, "Dashboard's data, preprocessed")
    click(qtbot, page.runner.run_button)
    wait_done(qtbot, page.runner)
    assert "dashboard (builtin, preprocessing 'channel')" in page.runner.status.text()
    means = page.runner.status.text().split("(R, G, B): ")[1].rstrip(".").split(", ")
    assert all(abs(float(m)) < 0.3 for m in means)  # 200 of the 5,000 images the mean was fitted on


def test_activation_function_plot_and_controls(qtbot, lab):
    page = open_tab(qtbot, lab, "activations")
    choose(qtbot, page.func_combo, "ReLU")
    f, d = curves(page.func_plot)[:2]
    x, y = f.getData()
    np.testing.assert_allclose(y, np.maximum(x, 0))
    assert page.regions == [(-6.0, 0.0)] and "dead ReLU" in page.notes.text()
    choose(qtbot, page.func_combo, "Leaky ReLU")
    type_into(qtbot, page.slope_spin, "0.2")
    x, dy = curves(page.func_plot)[1].getData()
    assert np.allclose(dy[x < 0], 0.2) and np.allclose(dy[x > 0], 1.0) and page.regions == []
    choose(qtbot, page.func_combo, "ELU")
    type_into(qtbot, page.alpha_spin, "2")
    x, y = curves(page.func_plot)[0].getData()
    assert y[0] == pytest.approx(2 * (np.exp(-6) - 1))


def test_dead_relu_demo_runs_and_cancels(qtbot, lab):
    page = open_tab(qtbot, lab, "activations")
    type_into(qtbot, page.iters_spin, "40")
    type_into(qtbot, page.train_spin, "300")
    click(qtbot, page.runner.run_button)
    wait_done(qtbot, page.runner)
    assert len(curves(page.dead_plot)) == 4  # 2 layers x 2 rates
    high_layer2 = curves(page.dead_plot)[1].getData()[1]
    assert high_layer2[0] == 0 and high_layer2[-1] > 0.5
    assert "lr 0.2: dead after" in page.runner.status.text()  # it may also diverge on so few images
    assert "lr 0.02: dead after 40 steps: 0%, 0%" in page.runner.status.text()
    type_into(qtbot, page.iters_spin, "5000")
    run_and_cancel(qtbot, page, page.runner)


def test_initialization_views(qtbot, lab):
    page = open_tab(qtbot, lab, "init")
    wait_done(qtbot, page.runner)  # opening the tab shows the default: Xavier, tanh, 10 x 500
    assert page.stats["init"] == "xavier" and len(curves(page.act_plot)) == 10
    choose(qtbot, page.init_combo, "N(0, 0.01²)")
    wait_done(qtbot, page.runner)
    assert len(curves(page.act_plot)) == 10 and len(curves(page.grad_plot)) == 10
    std = curves(page.std_plot)[0].getData()[1]
    assert std[-1] < 1e-5 * std[0]
    choose(qtbot, page.act_combo, "ReLU")
    wait_done(qtbot, page.runner)
    choose(qtbot, page.init_combo, "W = 0")
    wait_done(qtbot, page.runner)
    assert "symmetry never breaks" in page.summary.text()
    type_into(qtbot, page.layers_spin, "4")
    wait_done(qtbot, page.runner)
    assert len(page.stats["layers"]) == 4


def test_batch_norm_histograms_and_runs(qtbot, lab):
    page = open_tab(qtbot, lab, "batchnorm")
    wait_done(qtbot, page.runner)  # opening the tab draws the histograms (training is a click away)
    assert len(curves(page.pre_plot)) == 6 and curves(page.loss_plot) == []
    type_into(qtbot, page.epochs_spin, "1")
    click(qtbot, page.runner.run_button)  # defaults: 6 layers of 100, lr 0.3, 2,000 images
    wait_done(qtbot, page.runner)
    assert len(curves(page.pre_plot)) == 6 and len(curves(page.post_plot)) == 6
    x, y = curves(page.post_plot)[5].getData()
    w = y - 5  # the ridge lifts layer 6's histogram by 5
    mean = np.sum(x * w) / np.sum(w)
    std = np.sqrt(np.sum((x - mean) ** 2 * w) / np.sum(w))
    assert abs(mean) < 0.1 and 0.8 < std < 1.2  # normalized: zero mean, unit spread
    assert "without BN: diverged" in page.runner.status.text()
    assert "with BN: val accuracy" in page.runner.status.text()
    type_into(qtbot, page.epochs_spin, "50")
    run_and_cancel(qtbot, page, page.runner)


def test_learning_rate_sweep_and_range_test(qtbot, lab):
    page = open_tab(qtbot, lab, "lr")
    choose(qtbot, page.source_combo, "Spiral (2D)")
    type_into(qtbot, page.n_spin, "300")
    type_into(qtbot, page.iters_spin, "30")
    click(qtbot, page.sweep.run_button)
    wait_done(qtbot, page.sweep)
    assert len(curves(page.sweep_plot)) == 4
    type_into(qtbot, page.range_iters, "60")
    click(qtbot, page.range.run_button)
    wait_done(qtbot, page.range)
    assert page.result["suggested"] is not None
    assert f"{page.result['suggested']:.3g}" in page.range.status.text()
    assert any(isinstance(i, pg.InfiniteLine) for i in page.range_plot.getPlotItem().items)
    type_into(qtbot, page.iters_spin, "5000")
    run_and_cancel(qtbot, page, page.sweep)


def test_overfitting_gap(qtbot, lab):
    page = open_tab(qtbot, lab, "overfit")
    type_into(qtbot, page.n_spin, "100")
    type_into(qtbot, page.epochs_spin, "4")
    click(qtbot, page.runner.run_button)
    wait_done(qtbot, page.runner)
    for plot in page.acc_plots:
        train, val = curves(plot)[:2]
        assert len(train.getData()[0]) == 4
        assert any(isinstance(i, pg.FillBetweenItem) for i in plot.getPlotItem().items)
    assert page.runner.status.text().count("gap") == 2
    type_into(qtbot, page.epochs_spin, "200")
    run_and_cancel(qtbot, page, page.runner)


def click_cell(qtbot, page, i, j):
    vb = page.matrix_plot.getPlotItem().vb
    scene_pos = vb.mapViewToScene(pg.Point(j + 0.5, i + 0.5))
    pos = page.matrix_plot.mapFromScene(scene_pos)
    click(qtbot, page.matrix_plot.viewport(), pos=QPoint(int(pos.x()), int(pos.y())))


def test_confusion_matrix_on_points_and_images(qtbot, lab):
    page = open_tab(qtbot, lab, "confusion")
    choose(qtbot, page.source_combo, "Spiral (2D)")
    type_into(qtbot, page.n_spin, "300")
    type_into(qtbot, page.epochs_spin, "5")
    click(qtbot, page.runner.run_button)
    wait_done(qtbot, page.runner)
    r = page.result
    assert page.counts.sum() == len(r["true"]) and page.image.image.shape == (3, 3)
    click_cell(qtbot, page, 1, 1)
    assert page.selected == (1, 1)
    n = int(page.counts[1, 1])
    assert f"{n} examples" in page.cell_text.text()
    assert len(curves(page.examples_plot)[-1].getData()[0]) == n  # the highlighted points
    click(qtbot, page.norm_check)
    np.testing.assert_allclose(page.image.image.sum(axis=1)[page.counts.sum(axis=1) > 0], 1.0)
    choose(qtbot, page.source_combo, "Built-in images")
    type_into(qtbot, page.n_spin, "300")
    type_into(qtbot, page.epochs_spin, "1")
    click(qtbot, page.runner.run_button)
    wait_done(qtbot, page.runner)
    i, j = np.unravel_index(np.argmax(page.counts), page.counts.shape)
    click_cell(qtbot, page, int(i), int(j))
    images = [it for it in page.examples_plot.getPlotItem().items if isinstance(it, pg.ImageItem)]
    assert len(images) == min(24, int(page.counts[i, j])) and images[0].image.shape == (32, 32, 3)


def test_layer_monitor_follows_the_dashboard(qtbot, lab):
    dash = lab.dashboard
    qtbot.waitUntil(lambda: dash.data is not None and dash.run_number >= 1, timeout=30000)
    page = lab.pages["monitor"]
    for _ in range(3):
        n = len(page.history)
        click(qtbot, dash.step_button)
        qtbot.waitUntil(lambda: len(page.history) > n, timeout=20000)
    page = open_tab(qtbot, lab, "monitor")
    rows = len(page.history)  # one per snapshot: the freshly built net's, then one per step
    assert rows >= 4 and len(curves(page.ridge_plot)) == rows  # weights of the first Linear
    choose(qtbot, page.quantity_combo, "Activations")
    assert len(curves(page.ridge_plot)) == rows - 1  # the fresh net has no activations yet
    ratio = curves(page.ratio_plot)
    assert len(ratio) == 2 and all(len(c.getData()[0]) == 3 for c in ratio)  # 2 weight matrices


def test_every_plot_exports(qtbot, lab, tmp_path):
    page = open_tab(qtbot, lab, "init")
    type_into(qtbot, page.width_spin, "50")
    wait_done(qtbot, page.runner)
    open_tab(qtbot, lab, "preprocess")
    wait_done(qtbot, lab.pages["preprocess"].runner)
    targets = lab.export_targets()
    for key, page in lab.pages.items():
        for name in page.export_targets():
            assert f"{page.title} - {name}" in targets
    for k, (name, target) in enumerate(targets.items()):
        if not name.startswith(tuple(p.title for p in lab.pages.values())):
            continue  # the dashboard's own plots are tested with the dashboard
        png = export_png(target, tmp_path / f"{k}.png")
        assert not QImage(str(png)).isNull(), name
        assert ET.parse(export_svg(target, tmp_path / f"{k}.svg")).getroot().tag.endswith("svg")
        if can_export_csv(target) and (not isinstance(target, pg.ImageItem) or target.image is not None):
            with open(export_csv(target, tmp_path / f"{k}.csv"), newline="") as fh:
                rows = list(csv.reader(fh))
            if name.endswith("activations"):
                assert len({r[0] for r in rows[1:]}) == 10  # one series per layer
    assert len(list(tmp_path.glob("*.png"))) >= 2 * len(lab.pages)


@pytest.mark.cifar
def test_preprocessing_on_cifar(qtbot, lab, cifar_path):
    lab.ctx.set_cifar_path(str(cifar_path))
    page = open_tab(qtbot, lab, "preprocess")
    wait_done(qtbot, page.runner)
    choose(qtbot, page.source_combo, "CIFAR-10")
    type_into(qtbot, page.images_spin, "300")
    click(qtbot, page.runner.run_button)
    wait_done(qtbot, page.runner)
    assert "300 examples, cifar10" in page.runner.status.text()
    assert sum(len(c.getData()[0]) for c in curves(page.pca_plot)) == 300
    means = [float(m) for m in page.runner.status.text().split("(R, G, B): ")[1].rstrip(".").split(", ")]
    assert 100 < means[0] < 150 and means[2] < means[0]  # CIFAR-10 is reddish-grey on average


def test_layer_monitor_ratio_curves_stay_bounded_and_keep_spikes(qtbot, lab, monkeypatch):
    """An hour of snapshots (about 5 a second) must not grow the ratio curves without end."""
    import dataclasses

    import visualdl.labs.practice.monitor_tab as monitor_tab

    monkeypatch.setattr(monitor_tab, "RATIOS_EXACT", 50)
    dash = lab.dashboard
    qtbot.waitUntil(lambda: dash.data is not None and dash._run >= 1, timeout=30000)
    n = len(lab.pages["monitor"].history)
    click(qtbot, dash.step_button)
    page = lab.pages["monitor"]
    qtbot.waitUntil(lambda: len(page.history) > n, timeout=20000)
    snap = lab.ctx.training_snapshot()
    names = [k for k in snap["update_ratios"] if k.endswith(".W")]
    for i in range(2, 1000):  # what the dashboard would send as training goes on
        ratios = {k: (0.5 if i == 77 else 1e-3 * (1 + i % 7)) for k in names}
        lab.ctx.set_training_snapshot(dataclasses.replace(snap, iteration=i, update_ratios=ratios))
    page = open_tab(qtbot, lab, "monitor")
    for name in names:
        its = [it for it, _ in page.ratios[name]]
        assert len(its) <= 100 and its == sorted(its) and its[-50:] == list(range(950, 1000))
        assert 77 in its and max(r for _, r in page.ratios[name]) == 0.5  # the spike is still drawn
    assert sorted(len(c.getData()[0]) for c in curves(page.ratio_plot)) == sorted(len(page.ratios[k]) for k in names)
