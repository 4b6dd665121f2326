"""Lab 6's live CNN tab, driven like a student: step, play, pick images, open a file, export, shut down."""
from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QFileDialog

from user import choose, click, type_into
from visualdl.engine.metrics import debiased_ema
from visualdl.engine.models import build_model
from visualdl.labs.cnn.live import LiveCnnTab, live_config
from visualdl.ui.context import AppContext
from visualdl.ui.export import can_export_csv, export_csv, export_png, export_svg
from visualdl.ui.settings import Settings
from visualdl.ui.worker import live_threads

SMALL = {"n_train": 256, "n_val": 32, "n_test": 16}


@pytest.fixture
def tab(qtbot, tmp_path):
    ctx = AppContext(Settings(tmp_path / "settings.ini"))
    tab = LiveCnnTab(ctx, builtin_params=SMALL)
    qtbot.addWidget(tab)
    tab.resize(1060, 680)
    tab.show()
    qtbot.waitUntil(lambda: tab.built and tab.view is not None, timeout=30000)
    yield tab
    tab.shutdown()
    ctx.shutdown()
    assert live_threads() == []


def step(qtbot, tab, n=1):
    """Click Step n times; wait until the views show the model after those steps."""
    target = len(tab.log) + n
    for _ in range(n):
        click(qtbot, tab.step_button)
    qtbot.waitUntil(lambda: len(tab.log) == target and tab.view["iteration"] == target, timeout=30000)


def expected_shapes(tab) -> dict:
    model = build_model(live_config(tab.preset.currentData()), tab.data.input_shape, tab.data.num_classes)
    from visualdl.engine.cnn.features import layer_names

    return dict(zip(layer_names(model), (row["output_shape"] for row in model.summary(tab.data.input_shape))))


def test_steps_update_filters_maps_and_curves(qtbot, tab):
    assert tab.data.name == "builtin" and len(tab.data.X_train) == SMALL["n_train"]
    before = tab.filter_view.rgb.copy()
    step(qtbot, tab, 3)
    # one tile per conv1 filter, each k x k
    conv1 = live_config("standard_cnn")["model"]["filters"][0]
    th, tw, cols, count = tab.filter_view.layout_info
    assert count == conv1 == 32 and (th, tw) == (3, 3)
    assert tab.filter_title.text().startswith("conv1: 32 filters 3×3×3 · iteration 3")
    assert not np.array_equal(before, tab.filter_view.rgb)  # training changed the filters
    # every drawn layer is labelled with the shape the real model gives it
    shapes = expected_shapes(tab)
    assert list(tab.grids) == ["conv1", "bn1", "relu1", "pool1", "conv2", "bn2", "relu2", "pool2", "fc1", "bn3",
                               "relu3"]
    for name, grid in tab.grids.items():
        assert f"{name}</b> {shapes[name]}" in grid.title.text()
        if len(shapes[name]) == 3:
            assert grid.maps.shape == shapes[name]
            assert grid.view.layout_info[3] == shapes[name][0]
    assert "signed" in tab.grids["conv1"].title.text() and "≥ 0" in tab.grids["relu1"].title.text()
    # curves: one loss point per step
    x, y = tab.curves.raw.getData()
    assert list(x) == [1, 2, 3] and np.isfinite(y).all()
    # and the accuracy plot shows the minibatches' accuracy at every step (on CIFAR-10 an epoch, the
    # first exact train/val point, takes ~390 steps)
    x, y = tab.curves.batch.getData()
    acc = tab.log.iterations["batch_acc"]
    assert list(x) == [1, 2, 3] and np.allclose(y, debiased_ema(acc, tab.log.smoothing)[0])
    assert ((0 <= y) & (y <= 1)).all()
    assert tab.status.text().startswith("Iteration 3 ·")


def test_play_pause_and_reset_to_the_same_start(qtbot, tab):
    initial = tab.filter_view.rgb.copy()
    click(qtbot, tab.play_button)
    assert tab.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: len(tab.log) >= 3 and tab.view["iteration"] >= 3, timeout=30000)
    click(qtbot, tab.play_button)
    assert tab.play_button.text() == "Play"
    click(qtbot, tab.reset_button)
    qtbot.waitUntil(lambda: len(tab.log) == 0 and tab.view["iteration"] == 0, timeout=30000)
    np.testing.assert_array_equal(tab.filter_view.rgb, initial)  # same seed, same first filters
    assert tab.curves.raw.getData()[0] is None or len(tab.curves.raw.getData()[0]) == 0


