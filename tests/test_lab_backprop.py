"""The backprop lab: layout and stepping state (no Qt), then the widget with pytest-qt."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from user import choose

from visualdl.engine import autograd as ag
from visualdl.engine.expr import parse, parse_value
from visualdl.labs.backprop.layout import PRESETS, BackpropSession, layout, network_boxes


def _preset(title_start):
    return next(p for p in PRESETS if p.title.startswith(title_start))


# ---------------------------------------------------------------- presets through the session
def test_presets_reproduce_the_course_numbers():
    circuit = BackpropSession.from_preset(_preset("Circuit"))
    names = {n.label: n for n in circuit.trace.nodes}
    assert float(names["q"].value) == 3 and float(names["f"].value) == -12
    assert {k: float(names[k].grad) for k in "xyz"} == {"x": -4, "y": -4, "z": 3}

    neuron = BackpropSession.from_preset(_preset("Sigmoid neuron"))
    names = {n.label: n for n in neuron.trace.nodes}
    assert round(float(names["f"].value), 2) == 0.73
    hand = {"w0": -0.20, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.20}
    assert {k: round(float(names[k].grad), 2) for k in hand} == hand

    matrix = BackpropSession.from_preset(_preset("Matrix"))
    names = {n.label: n for n in matrix.trace.nodes}
    np.testing.assert_allclose(names["q"].value, [0.22, 0.26], atol=1e-12)
    assert float(names["f"].value) == pytest.approx(0.116, abs=1e-12)
    np.testing.assert_allclose(names["W"].grad, [[0.088, 0.176], [0.104, 0.208]], atol=1e-12)
    np.testing.assert_allclose(names["x"].grad, [-0.112, 0.636], atol=1e-12)


@pytest.mark.parametrize("preset", PRESETS, ids=[p.title for p in PRESETS])
def test_every_preset_passes_the_numerical_gradient_check(preset):
    rows = BackpropSession.from_preset(preset).gradient_check()
    assert [r.name for r in rows] == list(preset.values)
    assert all(r.rel_error < 1e-7 for r in rows), rows


def test_gate_patterns_preset_matches_lecture_numbers():
    # f = 2 (x y + max(z, w)), x=3, y=-4, z=2, w=-1: mul swaps, max routes, add distributes
    s = BackpropSession.from_preset(_preset("Gate patterns"))
    names = {n.label: n for n in s.trace.nodes}
    assert float(names["f"].value) == -20
    assert {k: float(names[k].grad) for k in "xyzw"} == {"x": -8, "y": 6, "z": 2, "w": 0}


# ---------------------------------------------------------------- layout
def test_layout_puts_inputs_left_and_each_op_right_of_its_inputs():
    s = BackpropSession.from_preset(_preset("Sigmoid neuron"))
    pos = s.layout
    nodes = s.trace.nodes
    assert all(pos[n.index][0] == 0 for n in nodes if n.kind == "input")
    for src, dst, _ in s.trace.edges:
        assert pos[src][0] < pos[dst][0]
    root = nodes[-1].index
    assert pos[root][0] == max(c for c, _ in pos.values())
    # longest path: w0*x0 is column 1, the sums 2 and 3, then neg, exp, +1, 1/x
    assert pos[root][0] == 7
    # no two nodes share a spot
    spots = [(c, round(r, 3)) for c, r in pos.values()]
    assert len(spots) == len(set(spots))


def test_layout_centres_an_op_on_its_inputs():
    tr = ag.trace(parse("q = x + y; f = q * z").evaluate({"x": 1, "y": 2, "z": 3}).root)
    pos = layout(tr)
    row = {n.label: pos[n.index][1] for n in tr.nodes}
    assert row["q"] == pytest.approx((row["x"] + row["y"]) / 2)
    assert row["f"] == pytest.approx((row["q"] + row["z"]) / 2)


# ---------------------------------------------------------------- stepping state
def test_session_steps_forward_then_backward_and_undoes():
    s = BackpropSession.from_preset(_preset("Circuit"))
    label = {n.index: n.label for n in s.trace.nodes}
    s.reset()
    state = s.state()
    assert state.phase == "start" and state.current is None and state.grads == {}
    assert sorted(label[i] for i in state.values) == ["x", "y", "z"]  # inputs are given
    assert not s.step_backward()  # no backward before the forward pass is done
    seen = []
    while s.step_forward():
        seen.append(label[s.state().current.node])
    assert seen == ["q", "f"]
    assert sorted(label[i] for i in s.state().values) == ["f", "q", "x", "y", "z"]
    back = []
    while s.step_backward():
        st = s.state()
        back.append(label[st.current.node])
        assert st.current.node in st.grads
    assert back[0] == "f" and back.index("q") < back.index("x") and back.index("q") < back.index("y")
    assert s.state().phase == "done"
    assert s.undo() and s.state().phase == "backward"


def test_set_value_recomputes_and_keeps_the_position():
    s = BackpropSession.from_preset(_preset("Circuit"))
    s.run_all()
    s.set_value("z", 2.0)
    names = {n.label: n for n in s.trace.nodes}
    assert float(names["f"].value) == 6.0 and float(names["x"].grad) == 2.0
    assert s.position == s.total_steps
    with pytest.raises(KeyError, match="Unknown variable 'nope'"):
        s.set_value("nope", 1.0)


def test_bad_value_is_refused_and_the_old_one_kept():
    s = BackpropSession("f = log(x)", {"x": 2.0})
    with pytest.raises(ValueError, match="positive"):
        s.set_value("x", -1.0)
    assert float(s.values["x"]) == 2.0


# ---------------------------------------------------------------- network boxes
def _snapshot():
    stats = {"act_mean": 0.5, "act_std": 1.25, "act_norm": 12.0, "grad_mean": -1e-4, "grad_std": 0.01,
             "grad_norm": 0.2}
    return {"iteration": 7, "epoch": 0.5, "config": {"loss": "softmax"}, "last": {"loss": 1.0986},
            "layers": [
                {"index": 0, "name": "Linear(2 -> 100)", "type": "Linear", "output_shape": (100,), "params": 300,
                 **stats},
                {"index": 1, "name": "ReLU()", "type": "ReLU", "output_shape": (100,), "params": 0, **stats},
                {"index": 2, "name": "Linear(100 -> 3)", "type": "Linear", "output_shape": (3,), "params": 303,
                 **{k: None for k in stats}},
            ]}


def test_network_boxes_show_shapes_and_stats():
    boxes = network_boxes(_snapshot())
    assert [b.title for b in boxes] == ["input", "Linear(2 -> 100)", "ReLU()", "Linear(100 -> 3)", "softmax loss"]
    assert boxes[1].lines[:2] == ["out 100", "300 params"]
    text = "\n".join(boxes[1].lines)
    assert "mean 0.5" in text and "std  1.25" in text and "norm 12" in text and "norm 0.2" in text
    assert "(no step yet)" in "\n".join(boxes[3].lines)
    assert "loss 1.099" in boxes[-1].lines
    assert network_boxes(None) == []


# ---------------------------------------------------------------- the widget
class FakeContext:
    """The part of AppContext the lab uses, without the worker thread."""

    def __init__(self):
        from PySide6.QtCore import QObject, Signal

        class Signals(QObject):
            training_snapshot_changed = Signal(object)

        self._signals = Signals()
        self.training_snapshot_changed = self._signals.training_snapshot_changed
        self.snapshot = None
        self.messages = []

    def training_snapshot(self):
        return self.snapshot

    def status(self, message, source=None):  # AppContext.status's signature (the lab is never hidden here)
        self.messages.append(message)


@pytest.fixture
def lab(qtbot):
    from visualdl.labs.backprop import BackpropLab

    ctx = FakeContext()
    widget = BackpropLab(ctx)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    return widget


def test_lab_is_registered():
    from visualdl.labs import registered_labs

    spec = next(s for s in registered_labs() if s.key == "backprop")
    assert (spec.number, spec.title) == (4, "Backpropagation")
    assert spec.load().__name__ == "BackpropLab"


def test_stepping_highlights_nodes_and_shows_the_rule(lab, qtbot):
    from PySide6.QtCore import Qt

    qtbot.mouseClick(lab.reset_button, Qt.MouseButton.LeftButton)
    assert lab.scene.current_node is None
    assert not lab.backward_button.isEnabled()
    qtbot.mouseClick(lab.forward_button, Qt.MouseButton.LeftButton)
    label = {n.index: n.label for n in lab.session.trace.nodes}
    assert label[lab.scene.current_node] == "q"
    assert "= (-2) + 5" in lab.rule_text.toPlainText()
    qtbot.mouseClick(lab.forward_button, Qt.MouseButton.LeftButton)
    assert not lab.forward_button.isEnabled() and lab.backward_button.isEnabled()
    qtbot.mouseClick(lab.backward_button, Qt.MouseButton.LeftButton)
    assert label[lab.scene.current_node] == "f"
    qtbot.mouseClick(lab.backward_button, Qt.MouseButton.LeftButton)
    assert label[lab.scene.current_node] == "z"
    assert "total df/dz = 3" in lab.rule_text.toPlainText()
    qtbot.mouseClick(lab.backward_button, Qt.MouseButton.LeftButton)
    assert label[lab.scene.current_node] == "q"
    rule = "x: local dq/dx = 1\n   df/dx = local × upstream\n      = 1 × (-4)\n      = -4"
    assert rule in lab.rule_text.toPlainText()
    qtbot.mouseClick(lab.undo_button, Qt.MouseButton.LeftButton)
    assert label[lab.scene.current_node] == "z"
    qtbot.mouseClick(lab.run_button, Qt.MouseButton.LeftButton)
    assert lab.session.position == lab.session.total_steps and not lab.run_button.isEnabled()


def _scene_texts(scene):
    from PySide6.QtWidgets import QGraphicsSimpleTextItem

    return [item.text() for item in scene.items() if isinstance(item, QGraphicsSimpleTextItem)]


def test_editing_a_value_recomputes_the_graph(lab):
    lab.session.run_all()
    lab.editors["z"].setValue(2.0)  # spin box -> session.set_value -> redraw
    names = {n.label: n for n in lab.session.trace.nodes}
    assert float(names["f"].value) == 6.0
    assert float(names["x"].grad) == 2.0
    texts = _scene_texts(lab.scene)
    assert "6" in texts and "∂ 2" in texts


def test_typing_an_expression_rebuilds_and_a_typo_shows_the_position(lab):
    lab.expr_edit.setText("f = a * b + a")
    lab.expr_edit.textEdited.emit("f = a * b + a")
    assert lab.session.program.inputs == ["a", "b"]
    assert set(lab.editors) == {"a", "b"}
    lab.expr_edit.textEdited.emit("f = a * * b")
    assert lab.error_label.isVisibleTo(lab)
    assert lab.error_label.text().splitlines()[-1] == " " * 8 + "^"
    assert lab.session.program.inputs == ["a", "b"]  # the last good graph stays


def test_preset_picker_and_array_editor(lab, qtbot):
    index = next(i for i, p in enumerate(PRESETS) if p.title.startswith("Matrix"))
    choose(qtbot, lab.preset_box, PRESETS[index].title)
    assert lab.expr_edit.text() == PRESETS[index].text
    lab.editors["x"].setText("[1, 0]")
    lab.editors["x"].editingFinished.emit()
    names = {n.label: n for n in lab.session.trace.nodes}
    np.testing.assert_allclose(names["q"].value, [0.1, -0.3])  # first column of W
    lab.editors["x"].setText("[1, 0")
    lab.editors["x"].editingFinished.emit()
    assert "']' or ','" in lab.error_label.text()


def test_gradient_check_fills_the_table(lab, qtbot):
    choose(qtbot, lab.preset_box, _preset("Sigmoid neuron").title)
    lab.check_button.click()
    table = lab.check_table
    rows = {table.item(r, 0).text(): [table.item(r, c).text() for c in (1, 2, 3)] for r in range(table.rowCount())}
    assert list(rows) == ["w0", "x0", "w1", "x1", "w2"]
    assert rows["x1"][0] == "-0.5898" and rows["x1"][1] == "-0.5898"
    assert all(float(v[2]) < 1e-7 for v in rows.values())
    assert "worst relative error" in lab.ctx.messages[-1]


def test_export_png_and_svg(lab, tmp_path):
    from PySide6.QtGui import QImage

    from visualdl.ui.export import export_png, export_svg

    targets = lab.export_targets()
    png = export_png(targets["Backprop graph"], tmp_path / "graph.png")
    image = QImage(str(png))
    assert image.width() > 300 and image.height() > 100
    svg = export_svg(targets["Backprop graph"], tmp_path / "graph.svg")
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    svg_text = svg.read_text(encoding="utf-8")
    assert "-12" in svg_text and "q = +" in svg_text  # the node texts are in the vector file
    net = export_svg(targets["Training network"], tmp_path / "net.svg")
    assert ET.parse(net).getroot().tag.endswith("svg")


def test_network_tab_follows_the_training_snapshot(lab):
    assert lab.net_scene.box_count == 0
    assert any("No network yet" in t for t in _scene_texts(lab.net_scene))
    lab.ctx.training_snapshot_changed.emit(_snapshot())
    assert lab.net_scene.box_count == 5
    texts = _scene_texts(lab.net_scene)
    assert "Linear(2 -> 100)" in texts and "softmax loss" in texts
    assert "iteration 7" in lab.net_title.text()


def test_run_menu_hooks_step_play_and_reset(lab, qtbot):
    lab.reset_run()
    assert lab.session.position == 0
    lab.step_once()
    lab.step_once()
    lab.step_once()  # forward pass has 2 steps, so the third is the first backward step
    assert lab.session.state().phase == "backward"
    lab.play_timer.setInterval(5)
    lab.toggle_play()
    qtbot.waitUntil(lambda: not lab.play_timer.isActive(), timeout=3000)
    assert lab.session.state().phase == "done"
    lab.toggle_play()  # from the end, play starts over
    assert lab.session.position == 0 and lab.play_timer.isActive()
    lab.shutdown()
    assert not lab.play_timer.isActive()


def test_network_boxes_wrap_into_rows_when_long(lab):
    snap = _snapshot()
    snap["layers"] = snap["layers"] * 5
    lab.ctx.training_snapshot_changed.emit(snap)
    rect = lab.net_scene.itemsBoundingRect()
    assert lab.net_scene.box_count == 17
    assert rect.width() / rect.height() < 5  # not one long unreadable strip


def test_export_buttons_write_the_chosen_files(lab, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    chosen = iter([str(tmp_path / "g.png"), str(tmp_path / "g.svg")])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (next(chosen), "")))
    lab.png_button.click()
    lab.svg_button.click()
    assert (tmp_path / "g.png").stat().st_size > 1000
    assert ET.parse(tmp_path / "g.svg").getroot().tag.endswith("svg")
    assert lab.ctx.messages[-1] == f"Saved {tmp_path / 'g.svg'}"
    # a folder that cannot exist (its parent is a file): one plain message, no exception from the slot
    (tmp_path / "a_file").write_text("x")
    chosen = iter([str(tmp_path / "a_file" / "g.png")])
    lab.png_button.click()
    assert lab.ctx.messages[-1].startswith("Export failed:") and not (tmp_path / "a_file" / "g.png").exists()


def test_gradients_appear_only_after_backward_steps(lab):
    lab.reset_run()
    assert not any(t.startswith("∂") and "gradient" not in t for t in _scene_texts(lab.scene))  # legend aside
    assert "?" in _scene_texts(lab.scene)  # values not computed yet
    lab.run_button.click()
    texts = _scene_texts(lab.scene)
    assert "?" not in texts and "∂ -4" in texts and "∂ 3" in texts
