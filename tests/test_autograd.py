"""The scalar/array autograd: hand-computed course examples, numerical checks, stepping order."""
from __future__ import annotations

import numpy as np
import pytest

from visualdl.engine import autograd as ag
from visualdl.engine.autograd import GraphError, Node


def test_circuit_x_plus_y_times_z_matches_hand_values():
    x, y, z = Node(-2.0, label="x"), Node(5.0, label="y"), Node(-4.0, label="z")
    q = x + y
    f = q * z
    f.backward()
    assert q.data == 3 and f.data == -12
    # df/dx = df/dq * dq/dx = z * 1 = -4; df/dz = q = 3
    assert (x.grad, y.grad, z.grad, q.grad) == (-4, -4, 3, -4)


def test_sigmoid_neuron_built_from_primitives_matches_hand_values():
    w0, x0, w1, x1, w2 = (Node(v) for v in (2.0, -1.0, -3.0, -2.0, -3.0))
    f = 1 / (1 + ag.exp(-(w0 * x0 + w1 * x1 + w2)))
    f.backward()
    assert f.data == pytest.approx(0.7311, abs=1e-4)
    # sigma(1) = 0.7311, sigma' = 0.1966; dw0 = x0 * 0.1966 ...
    expected = {w0: -0.1966, x0: 0.3932, w1: -0.3932, x1: -0.5898, w2: 0.1966}
    for node, value in expected.items():
        assert node.grad == pytest.approx(value, abs=1e-4)


def test_sigmoid_op_gives_the_same_gradients_as_its_primitives():
    a1, a2 = Node(0.37), Node(0.37)
    s1 = ag.sigmoid(a1)
    s2 = 1 / (1 + ag.exp(-a2))
    s1.backward()
    s2.backward()
    assert s1.data == pytest.approx(s2.data, rel=1e-14)
    assert a1.grad == pytest.approx(a2.grad, rel=1e-12)


def test_norm_of_matrix_vector_product_matches_course_numbers():
    W = Node([[0.1, 0.5], [-0.3, 0.8]], label="W")
    x = Node([0.2, 0.4], label="x")
    q = W @ x
    f = ag.total(q ** 2)
    f.backward()
    np.testing.assert_allclose(q.data, [0.22, 0.26], atol=1e-12)
    assert f.data == pytest.approx(0.116, abs=1e-12)
    np.testing.assert_allclose(W.grad, [[0.088, 0.176], [0.104, 0.208]], atol=1e-12)
    np.testing.assert_allclose(x.grad, [-0.112, 0.636], atol=1e-12)


def test_backward_twice_resets_instead_of_doubling():
    a = Node(3.0)
    b = a * a + a  # a is used three times: grads must accumulate within one pass
    b.backward()
    first = float(a.grad)
    b.backward()
    assert first == 7.0  # d(a^2 + a)/da = 2a + 1
    assert a.grad == first


def test_node_used_twice_sums_both_contributions():
    a = Node(-1.5)
    f = a + a
    f.backward()
    assert a.grad == 2.0


OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow_const": lambda a, b: a ** 3 + b ** -1.5,
    "pow_node": lambda a, b: a ** b,
    "neg": lambda a, b: -a * b,
    "exp": lambda a, b: ag.exp(a * b),
    "log": lambda a, b: ag.log(a + b),
    "max": lambda a, b: ag.maximum(a, b * 2),
    "relu": lambda a, b: ag.relu(a - b) + ag.relu(b - 3 * a),
    "sigmoid": lambda a, b: ag.sigmoid(a * b),
    "tanh": lambda a, b: ag.tanh(a - b),
}


@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_every_op_matches_centred_differences(name, shape):
    rng = np.random.default_rng(0)
    values = {"a": rng.uniform(0.5, 2.0, shape), "b": rng.uniform(0.3, 1.5, shape)}

    def build(vals):
        a, b = Node(vals["a"]), Node(vals["b"])
        return OPS[name](a, b), {"a": a, "b": b}

    for row in ag.gradient_check(build, values):
        assert row.rel_error < 1e-7, (name, row)


def test_broadcast_scalar_gradient_is_summed_over_the_vector():
    v = Node([1.0, 2.0, 3.0])
    s = Node(2.0)
    f = ag.total(v * s)
    f.backward()
    assert s.grad == 6.0  # sum(v)
    np.testing.assert_allclose(v.grad, [2.0, 2.0, 2.0])


def test_max_sends_gradient_to_the_larger_input_only():
    a, b = Node(4.0), Node(1.0)
    ag.maximum(a, b).backward()
    assert (a.grad, b.grad) == (1.0, 0.0)