def test_test_accuracy_is_measured_and_training_goes_on(qtbot, tab):
    click(qtbot, tab.play_button)
    qtbot.waitUntil(lambda: len(tab.log) >= 1, timeout=30000)
    click(qtbot, tab.test_button)
    qtbot.waitUntil(lambda: tab.test_result.text().startswith("Test accuracy:"), timeout=30000)
    text = tab.test_result.text()
    assert " on 16 examples (iteration " in text
    shown = float(text.split(":")[1].split("%")[0]) / 100
    assert min(abs(shown - k / 16) for k in range(17)) < 1e-4  # a share of the 16 test images
    assert tab.play_button.text() == "Pause" and tab.test_button.isEnabled()
    n = len(tab.log)
    qtbot.waitUntil(lambda: len(tab.log) > n, timeout=30000)  # it resumed by itself
    click(qtbot, tab.play_button)


def test_views_are_gathered_only_while_the_tab_is_visible(qtbot, tab):
    step(qtbot, tab, 1)
    tab.hide()  # another tab of the lab (or another lab) is shown
    tab.toggle_play()  # what Space (the Run menu's shortcut) calls: the button is hidden with the tab
    qtbot.waitUntil(lambda: len(tab.log) >= 4, timeout=30000)
    assert tab.view["iteration"] == 1  # training goes on; nobody asked for the views
    tab.show()
    qtbot.waitUntil(lambda: tab.view["iteration"] >= 4, timeout=30000)
    click(qtbot, tab.play_button)
    assert tab.play_button.text() == "Play"


def test_picking_another_test_image_changes_the_maps(qtbot, tab):
    step(qtbot, tab, 1)
    first = tab.grids["conv1"].maps.copy()
    type_into(qtbot, tab.image_index, "5")
    qtbot.waitUntil(lambda: tab.view["tag"][:2] == ("test", 5), timeout=30000)
    assert not np.array_equal(first, tab.grids["conv1"].maps)
    names = tab.data.class_names
    assert tab.image_caption.text() == f"Test image 5 · true class: {names[tab.data.y_test[5]]}"
    click(qtbot, tab.next_button)
    qtbot.waitUntil(lambda: tab.view["tag"][:2] == ("test", 6), timeout=30000)
    assert tab.image_index.value() == 6
    click(qtbot, tab.prev_button)
    qtbot.waitUntil(lambda: tab.view["tag"][:2] == ("test", 5), timeout=30000)


def test_probability_bars_sum_to_one_with_the_true_class_marked(qtbot, tab):
    step(qtbot, tab, 2)
    type_into(qtbot, tab.image_index, "3")
    qtbot.waitUntil(lambda: tab.view["tag"][:2] == ("test", 3), timeout=30000)
    widths = np.asarray(tab.probs_plot.bars.opts["width"])
    assert len(widths) == 10 and widths.sum() == pytest.approx(1.0) and (widths >= 0).all()
    true = int(tab.data.y_test[3])
    marked = [i for i, text in tab.probs_plot.ticks if "(true)" in text]
    assert marked == [true]
    top = int(np.argmax(widths))
    assert tab.prediction.text() == f"Predicted: <b>{tab.data.class_names[top]}</b> ({widths[top]:.0%})"


def test_clicking_a_map_enlarges_it(qtbot, tab):
    grid = tab.grids["pool1"]
    rect = grid.view.tile_rect(3)
    click(qtbot, grid.view, pos=rect.center())
    assert tab.enlarged == ("pool1", 3)
    assert tab.big_title.text().startswith("pool1, map 4 of 32 (16×16)")
    big = tab.big_view.rgb
    assert big.shape == (16, 16, 3)
    mosaic = grid.view.rgb  # the small tile shows exactly the same colours
    r, c = divmod(3, grid.view.layout_info[2])
    np.testing.assert_array_equal(mosaic[r * 17:r * 17 + 16, c * 17:c * 17 + 16], big)
    assert grid.view.selected == 3 and tab.grids["conv1"].view.selected is None


def test_normalisation_is_a_visible_choice(qtbot, tab):
    step(qtbot, tab, 1)
    grid = tab.grids["conv2"]
    peaks = np.abs(grid.scaled).reshape(len(grid.scaled), -1).max(axis=1)
    assert np.allclose(peaks[peaks > 0], 1.0)  # per map: every map spans its full scale
    choose(qtbot, tab.normalise, "One scale for the whole layer")
    peaks = np.abs(tab.grids["conv2"].scaled).reshape(len(grid.scaled), -1).max(axis=1)
    assert peaks.max() == pytest.approx(1.0) and peaks.min() < 0.9  # weaker maps now look weaker


def _write_picture(path, fmt="PNG", w=64, h=48):
    image = QImage(w, h, QImage.Format.Format_RGB32)
    image.fill(QColor(20, 20, 120))
    p = QPainter(image)
    p.setBrush(QColor(230, 40, 40))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawEllipse(16, 8, 32, 32)
    p.end()
    assert image.save(str(path), fmt)
    return path


