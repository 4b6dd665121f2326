"""Lab 6 (convolutional networks), headless: each tab driven through its real widgets."""
from __future__ import annotations

import csv
import sys
import types
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QWidget
from user import choose, click, trigger, type_into

from visualdl.engine.cnn import IMAGENET_TOP5, kernel_preset, to_grey
from visualdl.labs.cnn import CnnLab
from visualdl.labs.cnn.views import NEG, POS
from visualdl.ui.context import AppContext
from visualdl.ui.export import export_all
from visualdl.ui.settings import Settings

WAIT = 30000
RED = "#b00020"


@pytest.fixture
def ctx(tmp_path):
    context = AppContext(Settings(tmp_path / "settings.ini"))
    yield context
    context.shutdown()


@pytest.fixture
def lab(qtbot, ctx):
    widget = CnnLab(ctx)
    qtbot.addWidget(widget)
    widget.resize(1280, 760)
    widget.show()
    yield widget
    widget.shutdown()


def _open(qtbot, lab, page):
    lab.tabs.setCurrentWidget(page)  # as a click on the tab bar does
    qtbot.waitExposed(page)


def _loaded(qtbot, lab):
    _open(qtbot, lab, lab.filters_tab)
    qtbot.waitUntil(lambda: lab.filters_tab.data is not None, timeout=WAIT)
    return lab.filters_tab


# ------------------------------------------------------------------ conv arithmetic
@pytest.mark.parametrize("case, output, formula", [
    ("7x7, 3x3, stride 1", "Output volume: 5 × 5 × 1", "(7 − 3 + 2·0) / 1 + 1 = 5"),
    ("stride 2", "Output volume: 3 × 3 × 1", "(7 − 3 + 2·0) / 2 + 1 = 3"),
    ("stride 3, pad 1", "Output volume: 3 × 3 × 1", "(7 − 3 + 2·1) / 3 + 1 = 3"),
    ("32x32x3, 4 filters 5x5", "Output volume: 28 × 28 × 4", "(32 − 5 + 2·0) / 1 + 1 = 28"),
])
def test_course_case_buttons(lab, qtbot, case, output, formula):
    tab = lab.arith_tab
    click(qtbot, tab.case_buttons[case])
    assert tab.output_label.text().startswith(output)
    assert formula in tab.formula_label.text()
    assert RED not in tab.output_label.styleSheet()
    if case.startswith("32x32"):
        assert tab.params_label.text().endswith("= 4 × 76 = 304")
    ho = int(output.split(": ")[1].split(" ")[0])
    assert tab.output_view.values.shape == (ho, ho)


def test_stride_3_is_refused_in_red_with_the_numbers(lab, qtbot):
    tab = lab.arith_tab
    click(qtbot, tab.case_buttons["stride 3"])
    assert tab.output_label.text().startswith("Refused:")
    assert "(7 - 3 + 2*0) / 3 + 1 = 2.33" in tab.output_label.text()
    assert RED in tab.output_label.styleSheet()
    assert "columns 0-2, 3-5" in tab.formula_label.text() and "6-8" in tab.formula_label.text()
    assert not tab.step_button.isEnabled() and tab.output_view.values.size == 0


def test_typing_an_invalid_stride_shows_the_reason_then_recovers(lab, qtbot):
    tab = lab.arith_tab
    click(qtbot, tab.case_buttons["7x7, 3x3, stride 1"])
    type_into(qtbot, tab.stride_spin, "3")
    assert "Refused" in tab.output_label.text() and RED in tab.output_label.styleSheet()
    type_into(qtbot, tab.pad_spin, "1")
    assert tab.output_label.text().startswith("Output volume: 3 × 3 × 1")
    type_into(qtbot, tab.f_spin, "12")  # 12 > 7 + 2*1
    assert "larger than the padded input (7 + 2*1 = 9)" in tab.output_label.text()
    type_into(qtbot, tab.stride_spin, "0")  # not a positive stride: the box refuses it
    assert tab.stride_spin.value() >= 1
    type_into(qtbot, tab.f_spin, "3")
    type_into(qtbot, tab.depth_spin, "3")
    type_into(qtbot, tab.filters_spin, "10")
    assert tab.params_label.text().endswith("= 10 × 28 = 280")