def test_invalid_operations_raise_with_the_bad_value():
    with pytest.raises(GraphError, match="-2"):
        ag.log(Node(-2.0))
    with pytest.raises(GraphError, match="division by zero"):
        Node(1.0) / Node(0.0)
    with pytest.raises(GraphError, match=r"\(3,\) @ \(2,\)"):
        Node(np.ones(3)) @ Node(np.ones(2))
    with pytest.raises(GraphError, match="finite"):
        ag.exp(Node(1000.0))


def _circuit():
    x, y, z = Node(-2.0, label="x"), Node(5.0, label="y"), Node(-4.0, label="z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    return f


def test_forward_steps_are_topological_and_carry_the_numbers():
    f = _circuit()
    steps = ag.forward_steps(f)
    tr = ag.trace(f)
    # one step per operation; inputs are given
    assert [tr.nodes[s.node].label for s in steps] == ["q", "f"]
    assert [s.node for s in steps] == [n.index for n in tr.nodes if n.kind == "op"]
    for src, dst, _ in tr.edges:  # topological: every node comes after all of its inputs
        assert src < dst
    assert steps[0].lines == ["q = x + y", "   = (-2) + 5", "   = 3"]
    assert steps[1].lines == ["f = q * z", "   = 3 * (-4)", "   = -12"]


def test_backward_steps_are_reverse_topological_with_local_times_upstream():
    f = _circuit()
    tr = ag.trace(f)
    steps = f.backward()
    assert [s.node for s in steps] == [n.index for n in reversed(tr.nodes)]
    labels = {n.index: n.label for n in tr.nodes}
    assert labels[steps[0].node] == "f"
    q_step = next(s for s in steps if labels[s.node] == "q")
    # at q: local dq/dx = 1, upstream df/dq = z = -4, downstream -4 for x and y
    for j, local, upstream, downstream in q_step.parts:
        assert labels[j] in ("x", "y")
        assert (float(local), float(upstream), float(downstream)) == (1.0, -4.0, -4.0)
    x_at = q_step.lines.index("x: local dq/dx = 1")
    assert q_step.lines[x_at + 1:x_at + 4] == ["   df/dx = local × upstream", "      = 1 × (-4)", "      = -4"]
    # a node's step comes after the steps of every node that uses it
    position = {s.node: k for k, s in enumerate(steps)}
    for src, dst, _ in tr.edges:
        assert position[dst] < position[src]
    # the last step knows every gradient
    final = steps[-1].grads
    assert {labels[k]: float(v) for k, v in final.items()} == {"f": 1, "q": -4, "z": 3, "x": -4, "y": -4}


def test_constants_get_no_step():
    x = Node(2.0, label="x")
    f = 1 + x * 3
    tr = ag.trace(f)
    kinds = {n.index: n.kind for n in tr.nodes}
    assert sorted(kinds.values()) == ["const", "const", "input", "op", "op"]
    assert all(kinds[s.node] == "op" for s in ag.forward_steps(f))
    assert all(kinds[s.node] != "const" for s in f.backward())
    assert x.grad == 3.0


def test_trace_lists_nodes_and_edges():
    f = _circuit()
    f.backward()
    tr = ag.trace(f)
    labels = [n.label for n in tr.nodes]
    assert sorted(labels) == ["f", "q", "x", "y", "z"]
    named_edges = {(labels[s], labels[d]) for s, d, _ in tr.edges}
    assert named_edges == {("x", "q"), ("y", "q"), ("q", "f"), ("z", "f")}
    assert float(tr.nodes[labels.index("z")].grad) == 3.0


def test_fmt_is_readable():
    assert ag.fmt(np.float64(0.73105857)) == "0.7311"
    assert ag.fmt(np.array([0.22, 0.26])) == "[0.22, 0.26]"
    assert ag.fmt(np.array([[1.0, -2.0], [0.0, 3.5]])) == "[[1, -2], [0, 3.5]]"
    assert ag.fmt(np.float64(-0.0)) == "0"


def test_backward_rule_names_the_local_gradient():
    # mul swaps its inputs: d(w0*x0)/dw0 = x0; the rule text says so, with the number
    w0, x0 = Node(2.0, label="w0"), Node(-1.0, label="x0")
    n = w0 * x0
    n.label = "n"
    f = ag.exp(n)
    f.label = "f"
    steps = f.backward()
    text = "\n".join(line for s in steps for line in s.lines)
    assert "w0: local dn/dw0 = x0 = -1" in text
    assert "x0: local dn/dx0 = w0 = 2" in text
    assert "n: local df/dn = exp(n) = f = 0.1353" in text