@pytest.mark.parametrize("fmt", ["PNG", "JPG"])
def test_your_own_image_is_resized_and_classified(qtbot, tab, tmp_path, monkeypatch, fmt):
    path = _write_picture(tmp_path / f"disc.{fmt.lower()}", fmt)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    click(qtbot, tab.open_button)
    qtbot.waitUntil(lambda: tab.view["tag"][0] == "file", timeout=30000)
    assert tab.own_original.shape == (48, 64, 3) and tab.own_image.shape == (32, 32, 3)
    centre = tab.own_image[16, 16].astype(int)  # the disc's centre, after the crop and resize
    assert np.abs(centre - (230, 40, 40)).max() <= (0 if fmt == "PNG" else 12)  # JPEG is lossy
    assert not tab.original_label.pixmap().isNull() and not tab.small_label.pixmap().isNull()
    assert tab.image_caption.text() == f"disc.{fmt.lower()}: 64×48 → centre square → 32×32 (right)"
    assert tab.view["label"] is None
    assert np.asarray(tab.probs_plot.bars.opts["width"]).sum() == pytest.approx(1.0)
    assert not any("(true)" in text for _, text in tab.probs_plot.ticks)
    assert tab.grids["conv1"].maps.shape == (32, 32, 32)
    # back to the test set with the arrows
    click(qtbot, tab.next_button)
    qtbot.waitUntil(lambda: tab.view["tag"][0] == "test", timeout=30000)


def test_a_file_that_is_not_an_image_is_refused(qtbot, tab, tmp_path, monkeypatch):
    path = tmp_path / "notes.png"
    path.write_text("these are my notes, not a picture")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    tag = tab.view["tag"]
    click(qtbot, tab.open_button)
    assert "notes.png is not an image" in tab.banner_text
    assert tab.own_image is None and tab.view["tag"] == tag


def test_toy_points_are_refused_with_an_offer_of_images(qtbot, tab):
    choose(qtbot, tab.dataset, "spiral")
    assert "A CNN needs images" in tab.banner_text and "Spiral" in tab.banner_text
    assert tab.use_builtin_button.isVisible()
    assert tab.data.name == "builtin"  # the model keeps training on images
    click(qtbot, tab.use_builtin_button)
    assert tab.dataset.currentData() == "builtin" and tab.banner_text == ""


def test_cifar_not_open_is_explained(qtbot, tab):
    choose(qtbot, tab.dataset, "cifar10")
    assert "CIFAR-10 is not open" in tab.banner_text and tab.use_builtin_button.isVisible()


def test_every_view_exports(qtbot, tab, tmp_path):
    step(qtbot, tab, 1)
    targets = tab.export_targets()
    assert {"CNN first-layer filters", "CNN loss", "CNN accuracy", "CNN class probabilities", "CNN feature maps",
            "CNN enlarged feature map", "CNN feature maps conv1"} <= set(targets)
    for i, (name, target) in enumerate(targets.items()):
        for fn, ext in ((export_png, "png"), (export_svg, "svg")):
            out = fn(target, tmp_path / f"{i}.{ext}")
            assert out.stat().st_size > 0, name
    export_csv(targets["CNN feature maps pool1"], tmp_path / "pool1.csv")
    rows = list(csv.reader(open(tmp_path / "pool1.csv")))
    assert rows[0][:3] == ["map", "row", "col0"] and len(rows) == 1 + 32 * 16
    assert float(rows[1 + 16 * 2 + 5][2 + 7]) == pytest.approx(float(tab.grids["pool1"].maps[2, 5, 7]))
    assert can_export_csv(targets["CNN class probabilities"])
    export_csv(targets["CNN class probabilities"], tmp_path / "p.csv")
    probs = [float(r[1]) for r in list(csv.reader(open(tmp_path / "p.csv")))[1:]]
    assert sum(probs) == pytest.approx(1.0)


def test_small_cnn_and_shutdown_leaves_no_thread(qtbot, tab):
    choose(qtbot, tab.preset, "small_cnn")
    qtbot.waitUntil(lambda: tab.view is not None and list(tab.grids) == ["conv1", "relu1", "pool1"], timeout=30000)
    assert tab.filter_view.layout_info[:2] == (5, 5)
    tab.shutdown()
    assert live_threads() == []  # the training job's thread (and any load's) has ended


def _table_rows(table):
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