def test_step_and_play_slide_the_filter(lab, qtbot):
    tab = lab.arith_tab
    click(qtbot, tab.case_buttons["stride 2"])
    for _ in range(4):
        click(qtbot, tab.step_button)
    assert tab.step_label.text() == "step 4 / 9"
    # 4th output cell of a 3x3 output with stride 2: row 1, column 0 -> input rows 2..4, columns 0..2
    assert tab.input_view.block == (2, 5, 0, 3)
    assert tab.output_view.outlined == {(1, 0)}
    assert int(tab.output_view.text_mask.sum()) == 4
    # what the grid shows adds up: receptive field · filter = the output cell = the written dot product
    r0, r1, c0, c1 = tab.input_view.block
    dot = float((tab.input_view.values[r0:r1, c0:c1] * tab.filter_view.values).sum())
    assert tab.output_view.values[1, 0] == dot
    assert tab.dot_label.text().startswith("out[1, 0] = ")
    assert f"= {int(dot)}  (bias 0)" in tab.dot_label.text()
    click(qtbot, tab.play_button)
    assert tab.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: tab.step_label.text() == "step 9 / 9", timeout=10000)
    qtbot.waitUntil(lambda: not tab.play_button.isChecked(), timeout=5000)  # stops at the end
    click(qtbot, tab.reset_button)
    assert tab.input_view.block is None and int(tab.output_view.text_mask.sum()) == 0
    click(qtbot, tab.end_button)
    assert tab.step_label.text() == "step 9 / 9" and tab.input_view.block == (4, 7, 4, 7)


def test_padding_is_drawn_as_zeros(lab, qtbot):
    tab = lab.arith_tab
    click(qtbot, tab.case_buttons["stride 3, pad 1"])
    grid = tab.input_view.values
    assert grid.shape == (9, 9)
    assert not grid[0].any() and not grid[:, -1].any()
    click(qtbot, tab.step_button)
    assert tab.dot_label.text().startswith("out[0, 0] = 0·")


# ------------------------------------------------------------------ layer shapes
def _table_row(table, first_cell):
    for r in range(table.rowCount()):
        if table.item(r, 0).text() == first_cell:
            return [table.item(r, c).text() for c in range(table.columnCount())]
    raise AssertionError(first_cell)


def test_stack_presets_in_the_table(lab, qtbot):
    tab = lab.stack_tab
    _open(qtbot, lab, tab)
    assert _table_row(tab.table, "2")[2] == "24 x 24 x 10"
    choose(qtbot, tab.preset_combo, "alexnet")
    row = _table_row(tab.table, "0")
    assert row[2] == "55 x 55 x 96" and row[4] == "34,944" and row[5] == "96 × (11·11·3 + 1)"
    assert "62,378,344 parameters" in tab.total_label.text()
    choose(qtbot, tab.preset_combo, "standard_cnn")
    assert "the same as this table" in tab.check_label.text()
    assert "1,071,498" in tab.check_label.text() and "1,071,498 parameters" in tab.total_label.text()
    choose(qtbot, tab.preset_combo, "lenet5")
    assert _table_row(tab.table, "6")[2] == "1 x 1 x 120" and tab.check_label.text() == ""


# ------------------------------------------------------------------ pooling
def test_pooling_course_example_and_editing(lab, qtbot):
    tab = lab.pool_tab
    _open(qtbot, lab, tab)
    assert tab.max_view.values.tolist() == [[6, 8], [3, 4]]
    assert tab.avg_view.values.tolist() == [[3.25, 5.25], [2, 2]]
    assert "2px solid black" in tab.value_boxes[1][1].styleSheet()  # the 6 is its window's max
    type_into(qtbot, tab.value_boxes[0][0], "9")
    assert tab.max_view.values[0, 0] == 9 and tab.avg_view.values[0, 0] == (9 + 1 + 5 + 6) / 4
    assert "max(9, 1, 5, 6) = 9" in tab.windows_label.text()
    assert "2px solid black" in tab.value_boxes[0][0].styleSheet()
    assert "2px solid black" not in tab.value_boxes[1][1].styleSheet()
    type_into(qtbot, tab.value_boxes[3][3], "5000")  # beyond the box's range: refused, not taken
    assert abs(tab.value_boxes[3][3].value()) <= 999


