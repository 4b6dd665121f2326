"""The safe expression parser: course presets through text, errors that point at the bad spot."""
from __future__ import annotations

import numpy as np
import pytest

from visualdl.engine.autograd import GraphError
from visualdl.engine.expr import ExprError, parse, parse_value, tokenize


def _grads(program, values):
    ev = program.evaluate(values)
    ev.root.backward()
    return ev, {name: node.grad for name, node in ev.inputs.items()}


def test_circuit_text_gives_course_numbers_and_passes_gradient_check():
    program = parse("q = x + y; f = q * z")
    assert program.inputs == ["x", "y", "z"]
    values = {"x": -2.0, "y": 5.0, "z": -4.0}
    ev, grads = _grads(program, values)
    assert ev.named["q"].data == 3 and ev.root.data == -12 and ev.root.label == "f"
    assert {k: float(v) for k, v in grads.items()} == {"x": -4.0, "y": -4.0, "z": 3.0}
    for row in program.gradient_check(values):
        assert row.rel_error < 1e-7
        assert float(row.numeric) == pytest.approx(float(grads[row.name]), abs=1e-8)


def test_sigmoid_neuron_text_gives_course_numbers_and_passes_gradient_check():
    program = parse("1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))")
    assert program.inputs == ["w0", "x0", "w1", "x1", "w2"]
    values = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
    ev, grads = _grads(program, values)
    assert round(float(ev.root.data), 2) == 0.73
    hand = {"w0": -0.20, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.20}
    assert {k: round(float(v), 2) for k, v in grads.items()} == hand
    rows = program.gradient_check(values)
    assert [r.name for r in rows] == list(hand)
    for row in rows:
        assert row.rel_error < 1e-7
        assert round(float(row.numeric), 2) == hand[row.name]


def test_matrix_example_from_text():
    program = parse("q = W @ x\nf = sum(q^2)")
    values = {"W": parse_value("[[0.1, 0.5], [-0.3, 0.8]]"), "x": parse_value("[0.2, 0.4]")}
    ev, grads = _grads(program, values)
    np.testing.assert_allclose(ev.named["q"].data, [0.22, 0.26], atol=1e-12)
    assert float(ev.root.data) == pytest.approx(0.116, abs=1e-12)
    np.testing.assert_allclose(grads["W"], [[0.088, 0.176], [0.104, 0.208]], atol=1e-12)
    np.testing.assert_allclose(grads["x"], [-0.112, 0.636], atol=1e-12)
    assert all(row.rel_error < 1e-7 for row in program.gradient_check(values))


@pytest.mark.parametrize("text, value", [
    ("2 + 3 * 4", 14.0),
    ("(2 + 3) * 4", 20.0),
    ("2 ^ 3 ^ 2", 512.0),       # right-associative
    ("2 ** 3", 8.0),
    ("-2 ^ 2", -4.0),           # power binds tighter than unary minus, as in Python
    ("2 ^ -1", 0.5),
    ("8 / 4 / 2", 1.0),         # left-associative
    ("10 - 4 - 3", 3.0),
    ("max(2, 7) + relu(-3) + tanh(0) + log(1)", 7.0),
    ("1.5e1 + .5", 15.5),
    ("sigmoid(0)", 0.5),
])
def test_precedence_and_functions(text, value):
    assert float(parse(text).evaluate({}).root.data) == pytest.approx(value)


def test_variable_used_twice_is_one_input_node():
    program = parse("f = x * x + x")
    ev, grads = _grads(program, {"x": 3.0})
    assert program.inputs == ["x"]
    assert float(grads["x"]) == 7.0


def _error(text):
    with pytest.raises(ExprError) as info:
        parse(text)
    return info.value


@pytest.mark.parametrize("text, position, words", [
    ("(x + * y)", 5, "Unexpected '*'"),
    ("x $ y", 2, "Unexpected character '$'"),
    ("exp(x", 5, "ends too early"),
    ("foo(x) + 1", 0, "Unknown function 'foo'"),
    ("max(x)", 0, "takes 2 arguments, got 1"),
    ("x y", 2, "Unexpected 'y'"),
    ("exp + 1", 0, "'exp' is a function"),
    ("q = x; q = y", 7, "defined twice"),
    ("f = q * 2; q = x", 4, "used before it is defined"),
    ("(x + y", 6, "ends too early"),
    ("   ", 3, "Empty expression"),
])
def test_errors_point_at_the_bad_position(text, position, words):
    err = _error(text)
    assert err.position == position
    assert words in str(err)
    # the message shows the line and a caret under the bad character
    lines = str(err).splitlines()
    assert lines[-2] == text
    assert lines[-1] == " " * position + "^"


def test_error_on_second_line_reports_line_and_column():
    err = _error("q = x + y\nf = q * * z")
    assert (err.line, err.column) == (2, 9)
    assert str(err).splitlines()[-2:] == ["f = q * * z", " " * 8 + "^"]


def test_parser_never_evaluates_python():
    with pytest.raises(ExprError):
        parse("__import__('os').system('true')")
    with pytest.raises(ExprError):
        parse("x.real")


def test_missing_value_and_math_errors_name_the_problem():
    with pytest.raises(GraphError, match="No value for variable y"):
        parse("x + y").evaluate({"x": 1.0})
    with pytest.raises(GraphError, match="positive"):
        parse("log(x)").evaluate({"x": -2.0})


def test_parse_value_numbers_vectors_matrices():
    assert parse_value("-2").shape == ()
    assert float(parse_value("-2")) == -2.0
    np.testing.assert_array_equal(parse_value("[0.2, -0.4]"), [0.2, -0.4])
    np.testing.assert_array_equal(parse_value("[[1, 2], [3, 4e-1]]"), [[1, 2], [3, 0.4]])
    with pytest.raises(ExprError, match="different lengths"):
        parse_value("[[1, 2], [3]]")
    with pytest.raises(ExprError) as info:
        parse_value("[1, 2")
    assert info.value.position == 5


def test_tokenizer_positions():
    toks = tokenize("w0*x0 ** 2")
    assert [(t.kind, t.text, t.pos) for t in toks] == [
        ("name", "w0", 0), ("op", "*", 2), ("name", "x0", 3), ("op", "**", 6), ("num", "2", 9), ("end", "", 10)]