@pytest.mark.parametrize("preset", ["standard_cnn", "small_cnn"])
def test_the_shape_table_is_the_live_models_own(qtbot, tab, preset):
    from visualdl.labs.cnn.stack_tab import shape_text

    if preset != tab.preset.currentData():
        choose(qtbot, tab.preset, preset)
        qtbot.waitUntil(lambda: tab.shapes.rows and tab.shapes.rows[0]["output_shape"][0]
                        == live_config(preset)["model"]["filters"][0] and tab.view["iteration"] == 0
                        and len(tab.view["layers"]) == len(tab.shapes.rows), timeout=30000)
    step(qtbot, tab, 1)
    click(qtbot, tab.right_tabs.tabBar(), pos=tab.right_tabs.tabBar().tabRect(1).center())
    assert tab.right_tabs.currentWidget() is tab.shapes and tab.shapes.table.isVisible()
    qtbot.waitUntil(lambda: tab.snapshot is not None and tab.snapshot.iteration == 1, timeout=30000)
    rows = _table_rows(tab.shapes.table)
    live = tab.view["layers"]  # the live model's real forward pass of one image
    params = tab.snapshot.params  # the live model's parameter arrays, "<layer index>.<name>"
    assert len(rows) == 1 + len(live) and rows[0][2] == shape_text(tab.data.input_shape)
    for i, (row, layer) in enumerate(zip(rows[1:], live)):
        real = sum(a.size for key, a in params.items() if key.split(".")[0] == str(i))
        assert row[0] == layer["name"]
        assert row[2] == shape_text(layer["output"].shape) == shape_text(layer["shape"]), layer["name"]
        assert int(row[3].replace(",", "")) == real, layer["name"]
    total = sum(a.size for a in params.values())
    assert f"Total: {total:,} parameters" in tab.shapes.total_label.text()
    assert tab.shapes.check_label.text() == (f"The live model's parameter arrays hold {total:,} numbers: "
                                             "the same as this table.")
    assert "CNN live model shapes" in tab.export_targets()


def test_choices_are_remembered_across_launches(qtbot, tmp_path):
    settings = tmp_path / "remember.ini"
    fake = tmp_path / "cifar-10-python.tar.gz"
    fake.write_bytes(b"not really CIFAR-10")

    def launch():
        ctx = AppContext(Settings(settings))
        tab = LiveCnnTab(ctx, builtin_params=SMALL)
        qtbot.addWidget(tab)
        tab.resize(1060, 680)
        tab.show()
        return ctx, tab

    def close(ctx, tab):
        tab.shutdown()
        ctx.shutdown()
        tab.close()
        assert live_threads() == []

    ctx, tab = launch()
    qtbot.waitUntil(lambda: tab._built, timeout=30000)
    assert (tab.dataset.currentData(), tab.preset.currentData(), tab.normalise.currentData()) == \
        ("builtin", "standard_cnn", "map")
    choose(qtbot, tab.preset, "small_cnn")
    choose(qtbot, tab.normalise, "One scale for the whole layer")
    qtbot.waitUntil(lambda: tab.view is not None and list(tab.grids) == ["conv1", "relu1", "pool1"], timeout=30000)
    close(ctx, tab)

    ctx, tab = launch()
    assert (tab.dataset.currentData(), tab.preset.currentData(), tab.normalise.currentData()) == \
        ("builtin", "small_cnn", "layer")
    qtbot.waitUntil(lambda: tab.view is not None and list(tab.grids) == ["conv1", "relu1", "pool1"], timeout=30000)
    peaks = np.abs(tab.grids["conv1"].scaled).reshape(32, -1).max(axis=1)
    assert peaks.min() < 0.99  # one scale for the layer: drawn as remembered
    # CIFAR-10 opened: chosen at once, and remembered while it stays open
    ctx.set_cifar_path(str(fake))
    assert tab.dataset.currentData() == "cifar10"
    qtbot.waitUntil(lambda: "Could not load" in tab.banner_text, timeout=30000)
    close(ctx, tab)

    ctx, tab = launch()
    assert tab.dataset.currentData() == "cifar10"
    qtbot.waitUntil(lambda: "Could not load" in tab.banner_text, timeout=30000)
    click(qtbot, tab.use_builtin_button)  # the built-in images, although CIFAR-10 is open
    qtbot.waitUntil(lambda: tab._built, timeout=30000)
    close(ctx, tab)

    ctx, tab = launch()
    assert ctx.cifar_path() == str(fake) and tab.dataset.currentData() == "builtin"
    qtbot.waitUntil(lambda: tab._built and tab.data.name == "builtin", timeout=30000)
    close(ctx, tab)
    fake.unlink()  # CIFAR-10 gone: a remembered choice of it falls back to the built-in images
    Settings(settings).set(LiveCnnTab.SETTINGS_KEY, {"dataset": "cifar10", "preset": "small_cnn"})
    ctx, tab = launch()
    assert tab.dataset.currentData() == "builtin" and tab.preset.currentData() == "small_cnn"
    qtbot.waitUntil(lambda: tab._built, timeout=30000)
    close(ctx, tab)