def test_pooling_a_real_feature_map(lab, qtbot):
    _loaded(qtbot, lab)
    tab = lab.pool_tab
    _open(qtbot, lab, tab)
    qtbot.waitUntil(lambda: tab.feature_map is not None, timeout=WAIT)
    fmap = tab.map_plot.values
    assert fmap.shape == (30, 30) and tab.map_max_plot.values.shape == (15, 15)
    assert tab.map_max_plot.values[2, 3] == fmap[4:6, 6:8].max()
    assert tab.map_avg_plot.values[2, 3] == pytest.approx(fmap[4:6, 6:8].mean())
    # a new kernel on the Filters tab is pooled here too
    _open(qtbot, lab, lab.filters_tab)
    choose(qtbot, lab.filters_tab.size_combo, 5)
    _open(qtbot, lab, tab)
    assert tab.map_plot.values.shape == (28, 28) and tab.map_max_plot.values.shape == (14, 14)


# ------------------------------------------------------------------ filters on an image
def test_kernels_on_a_builtin_image(lab, qtbot):
    tab = _loaded(qtbot, lab)
    img = tab.data.X_test[tab.index_spin.value()]
    grey = to_grey(img)
    choose(qtbot, tab.preset_combo, "identity")
    np.testing.assert_allclose(tab.pre_plot.values, grey[1:-1, 1:-1])
    choose(qtbot, tab.preset_combo, "box_blur")
    assert tab.pre_plot.values[0, 0] == pytest.approx(grey[0:3, 0:3].mean())
    choose(qtbot, tab.preset_combo, "sobel_y")
    k = [[b.value() for b in row[:3]] for row in tab.cells[:3]]
    assert k == kernel_preset("sobel_y").tolist()
    pre = tab.pre_plot.values
    np.testing.assert_array_equal(tab.post_plot.values, np.maximum(pre, 0))
    # colour scale: the largest value is full red, the most negative full blue, on a symmetric scale
    rgb = tab.pre_plot.image.image
    hi, lo = np.unravel_index(pre.argmax(), pre.shape), np.unravel_index(pre.argmin(), pre.shape)
    assert rgb[hi].tolist() == POS.astype(int).tolist() or abs(pre.min()) > pre.max()
    assert tab.pre_bar.hi == pytest.approx(np.abs(pre).max()) and tab.pre_bar.lo == -tab.pre_bar.hi
    if abs(pre.min()) >= pre.max():
        assert rgb[lo].tolist() == NEG.astype(int).tolist()
    assert tab.post_bar.kind == "grey" and tab.post_bar.hi == pytest.approx(pre.max())
    choose(qtbot, tab.norm_combo, "shared")
    assert tab.post_bar.hi == pytest.approx(np.abs(pre).max())


def test_editing_the_kernel_grid_and_size(lab, qtbot):
    tab = _loaded(qtbot, lab)
    grey = to_grey(tab.data.X_test[tab.index_spin.value()])
    choose(qtbot, tab.preset_combo, "identity")
    type_into(qtbot, tab.cells[1][1], "2")
    assert tab.preset_combo.currentData() == "custom"
    np.testing.assert_allclose(tab.pre_plot.values, 2 * grey[1:-1, 1:-1])
    assert "Sum of the weights = 2" in tab.sum_label.text()
    type_into(qtbot, tab.cells[0][0], "1000")  # beyond +-100: the box refuses it
    assert abs(tab.cells[0][0].value()) <= 100
    choose(qtbot, tab.size_combo, 5)
    assert tab.cells[4][4].isVisible() and tab.kernel().shape == (5, 5)
    assert tab.kernel()[2, 2] == 2  # the typed 3x3 moved to the centre
    assert tab.pre_plot.values.shape == (28, 28)
    choose(qtbot, tab.preset_combo, "gaussian")
    np.testing.assert_allclose(tab.kernel(), kernel_preset("gaussian", 5))
    choose(qtbot, tab.size_combo, 3)
    assert not tab.cells[4][4].isVisible()


