"""The course's smaller demonstrations (issue 16, labs 1, 2, 4): numbers pinned, views opened through their controls."""
from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtWidgets import QTabWidget
from user import choose, click, type_into

from visualdl.data import load_dataset
from visualdl.engine.course import demos as cd
from visualdl.labs.backprop import BackpropLab
from visualdl.labs.knn import KnnLab
from visualdl.ui.app import create_window
from visualdl.ui.context import AppContext
from visualdl.ui.export import export_all
from visualdl.ui.settings import Settings

WAIT = 60000


# ---------------------------------------------------------------- engine numbers
def test_grid_counts_are_powers_and_3072_dimensions_is_a_power_of_ten():
    assert [cd.grid_points_needed(4, d) for d in (1, 2, 3)] == [4, 16, 64]
    mantissa, exponent = cd.scientific(cd.grid_points_needed(4, 3072))
    log = 3072 * math.log10(4)  # 1849.53...
    assert exponent == math.floor(log) == 1849
    assert mantissa == pytest.approx(10 ** (log - exponent), abs=1e-3)
    assert cd.scientific(64) == (6.4, 1)
    with pytest.raises(ValueError, match="0 points per axis"):
        cd.grid_points_needed(0, 3)


def test_relative_contrast_by_hand_and_concentration_with_dimension():
    # distances 1 and 2 from the query: (2 - 1) / 1
    assert cd.relative_contrast([[0.0], [3.0]], [[1.0]]).tolist() == [1.0]
    r = cd.concentration_random([2, 100, 3072], n_points=300, n_queries=10)
    assert r["mean"][0] > 5 * r["mean"][1] > 5 * r["mean"][2] / 2 and r["mean"][2] < 0.15
    images = load_dataset("builtin", n_train=300, n_val=0, n_test=0).X_train
    on_images = cd.concentration_images(images, sizes=(1, 4, 32), n_queries=10, n_points=280)
    assert on_images["dims"] == [3, 48, 3072] and on_images["mean"][0] > on_images["mean"][-1]


def test_pooling_averages_blocks():
    img = np.arange(4 * 4 * 3, dtype=float).reshape(1, 4, 4, 3)
    out = cd.pooled(img, 2).reshape(2, 2, 3)
    assert out[0, 0, 0] == np.mean([img[0, 0, 0, 0], img[0, 0, 1, 0], img[0, 1, 0, 0], img[0, 1, 1, 0]])


def test_knn_test_time_grows_with_the_training_set_and_linear_does_not_care():
    ticks = iter(range(10 ** 6))

    def clock():  # a fake clock: each call one tick, so the result is exact and fast
        return float(next(ticks))

    data = load_dataset("builtin", n_train=200, n_val=0, n_test=10)
    t = cd.knn_vs_linear_timing(data.X_train, data.y_train, data.X_test, [50, 200], clock=clock)
    assert t["sizes"] == [50, 200] and t["knn"].tolist() == [0.1, 0.1] and t["linear"].tolist() == [0.1, 0.1]
    real = cd.knn_vs_linear_timing(data.X_train, data.y_train, data.X_test, [50, 200])
    assert np.all(real["knn"] > 0) and np.all(real["linear"] > 0)


@pytest.mark.parametrize("name", list(cd.HARD_CASES))
def test_hard_cases_defeat_a_line_but_not_a_hidden_layer(name):
    X, y = cd.hard_case(name, n_points=200)
    assert X.shape == (200, 2) and set(np.unique(y)) == {0, 1}
    out = cd.linear_vs_hidden(X, y)
    assert out["linear_acc"] < 0.8 and out["hidden_acc"] > 0.95, out


def test_jacobian_sizes_bytes_and_the_diagonal():
    s = cd.jacobian_sizes(4096, 100)
    assert s["shape"] == (4096, 4096) and s["batch_shape"] == (409_600, 409_600)
    assert s["bytes"] == 67_108_864 and s["batch_bytes"] == 671_088_640_000
    assert cd.human_bytes(s["bytes"]) == "64 MiB" and cd.human_bytes(s["batch_bytes"]) == "625 GiB"
    x = np.array([1.5, -2.0, 0.0, 3.0, -0.5, 2.0])
    J = cd.relu_jacobian(x)
    assert np.array_equal(J, np.diag([1.0, 0, 0, 1, 0, 1]))
    g = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    assert np.array_equal(cd.relu_backward(x, g), J.T @ g)
    dx, dy = cd.vector_add_jacobians(2)
    assert np.array_equal(dx, np.eye(2)) and np.array_equal(dy, np.eye(2))


# ---------------------------------------------------------------- the views, through their controls
def _click_tab(qtbot, tabs: QTabWidget, index: int) -> None:
    bar = tabs.tabBar()
    click(qtbot, bar, pos=bar.tabRect(index).center())


