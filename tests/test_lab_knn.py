"""Lab 1 (nearest neighbours), headless: every control drives what is drawn, checked against the engine."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from visualdl.data import load_dataset
from visualdl.engine.classifiers import KNearestNeighbor, cross_validate_k
from visualdl.engine.pixel_distance import pixel_distance_demo
from visualdl.labs.knn import KnnLab
from visualdl.labs.knn.jobs import fit_linear_2d
from visualdl.labs.common.plots import REGION_COLORS, color_class, is_tie_color
from visualdl.ui.context import AppContext
from visualdl.ui.export import export_all
from visualdl.ui.settings import Settings

WAIT = 30000


@pytest.fixture
def lab(qtbot, tmp_path):
    ctx = AppContext(Settings(tmp_path / "settings.ini"))
    widget = KnnLab(ctx)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    page = widget.regions_page
    qtbot.waitUntil(lambda: page.result is not None and not page.busy(), timeout=WAIT)
    yield widget
    widget.shutdown()
    ctx.shutdown()


def _wait_regions(qtbot, page):
    qtbot.waitUntil(lambda: not page.busy(), timeout=WAIT)


def _cells(result, n=60, seed=0):
    """n random grid cells: (rows, cols, centre points (n, 2))."""
    grid = result["grid"]
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, grid.shape[0], n)
    cols = rng.integers(0, grid.shape[1], n)
    return rows, cols, np.stack([grid.xs[cols], grid.ys[rows]], 1).astype(np.float32)


def _check_heatmap_against_predict(page, k, metric):
    d = page.data
    knn = KNearestNeighbor(k, metric).fit(d.X_train, d.y_train)
    _, _, points = _cells(page.result)
    pred = knn.predict(points)
    votes = knn.votes(points)
    tied = (votes == votes.max(1, keepdims=True)).sum(1) > 1
    for p, label, tie in zip(points, pred, tied):
        rgb = page.knn_plot.rgb_at(*p)
        if tie:
            assert is_tie_color(rgb)
        else:
            assert color_class(rgb) == label


def test_heatmap_colour_is_predict_for_each_k_and_metric(lab, qtbot):
    page = lab.regions_page
    _check_heatmap_against_predict(page, 1, "l2")
    page.k_slider.setValue(7)  # the slider drives the spin box
    assert page.k == 7
    _check_heatmap_against_predict(page, 7, "l2")
    page.metric_combo.setCurrentIndex(page.metric_combo.findData("l1"))
    qtbot.waitUntil(lambda: page.result["metric"] == "l1" and not page.busy(), timeout=WAIT)
    _check_heatmap_against_predict(page, 7, "l1")
    page.k_spin.setValue(50)
    _check_heatmap_against_predict(page, 50, "l1")


def test_tied_votes_are_drawn_as_ties(lab, qtbot):
    page = lab.regions_page
    page.k_spin.setValue(2)  # two neighbours of different classes tie
    labels, tie = page.result["regions"].regions(2)
    assert tie.any()
    rows, cols = np.nonzero(tie)
    grid = page.result["grid"]
    d = page.data
    knn = KNearestNeighbor(2, "l2").fit(d.X_train, d.y_train)
    for r, c in list(zip(rows, cols))[:40]:
        point = np.array([[grid.xs[c], grid.ys[r]]], np.float32)
        votes = knn.votes(point)[0]
        assert (votes == 1).sum() == 2  # really a 1-1 vote
        assert is_tie_color(page.knn_plot.image.image[r, c])
    assert f"tied cells {int(tie.sum())}" in page.knn_acc.text()


def test_accuracies_of_knn_and_linear_are_the_engines(lab, qtbot):
    page = lab.regions_page
    page.k_spin.setValue(5)
    d = page.data
    knn = KNearestNeighbor(5, "l2").fit(d.X_train, d.y_train)
    train = np.mean(knn.predict(d.X_train) == d.y_train)
    val = np.mean(knn.predict(d.X_val) == d.y_val)
    assert f"train {100 * train:.1f}%" in page.knn_acc.text()
    assert f"validation {100 * val:.1f}%" in page.knn_acc.text()
    linear = fit_linear_2d(d.X_train, d.y_train, d.num_classes)
    assert f"train {100 * linear.accuracy(d.X_train, d.y_train):.1f}%" in page.linear_acc.text()
    assert f"validation {100 * linear.accuracy(d.X_val, d.y_val):.1f}%" in page.linear_acc.text()
    _, _, points = _cells(page.result)
    for p, label in zip(points, linear.predict(points)):
        np.testing.assert_array_equal(page.linear_plot.rgb_at(*p), REGION_COLORS[label])


def _click(qtbot, plot, x, y, modifier=Qt.KeyboardModifier.NoModifier):
    scene_pos = plot.getPlotItem().vb.mapViewToScene(QPointF(x, y))
    widget_pos = plot.mapFromScene(scene_pos)
    qtbot.mouseMove(plot.viewport(), widget_pos)
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, modifier, widget_pos)


def test_click_adds_a_point_and_shift_click_removes_it(lab, qtbot):
    page = lab.regions_page
    n = len(page.data.y_train)
    grid = page.result["grid"]
    (x0, x1), (y0, y1) = page.knn_plot.getPlotItem().vb.viewRange()
    # the whole grid is in view
    assert x0 <= grid.xs[0] and grid.xs[-1] <= x1 and y0 <= grid.ys[0] and grid.ys[-1] <= y1
    x, y = float(grid.xs[10]), float(grid.ys[12])
    page.click_class.setCurrentIndex(2)
    _click(qtbot, page.knn_plot, x, y)
    assert len(page.data.y_train) == n + 1
    assert page.data.y_train[-1] == 2
    np.testing.assert_allclose(page.data.X_train[-1], [x, y], atol=0.05 * (grid.xs[-1] - grid.xs[0]))
    _wait_regions(qtbot, page)
    # with k = 1 the cell under the new point now has its class
    assert color_class(page.knn_plot.rgb_at(*page.data.X_train[-1])) == 2
    assert len(page.knn_plot.train_scatter.data) == n + 1
    assert len(lab.cv_page.data.y_train) == n + 1  # the CV page follows the edits
    _click(qtbot, page.knn_plot, *page.data.X_train[-1], Qt.KeyboardModifier.ShiftModifier)
    assert len(page.data.y_train) == n
    _wait_regions(qtbot, page)
    _check_heatmap_against_predict(page, 1, "l2")


def test_moving_k_while_edited_points_are_being_voted_on(lab, qtbot):
    page = lab.regions_page
    old = page.result
    page.add_point(0.0, 0.0, 1)
    assert page.busy()
    page.k_spin.setValue(3)  # drawn from the previous votes, scored against their own labels
    assert page.result is old and "k=3" in page.knn_acc.text()
    _wait_regions(qtbot, page)
    assert page.result is not old
    _check_heatmap_against_predict(page, 3, "l2")


def test_generate_and_split_controls(lab, qtbot):
    page = lab.regions_page
    page.set_combo.setCurrentIndex(page.set_combo.findData("blobs"))
    page.classes_spin.setValue(4)
    page.points_spin.setValue(200)
    page.val_spin.setValue(0.25)
    page.test_spin.setValue(0.1)
    page.generate_button.click()
    qtbot.waitUntil(lambda: page.data.name == "blobs" and page.result is not None and not page.busy(), timeout=WAIT)
    d = page.data
    assert d.num_classes == 4
    assert (len(d.y_train), len(d.y_val), len(d.y_test)) == (130, 50, 20)
    assert page.click_class.count() == 4
    _check_heatmap_against_predict(page, 1, "l2")


def test_cross_validation_plot_and_test_set_once(lab, qtbot):
    cv = lab.cv_page
    lab.tabs.setCurrentWidget(cv)
    cv.ks_edit.setText("1, 3, 5, 9")
    cv.folds_spin.setValue(4)
    cv.run_button.click()
    qtbot.waitUntil(lambda: cv.cv_result is not None, timeout=WAIT)
    d = cv.data
    ref = cross_validate_k(d.X_train, d.y_train, [1, 3, 5, 9], folds=4)
    acc = np.array(ref["accuracies"])  # (ks, folds)
    xs, ys = cv.fold_scatter.getData()
    assert len(xs) == 4 * 4  # folds x ks points
    got = sorted(zip(xs.tolist(), ys.tolist()))
    want = sorted((float(k), float(a)) for j, k in enumerate([1, 3, 5, 9]) for a in acc[j])
    np.testing.assert_allclose(got, want)
    mx, my = cv.mean_curve.getData()
    np.testing.assert_allclose(my, ref["mean"])
    np.testing.assert_allclose(cv.error_bars.opts["height"], 2 * np.array(ref["std"]))
    bx, by = cv.best_marker.getData()
    assert bx.tolist() == [ref["best_k"]]
    assert cv.progress.value() == cv.progress.maximum() == 4
    # the test set: once, with the best k, on demand
    assert cv.test_button.isEnabled()
    # k was chosen with L2: the test set is scored with L2 even after the Distance box changed
    cv.metric_combo.setCurrentIndex(cv.metric_combo.findData("l1"))
    cv.test_button.click()
    assert not cv.test_button.isEnabled()
    qtbot.waitUntil(lambda: cv.test_result is not None, timeout=WAIT)
    assert cv.test_result["metric"] == "l2"
    knn = KNearestNeighbor(ref["best_k"]).fit(np.concatenate([d.X_train, d.X_val]),
                                              np.concatenate([d.y_train, d.y_val]))
    test_acc = np.mean(knn.predict(d.X_test) == d.y_test)
    assert f"{100 * test_acc:.1f}%" in cv.test_label.text()
    job = cv.test_job.job
    cv.score_test()  # a second request is refused
    assert cv.test_job.job is job and cv.test_result["acc"] == pytest.approx(test_acc)
    # new data: the old test score is gone, and the test set needs a new choice of k first
    lab.regions_page.add_point(0.0, 0.0, 0)
    assert cv.test_result is None and "looked at only once" in cv.test_label.text()
    assert not cv.test_button.isEnabled()


def test_cross_validation_on_the_images_of_the_images_page(lab, qtbot):
    cv = lab.cv_page
    lab.tabs.setCurrentWidget(cv)
    cv.source_combo.setCurrentIndex(cv.source_combo.findData("images"))
    # switching to images on this page loads them (the built-in set) in the background
    qtbot.waitUntil(lambda: lab.images_page.loading() or lab.images_page.data is not None, timeout=WAIT)
    lab.images_page.load_job.cancel()
    data = _small_images()
    lab.images_page.set_data(data)
    assert cv.data is data
    cv.ks_edit.setText("1, 2, 7")
    cv.folds_spin.setValue(3)
    cv.metric_combo.setCurrentIndex(cv.metric_combo.findData("l1"))
    cv.run_button.click()
    qtbot.waitUntil(lambda: cv.cv_result is not None, timeout=WAIT)
    ref = cross_validate_k(data.X_train, data.y_train, [1, 2, 7], folds=3, metric="l1")
    xs, ys = cv.fold_scatter.getData()
    assert len(xs) == 3 * 3
    np.testing.assert_allclose(sorted(ys), sorted(np.ravel(ref["accuracies"])))
    np.testing.assert_allclose(cv.mean_curve.getData()[1], ref["mean"])
    # back to the toy points: the image results are cleared, the points are there again
    cv.source_combo.setCurrentIndex(cv.source_combo.findData("points"))
    assert cv.cv_result is None and cv.data is lab.regions_page.data
    assert len(cv.fold_scatter.getData()[0]) == 0


def test_cross_validation_rejects_bad_k_lists(lab):
    cv = lab.cv_page
    cv.ks_edit.setText("1, x")
    cv.run_button.click()
    assert "Invalid k: 'x'" in cv.summary.text()
    assert cv.job.job is None


def _small_images():
    return load_dataset("builtin", n_train=300, n_val=0, n_test=20, seed=1)


def test_image_neighbours_distances_labels_and_vote(lab, qtbot):
    page = lab.images_page
    page.set_data(_small_images())
    lab.tabs.setCurrentWidget(page)  # data already there: nothing else is loaded
    page.k_spin.setValue(4)
    page.index_spin.setValue(3)
    qtbot.waitUntil(lambda: page.neighbors is not None and page.neighbors["metric"] == "l2"
                    and len(page.neighbors["indices"]) == 4 and not page.job.is_running(), timeout=WAIT)
    d = page.data
    for metric in ("l2", "l1"):
        if metric == "l1":
            page.metric_combo.setCurrentIndex(page.metric_combo.findData("l1"))
            qtbot.waitUntil(lambda: page.neighbors["metric"] == "l1" and not page.job.is_running(), timeout=WAIT)
        knn = KNearestNeighbor(4, metric).fit(d.X_train, d.y_train)
        idx, dist = knn.neighbors(d.X_test[3:4], 4)
        np.testing.assert_array_equal(page.neighbors["indices"], idx[0])
        shown = [t for t in page.panel.tiles if t.isVisible()]
        assert len(shown) == 4
        for tile, i, dd in zip(shown, idx[0], dist[0]):
            assert d.class_names[d.y_train[i]] in tile.caption.text()
            assert f"d = {dd:.0f}" in tile.caption.text()
        pred = int(knn.predict(d.X_test[3:4])[0])
        assert f"predicted {d.class_names[pred]}" in page.panel.vote_label.text()
    # the pixel-distance demo of the same image
    qtbot.waitUntil(lambda: page.demo is not None and not page.demo_job.is_running(), timeout=WAIT)
    items = pixel_distance_demo(d.X_test[3])
    for tile, item in zip(page.demo_tiles[1:], items[1:]):
        assert f"L2 = {item['distance']:.0f}" in tile.caption.text()
    assert page.demo["n"] == 300
    farthest = max(it["distance"] for it in items[1:])
    dists = np.linalg.norm(d.X_train.reshape(300, -1).astype(float) - d.X_test[3].reshape(-1).astype(float), axis=1)
    assert page.demo["closer"] == int((dists < farthest).sum())
    assert page.demo["closer_other"] == int(((dists < farthest) & (d.y_train != d.y_test[3])).sum())
    assert page.demo["nearest_train"] == pytest.approx(dists.min())
    assert f"{page.demo['closer']} of the 300 training images are closer" in page.demo_note.text()


def test_a_tied_image_vote_says_so(lab, qtbot):
    page = lab.images_page
    data = _small_images()
    votes = KNearestNeighbor(2).fit(data.X_train, data.y_train).votes(data.X_test, 2)
    tied = np.flatnonzero(votes.max(1) == 1)  # two neighbours of two classes
    untied = np.flatnonzero(votes.max(1) == 2)
    assert tied.size and untied.size
    page.set_data(data)
    page.k_spin.setValue(2)
    for i, want in ((tied[0], True), (untied[0], False)):
        page.index_spin.setValue(int(i))
        qtbot.waitUntil(lambda: page.neighbors is not None and not page.job.is_running(), timeout=WAIT)
        assert ("Tied vote" in page.panel.vote_label.text()) is want


def test_random_image_button_picks_a_test_image(lab, qtbot):
    page = lab.images_page
    page.set_data(_small_images())
    seen = set()
    for _ in range(8):
        page.random_button.click()
        seen.add(page.index_spin.value())
    assert len(seen) > 1 and max(seen) < 20
    qtbot.waitUntil(lambda: page.neighbors is not None and not page.job.is_running(), timeout=WAIT)
    assert f"test #{page.index_spin.value()}:" in page.panel.query_tile.caption.text()


def test_export_every_plot(lab, qtbot, tmp_path):
    lab.images_page.set_data(_small_images())
    qtbot.waitUntil(lambda: lab.images_page.neighbors is not None, timeout=WAIT)
    written = export_all(lab.export_targets(), tmp_path / "out")
    names = {p.name for p in written}
    for base in ("knn_regions", "linear_regions", "cross_validation", "nearest_images", "pixel_distance"):
        assert f"{base}.png" in names and f"{base}.svg" in names
        assert ET.parse(tmp_path / "out" / f"{base}.svg").getroot().tag.endswith("svg")
    assert "knn_regions.csv" in names and "nearest_images.csv" in names and "pixel_distance.csv" in names
    assert (tmp_path / "out" / "nearest_images.csv").read_text().startswith("rank,label,distance")
    qtbot.waitUntil(lambda: lab.images_page.demo is not None, timeout=WAIT)
    export_all(lab.export_targets(), tmp_path / "again")
    rows = (tmp_path / "again" / "pixel_distance.csv").read_text().splitlines()
    assert rows[0] == "image,edit,l2_distance" and rows[2].startswith("shifted,")
    assert float(rows[2].split(",")[-1]) == lab.images_page.demo["items"][1]["distance"]


@pytest.mark.cifar
def test_cifar_neighbours(lab, qtbot, cifar_path):
    page = lab.images_page
    lab.ctx.set_cifar_path(str(cifar_path))
    page.source_combo.setCurrentIndex(page.source_combo.findData("cifar10"))
    page.train_spin.setValue(2000)
    page.k_spin.setValue(3)
    page.load_button.click()
    qtbot.waitUntil(lambda: page.data is not None and page.data.name == "cifar10", timeout=120000)
    qtbot.waitUntil(lambda: page.neighbors is not None and not page.job.is_running(), timeout=WAIT)
    d = page.data
    assert len(d.y_train) == 2000
    i = page.index_spin.value()
    idx, dist = KNearestNeighbor(3).fit(d.X_train, d.y_train).neighbors(d.X_test[i:i + 1], 3)
    np.testing.assert_array_equal(page.neighbors["indices"], idx[0])
    np.testing.assert_allclose(page.neighbors["distances"], dist[0])