def test_invalid_stride_on_the_image_is_refused(lab, qtbot):
    tab = _loaded(qtbot, lab)
    type_into(qtbot, tab.stride_spin, "2")  # (32 - 3) / 2 + 1 = 15.5
    assert tab.size_label.text().startswith("Refused:") and "15.50" in tab.size_label.text()
    assert RED in tab.size_label.styleSheet() and tab.pre is None
    assert lab.pool_tab.feature_map is None and RED in lab.pool_tab.map_label.styleSheet()
    type_into(qtbot, tab.pad_spin, "1")  # (32 - 3 + 2) / 2 + 1 = 16.5: still refused
    assert "16.50" in tab.size_label.text()
    choose(qtbot, tab.size_combo, 5)
    type_into(qtbot, tab.stride_spin, "3")  # (32 - 5 + 2) / 3 + 1 = 10.67
    type_into(qtbot, tab.pad_spin, "0")  # (32 - 5) / 3 + 1 = 10
    assert "= 10, so a 32x32 image gives a 10x10 feature map" in tab.size_label.text()
    assert tab.pre_plot.values.shape == (10, 10)


def test_colour_channel_and_summed_inputs(lab, qtbot):
    tab = _loaded(qtbot, lab)
    img = tab.data.X_test[tab.index_spin.value()].astype(float) / 255
    choose(qtbot, tab.preset_combo, "identity")
    choose(qtbot, tab.mode_combo, "g")
    np.testing.assert_allclose(tab.pre_plot.values, img[1:-1, 1:-1, 1])
    choose(qtbot, tab.mode_combo, "sum")
    np.testing.assert_allclose(tab.pre_plot.values, img[1:-1, 1:-1].sum(-1))


def test_cifar_choice_without_cifar_says_so(lab, qtbot):
    tab = _loaded(qtbot, lab)
    choose(qtbot, tab.source_combo, "cifar10")
    assert "CIFAR-10 is not open" in tab.status_label.text()


def test_cifar_image(lab, qtbot, ctx, cifar_path):
    ctx.set_cifar_path(str(cifar_path))
    tab = _loaded(qtbot, lab)
    choose(qtbot, tab.source_combo, "cifar10")
    qtbot.waitUntil(lambda: tab.data is not None and tab.data.name == "cifar10", timeout=WAIT)
    assert tab.class_label.text().startswith("class: ") and tab.pre_plot.values.shape == (30, 30)


# ------------------------------------------------------------------ ImageNet, export, live provision
def test_imagenet_bars(lab, qtbot):
    tab = lab.imagenet_tab
    _open(qtbot, lab, tab)
    heights = tab.bars.opts["height"]
    assert list(heights) == [e["top5_error"] for e in IMAGENET_TOP5]
    assert "Krizhevsky" in tab.caption.text() and "Russakovsky" in tab.caption.text()