@pytest.fixture
def knn(qtbot, tmp_path):
    ctx = AppContext(Settings(tmp_path / "settings.ini"))
    lab = KnnLab(ctx)
    qtbot.addWidget(lab)
    lab.resize(1076, 754)
    lab.show()
    qtbot.waitUntil(lambda: lab.regions_page.result is not None, timeout=WAIT)
    yield lab
    lab.shutdown()
    ctx.shutdown()


def test_curse_tab_counts_measures_times_and_exports(knn, qtbot, tmp_path):
    page = knn.curse_page
    _click_tab(qtbot, knn.tabs, knn.tabs.indexOf(page))
    choose(qtbot, page.dim_combo, "3")
    assert page.grid_count() == "4^3 = 64 points" and len(page.grid_scatter.data) == 64
    type_into(qtbot, page.points_spin, "3")
    assert page.grid_count() == "3^3 = 27 points"
    choose(qtbot, page.dim_combo, "3072 (CIFAR image)")
    type_into(qtbot, page.points_spin, "4")
    assert page.grid_count() == "4^3072 ≈ 3.38 × 10^1849 points"
    click(qtbot, page.distances_button)
    qtbot.waitUntil(lambda: page.concentration is not None, timeout=WAIT)
    xs, ys = page.random_curve.getData()
    assert len(ys) == len(page.concentration["random"]["dims"]) and ys[-1] < ys[0]
    click(qtbot, page.timing_button)
    qtbot.waitUntil(lambda: page.timing is not None and page.timing_button.isEnabled(), timeout=WAIT)
    _, knn_ms = page.knn_curve.getData()
    np.testing.assert_allclose(knn_ms, 1000 * page.timing["knn"])
    assert "ms per image" in page.status_label.text()
    written = export_all(page.export_targets(), tmp_path / "out")
    assert {p.name for p in written} >= {"test_time.png", "test_time.svg", "test_time.csv",
                                         "distance_concentration.csv", "curse_grid.png"}


def test_hard_case_buttons_show_the_linear_failure_and_link_to_lab_5(qtbot, tmp_path):
    ctx, window = create_window(tmp_path / "settings.ini")
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    lab = window.show_lab("linear")
    page = lab.page_2d
    qtbot.waitUntil(lambda: page.snap is not None, timeout=WAIT)
    click(qtbot, page.hard_buttons["islands"])
    qtbot.waitUntil(lambda: page.verdict is not None and len(page.snap["W"]) == 2, timeout=WAIT)
    X, y = cd.hard_case("islands", n_points=page.points_spin.value(), seed=page.seed_spin.value())
    want = cd.linear_vs_hidden(X, y)
    assert page.verdict == pytest.approx(want)
    text = page.verdict_label.text()
    assert f"{100 * want['linear_acc']:.1f}%" in text and f"{100 * want['hidden_acc']:.1f}%" in text
    assert not page.param_spins[2][0].isVisible() and page.param_spins[1][0].isVisible()
    assert page.run_button.isChecked()  # running: the student watches the line fail
    click(qtbot, page.run_button)
    click(qtbot, page.lab5_button)
    assert window.current_lab() is window.lab("neural_nets")
    window.close()


def test_jacobians_tab_sizes_matrix_and_export(qtbot, tmp_path):
    ctx = AppContext(Settings(tmp_path / "settings.ini"))
    lab = BackpropLab(ctx)
    qtbot.addWidget(lab)
    lab.resize(1076, 754)
    lab.show()
    page = lab.jacobian_page
    _click_tab(qtbot, lab.tabs, lab.tabs.indexOf(page))
    text = page.sizes_label.text()
    assert "4,096 × 4,096" in text and "64 MiB" in text and "409,600 × 409,600" in text and "625 GiB" in text
    type_into(qtbot, page.n_spin, "6")
    assert "6 × 6 = 36 numbers, 144 bytes" in page.sizes_label.text()
    type_into(qtbot, page.small_spin, "5")
    table = page.jacobian_table
    assert table.rowCount() == table.columnCount() == 5
    x = page.values["x"]
    for r in range(5):
        for c in range(5):
            assert float(table.item(r, c).text()) == (1.0 if r == c and x[r] > 0 else 0.0)
    before = x.copy()
    click(qtbot, page.new_x_button)
    assert not np.array_equal(page.values["x"], before)
    assert np.array_equal(page.values["by_matrix"], page.values["elementwise"])
    assert [page.add_dx.item(r, c).text() for r in range(2) for c in range(2)] == ["1", "0", "0", "1"]
    written = export_all({"Jacobians": page}, tmp_path / "out")
    rows = (tmp_path / "out" / "jacobians.csv").read_text().splitlines()
    assert rows[0].startswith("quantity,1,") and len(rows) == 1 + 4 + 5
    assert {p.suffix for p in written} == {".png", ".svg", ".csv"}
    lab.shutdown()
    ctx.shutdown()
