"""A form's state as a dict: read, applied whole, refused whole when it does not fit."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QLineEdit, QVBoxLayout, QWidget

from visualdl.labs.common.widgets import combo, spin
from visualdl.ui.form_state import FormStateError, apply_form_state, form_state


def _form(qtbot):
    root = QWidget()
    layout = QVBoxLayout(root)
    group = QGroupBox("Model")
    form = QFormLayout(group)
    widgets = {
        "act": combo([("relu", "ReLU"), ("tanh", "tanh")]),
        "hidden": spin(1, 512, 100),
        "lr": spin(1e-6, 10.0, 0.01, decimals=6),
        "bn": QCheckBox("Batch norm"),
        "name": QLineEdit("run"),
    }
    for label, w in widgets.items():
        form.addRow(label, w)
    widgets["lr"].setObjectName("lr")
    layout.addWidget(group)
    qtbot.addWidget(root)
    return root, widgets


def test_state_round_trip_between_two_identical_forms(qtbot):
    a, wa = _form(qtbot)
    b, wb = _form(qtbot)
    wa["act"].setCurrentIndex(1)
    wa["hidden"].setValue(64)
    wa["lr"].setValue(0.5)
    wa["bn"].setChecked(True)
    wa["name"].setText("mine")
    state = form_state(a)
    assert state["lr"] == 0.5 and "tanh" in state.values() and 64 in state.values()
    assert apply_form_state(b, state) == 5
    assert form_state(b) == state
    assert wb["act"].currentData() == "tanh" and wb["bn"].isChecked() and wb["name"].text() == "mine"


def test_a_bad_value_changes_nothing(qtbot):
    root, w = _form(qtbot)
    before = form_state(root)
    bad = dict(before)
    key_hidden = next(k for k, v in before.items() if v == 100)
    bad[key_hidden] = 5000
    bad["lr"] = 0.2
    with pytest.raises(FormStateError, match="5000 is outside 1..512"):
        apply_form_state(root, bad)
    assert form_state(root) == before  # lr was not applied either
    with pytest.raises(FormStateError, match="does not match"):
        apply_form_state(root, {"no-such-control": 1})
    key_act = next(k for k, v in before.items() if v == "relu")
    with pytest.raises(FormStateError, match="'sigmoid' is not one of"):
        apply_form_state(root, {key_act: "sigmoid"})


def test_a_choice_that_sets_defaults_does_not_overwrite_values_of_the_setup(qtbot):
    def form():
        root = QWidget()
        layout = QVBoxLayout(root)
        lr = spin(0.0, 1.0, 0.01, decimals=4)  # created first: applied before the choice
        optimizer = combo([("sgd", "SGD"), ("adam", "Adam")])
        optimizer.currentIndexChanged.connect(lambda _i: lr.setValue(0.001 if optimizer.currentData() == "adam"
                                                                     else 0.01))
        layout.addWidget(lr)
        layout.addWidget(optimizer)
        qtbot.addWidget(root)
        return root, lr, optimizer

    a, lr_a, opt_a = form()
    opt_a.setCurrentIndex(1)
    lr_a.setValue(0.05)
    b, lr_b, opt_b = form()
    apply_form_state(b, form_state(a))
    assert opt_b.currentData() == "adam" and lr_b.value() == 0.05