def test_export_all_views(lab, qtbot, tmp_path):
    _loaded(qtbot, lab)
    for i in range(lab.tabs.count()):
        lab.tabs.setCurrentIndex(i)
        qtbot.waitExposed(lab.tabs.widget(i))
    targets = lab.export_targets()
    pages = (lab.arith_tab, lab.stack_tab, lab.pool_tab, lab.filters_tab, lab.imagenet_tab)
    own = [name for page in pages for name in page.export_targets()]
    assert len(own) == 15 and set(own) <= set(targets)
    written = export_all(targets, tmp_path)
    pngs = [p for p in written if p.suffix == ".png"]
    assert len(pngs) == len(targets)
    for p in pngs:
        assert not QImage(str(p)).isNull(), p
    for p in written:
        if p.suffix == ".svg":
            assert ET.parse(p).getroot().tag.endswith("svg")
    with open(tmp_path / "max_pool_4x4_example.csv", newline="") as fh:
        assert [[float(v) for v in row] for row in csv.reader(fh)] == [[6, 8], [3, 4]]
    with open(tmp_path / "imagenet_top_5_error_by_year.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[2][:4] == ["2012", "AlexNet", "True", "16.4"] and "Krizhevsky" in rows[2][5]
    with open(tmp_path / "layer_shapes_table.csv", newline="") as fh:
        assert list(csv.reader(fh))[2][4] == "456"
    for widget in (lab.arith_tab.input_view, lab.pool_tab.max_view, lab.filters_tab.pre_plot,
                   lab.imagenet_tab.plot, lab.stack_tab.table):
        assert hasattr(widget, "_visualdl_export_menu")  # right-click Export PNG/SVG/CSV


class _FakeLive(QWidget):
    made: list = []

    def __init__(self, ctx):
        super().__init__()
        self.stopped = False
        _FakeLive.made.append(self)

    def export_targets(self):
        return {"Live filters": QLabel("x")}

    def shutdown(self):
        self.stopped = True


def test_live_tab_provision(qtbot, ctx, monkeypatch):
    module = types.ModuleType("visualdl.labs.cnn.live")
    module.LiveCnnTab = _FakeLive
    monkeypatch.setitem(sys.modules, "visualdl.labs.cnn.live", module)
    lab = CnnLab(ctx)
    qtbot.addWidget(lab)
    assert lab.tabs.tabText(lab.tabs.count() - 1) == "Live training"
    assert lab.live_tab is _FakeLive.made[-1]
    assert "Live filters" in lab.export_targets()
    lab.shutdown()
    assert lab.live_tab.stopped


def test_registered_and_opens_from_the_main_window(qtbot, tmp_path):
    from visualdl.labs import registered_labs
    from visualdl.ui.app import create_window

    spec = [s for s in registered_labs() if s.key == "cnn"][0]
    assert (spec.number, spec.title) == (6, "Convolutional networks")
    ctx, window = create_window(tmp_path / "s.ini", "cnn")
    qtbot.addWidget(window)
    window.show()
    try:
        lab = window.current_lab()
        assert isinstance(lab, CnnLab)
        click(qtbot, lab.arith_tab.case_buttons["stride 2"])
        trigger(window, "Run", "Step")  # the Run menu (Right / N) steps the animation
        trigger(window, "Run", "Step")
        assert lab.arith_tab.step_label.text() == "step 2 / 9"
        trigger(window, "Run", "Reset")
        assert lab.arith_tab.input_view.block is None
        lab.tabs.setCurrentWidget(lab.imagenet_tab)
        trigger(window, "Run", "Step")  # nothing to step there: said, not crashed
        assert "nothing to run" in window.statusBar().currentMessage()
    finally:
        window.current_lab().shutdown()
        ctx.shutdown()


def test_opening_cifar_switches_the_image_source(lab, qtbot, ctx, cifar_path):
    tab = _loaded(qtbot, lab)
    assert tab.source_combo.currentData() == "builtin"
    ctx.set_cifar_path(str(cifar_path))  # what File > Open CIFAR-10 archive does
    assert tab.source_combo.currentData() == "cifar10"
    qtbot.waitUntil(lambda: tab.data is not None and tab.data.name == "cifar10", timeout=WAIT)
    assert tab.data.class_names[0] == "airplane"


def test_nothing_loads_before_an_image_tab_opens_and_cifar_is_preferred(qtbot, tmp_path, cifar_path):
    settings = Settings(tmp_path / "s.ini")
    context = AppContext(settings)
    context.set_cifar_path(str(cifar_path))
    widget = CnnLab(context)
    qtbot.addWidget(widget)
    try:
        assert widget.filters_tab.source_combo.currentData() == "cifar10"
        assert widget.filters_tab.load_job.job is None  # nothing loaded at start-up
        widget.show()
        tab = _loaded(qtbot, widget)
        assert tab.data.name == "cifar10"
    finally:
        widget.shutdown()
        context.shutdown()
