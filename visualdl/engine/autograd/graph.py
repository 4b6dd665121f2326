"""A tiny reverse-mode autograd whose nodes hold NumPy arrays (a scalar is a 0-d array).

In the spirit of micrograd: every operation builds its output ``Node`` and gives
it a small ``_chain`` closure that, given the upstream gradient dL/dout, returns
for each input the *local* gradient and the *downstream* gradient
(local x upstream). ``_backward`` adds those downstream gradients into the
inputs with ``+=`` (a node used twice receives both contributions).

``backward()`` RESETS every gradient in the graph to zero before it runs, so
calling it twice gives the same gradients, never doubled ones (micrograd#53).

Tracing keeps apart from drawing: ``trace(root)`` returns plain nodes and edges,
``forward_steps``/``backward_steps`` return one ``Step`` per node carrying the
numbers of the rule applied there. The backprop lab only displays them.

Shapes: ``Node.data`` and ``Node.grad`` have the same shape, () for scalars,
(D,) for vectors, (M, N) for matrices. Element-wise ops broadcast like NumPy and
sum the gradient back over broadcast axes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import numpy as np

from visualdl.engine.nn.gradcheck import numerical_gradient, rel_error  # the project's one definition


class GraphError(ValueError):
    """An operation cannot be computed (log of a negative value, shape mismatch, ...)."""


class Local(NamedTuple):
    """What one input of an op receives during backprop.

    local: the local gradient d(out)/d(input): an array multiplied element-wise
        with the upstream gradient, or a formula (str) when it is a Jacobian
        applied as a product (matmul, sum).
    downstream: dL/d(input), same shape as the input.
    """

    local: object
    downstream: np.ndarray
    rule: str = ""  # the local gradient in symbols, e.g. "{b}" for a * b ({out}: this node)


def _as_array(value) -> np.ndarray:
    return np.array(value, dtype=np.float64)


def _unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum grad over the axes NumPy broadcast, so it matches an input of `shape`."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Node:
    """A value in the computational graph.

    data: array (any shape), the forward value.
    grad: array of data's shape, dL/d(this node) after ``backward()``.
    label: name shown to the student ("x", "q", or "" for unnamed results).
    op: the operation that made this node ("" for inputs and constants).
    kind: "input" (a variable), "const" (a number in the expression) or "op".
    """

    def __init__(self, data, children=(), op: str = "", label: str = "", kind: str | None = None):
        self.data = _as_array(data)
        self.grad = np.zeros_like(self.data)
        self._prev = tuple(children)
        self.op = op
        self.label = label
        self.kind = kind or ("op" if children else "input")
        self._chain: Callable[[np.ndarray], list[Local]] | None = None
        self.formula = ""  # forward rule, e.g. "{a} + {b}", filled by the op

    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def inputs(self) -> tuple["Node", ...]:
        return self._prev

    def __repr__(self):
        return f"Node({self.label or self.op or 'const'}, data={self.data!r}, grad={self.grad!r})"

    # -- building blocks ------------------------------------------------------
    def _make(self, data, children, op, formula, chain) -> "Node":
        with np.errstate(all="ignore"):
            data = _as_array(data)
        if not np.all(np.isfinite(data)):
            names = ", ".join(_fmt_plain(c.data) for c in children)
            raise GraphError(f"{op} of {names} is not a finite number")
        out = Node(data, children, op)
        out.formula = formula
        out._chain = chain
        return out

    def _backward(self) -> list[Local]:
        """Add this node's contribution to its inputs' gradients; return what each input got."""
        if self._chain is None:
            return []
        parts = self._chain(self.grad)
        for child, part in zip(self._prev, parts):
            child.grad += part.downstream  # += : a node feeding several ops sums their gradients
        return parts

    # -- element-wise binary ops ---------------------------------------------
    def __add__(self, other):
        other = as_node(other)
        return self._make(self.data + other.data, (self, other), "+", "{a} + {b}", lambda d: [
            Local(np.ones_like(self.data), _unbroadcast(d, self.shape), "1"),
            Local(np.ones_like(other.data), _unbroadcast(d, other.shape), "1"),
        ])

    def __sub__(self, other):
        other = as_node(other)
        return self._make(self.data - other.data, (self, other), "-", "{a} - {b}", lambda d: [
            Local(np.ones_like(self.data), _unbroadcast(d, self.shape), "1"),
            Local(-np.ones_like(other.data), _unbroadcast(-d, other.shape), "-1"),
        ])

    def __mul__(self, other):
        other = as_node(other)
        return self._make(self.data * other.data, (self, other), "*", "{a} * {b}", lambda d: [
            Local(other.data, _unbroadcast(other.data * d, self.shape), "{b}"),
            Local(self.data, _unbroadcast(self.data * d, other.shape), "{a}"),
        ])

    def __truediv__(self, other):
        other = as_node(other)
        if np.any(other.data == 0):
            raise GraphError(f"division by zero: {_fmt_plain(self.data)} / {_fmt_plain(other.data)}")

        def chain(d):
            da_local = 1.0 / other.data
            db_local = -self.data / other.data**2
            return [Local(da_local, _unbroadcast(da_local * d, self.shape), "1 / {b}"),
                    Local(db_local, _unbroadcast(db_local * d, other.shape), "-{a} / {b}²")]
        return self._make(self.data / other.data, (self, other), "/", "{a} / {b}", chain)

    def __pow__(self, other):
        """a ** b. A constant exponent gives a one-input node "^k"; a node exponent needs a > 0."""
        if not isinstance(other, Node):
            k = float(other)
            with np.errstate(all="ignore"):
                out_data = self.data**k

            def chain(d):
                local = k * self.data ** (k - 1) if k != 0 else np.zeros_like(self.data)
                return [Local(local, local * d, _power_rule(k))]
            return self._make(out_data, (self,), f"^{_fmt_plain(k)}", "{a} ^ " + _fmt_plain(k), chain)
        if np.any(self.data <= 0):
            raise GraphError(f"a ** b with a variable exponent needs a positive base, got {_fmt_plain(self.data)}")
        out_data = self.data**other.data

        def chain(d):
            da_local = other.data * self.data ** (other.data - 1)
            db_local = out_data * np.log(self.data)
            return [Local(da_local, _unbroadcast(da_local * d, self.shape), "{b} · {a}^({b} - 1)"),
                    Local(db_local, _unbroadcast(db_local * d, other.shape), "{out} · ln({a})")]
        return self._make(out_data, (self, other), "^", "{a} ^ {b}", chain)

    def __neg__(self):
        return self._make(-self.data, (self,), "neg", "-{a}", lambda d: [Local(-np.ones_like(self.data), -d, "-1")])

    def __radd__(self, other):
        return as_node(other) + self

    def __rsub__(self, other):
        return as_node(other) - self

    def __rmul__(self, other):
        return as_node(other) * self

    def __rtruediv__(self, other):
        return as_node(other) / self

    def __matmul__(self, other):
        return matmul(self, other)

    # -- backward pass ---------------------------------------------------------
    def backward(self) -> list["Step"]:
        """Compute d(self)/d(node) for every node of the graph; returns the backward steps.

        Gradients are reset to zero first, so a second call gives the same
        result instead of doubling it.
        """
        return backward_steps(self)


def _power_rule(k: float) -> str:
    """d(a^k)/da in symbols: "2 · a" for k = 2, "-1 · a^-2" for k = -1."""
    if k == 1:
        return "1"
    if k == 2:
        return "2 · {a}"
    return f"{_fmt_plain(k)} · {{a}}^{_fmt_plain(k - 1)}"


def as_node(value) -> Node:
    return value if isinstance(value, Node) else Node(value, kind="const")


# -- element-wise unary functions ------------------------------------------------
def exp(a) -> Node:
    a = as_node(a)
    with np.errstate(all="ignore"):
        out_data = np.exp(a.data)
    return a._make(out_data, (a,), "exp", "exp({a})", lambda d: [Local(out_data, out_data * d, "exp({a}) = {out}")])


def log(a) -> Node:
    a = as_node(a)
    if np.any(a.data <= 0):
        raise GraphError(f"log needs a positive input, got {_fmt_plain(a.data)}")
    return a._make(np.log(a.data), (a,), "log", "log({a})", lambda d: [Local(1.0 / a.data, d / a.data, "1 / {a}")])


def relu(a) -> Node:
    a = as_node(a)
    # At exactly 0 the slope is taken as 0 (the usual convention).
    local = (a.data > 0).astype(np.float64)
    return a._make(np.maximum(a.data, 0.0), (a,), "relu", "max(0, {a})",
                   lambda d: [Local(local, local * d, "1 if {a} > 0, else 0")])


def sigmoid(a) -> Node:
    a = as_node(a)
    s = 0.5 * (1.0 + np.tanh(0.5 * a.data))  # = 1/(1+e^-a) without overflow for large |a|
    return a._make(s, (a,), "sigmoid", "sigmoid({a})",
                   lambda d: [Local(s * (1 - s), s * (1 - s) * d, "{out} · (1 - {out})")])


def tanh(a) -> Node:
    a = as_node(a)
    t = np.tanh(a.data)
    return a._make(t, (a,), "tanh", "tanh({a})", lambda d: [Local(1 - t**2, (1 - t**2) * d, "1 - {out}²")])


def maximum(a, b) -> Node:
    """max(a, b) element-wise; the gradient goes to the larger input (to a on ties)."""
    a, b = as_node(a), as_node(b)
    a_wins = (a.data >= b.data).astype(np.float64)
    b_wins = 1.0 - a_wins
    return a._make(np.maximum(a.data, b.data), (a, b), "max", "max({a}, {b})", lambda d: [
        Local(a_wins, _unbroadcast(a_wins * d, a.shape), "1 if {a} ≥ {b}, else 0"),
        Local(b_wins, _unbroadcast(b_wins * d, b.shape), "1 if {b} > {a}, else 0"),
    ])


# -- array ops ---------------------------------------------------------------------
def matmul(a, b) -> Node:
    """a: (M, N), b: (N,) or (N, K) -> (M,) or (M, K). da = d b^T, db = a^T d."""
    a, b = as_node(a), as_node(b)
    if a.data.ndim != 2 or b.data.ndim not in (1, 2) or a.shape[1] != b.shape[0]:
        raise GraphError(f"cannot multiply shapes {a.shape} @ {b.shape}")

    def chain(d):
        if b.data.ndim == 1:
            da = np.outer(d, b.data)
        else:
            da = d @ b.data.T
        return [Local("{up} · {b}ᵀ", da), Local("{a}ᵀ · {up}", a.data.T @ d)]
    return a._make(a.data @ b.data, (a, b), "@", "{a} @ {b}", chain)


def total(a) -> Node:
    """sum of all elements: a (any shape) -> (); each element's local gradient is 1."""
    a = as_node(a)
    return a._make(a.data.sum(), (a,), "sum", "sum({a})",
                   lambda d: [Local(np.ones_like(a.data), np.ones_like(a.data) * d, "1 for each element")])


# -- graph walking -------------------------------------------------------------------
def topological_order(root: Node) -> list[Node]:
    """Every node reachable from root, each after all of its inputs (root last)."""
    order, seen = [], set()

    def visit(node):  # depth-first; graphs typed by students are small, recursion is fine
        if id(node) in seen:
            return
        seen.add(id(node))
        for child in node._prev:
            visit(child)
        order.append(node)
    visit(root)
    return order


@dataclass
class Step:
    """One node's turn in the forward or backward pass, with the numbers of its rule.

    phase: "forward" or "backward"; node: index into trace(root).nodes.
    lines: the rule with numbers, ready to display.
    parts: backward only: for each input (index, local, upstream, downstream).
    grads: backward only: gradient known for every node after this step (index -> array).
    """

    phase: str
    node: int
    lines: list[str]
    parts: list[tuple] = field(default_factory=list)
    grads: dict = field(default_factory=dict)


@dataclass
class TracedNode:
    index: int
    label: str  # the node's name (named or auto "n3")
    op: str
    kind: str
    value: np.ndarray
    grad: np.ndarray
    inputs: list[int]


@dataclass
class Trace:
    """nodes in topological order (root last); edges (src, dst, slot)."""

    nodes: list[TracedNode]
    edges: list[tuple[int, int, int]]


def _names(order: list[Node]) -> dict[int, str]:
    names, counter = {}, 0
    for node in order:
        if node.label:
            names[id(node)] = node.label
        elif node.kind == "const":
            names[id(node)] = _fmt_plain(node.data)
        else:
            counter += 1
            names[id(node)] = f"n{counter}"
    return names


def trace(root: Node) -> Trace:
    """Copy the graph under root into plain nodes and edges (for drawing)."""
    order = topological_order(root)
    index = {id(n): i for i, n in enumerate(order)}
    names = _names(order)
    nodes = [TracedNode(i, names[id(n)], n.op, n.kind, n.data.copy(), n.grad.copy(),
                        [index[id(c)] for c in n._prev]) for i, n in enumerate(order)]
    edges = [(index[id(c)], i, slot) for i, n in enumerate(order) for slot, c in enumerate(n._prev)]
    return Trace(nodes, edges)


def forward_steps(root: Node) -> list[Step]:
    """One step per operation in topological order (root last); inputs and constants are given."""
    order = topological_order(root)
    names = _names(order)
    steps = []
    for i, node in enumerate(order):
        if node.kind != "op":
            continue
        name = names[id(node)]
        args = [names[id(c)] for c in node._prev]
        rule = _apply_formula(node.formula, args)
        nums = _apply_formula(node.formula, [fmt(c.data, paren=True) for c in node._prev])
        steps.append(Step("forward", i, [f"{name} = {rule}", f"   = {nums}", f"   = {fmt(node.data)}"]))
    return steps


def backward_steps(root: Node) -> list[Step]:
    """Run backprop from root and record it: one step per node in reverse topological order.

    Constants get no step (nothing to learn); each input's step shows its total gradient.

    Resets all gradients first, seeds d(root)/d(root) = 1, then each node hands
    local x upstream to its inputs. A node's gradient is complete when its step
    comes, because every node that uses it comes later in topological order.
    """
    order = topological_order(root)
    index = {id(n): i for i, n in enumerate(order)}
    names = _names(order)
    out_name = names[id(root)]
    for node in order:
        node.grad = np.zeros_like(node.data)
    root.grad = np.ones_like(root.data)
    known = {index[id(root)]: root.grad.copy()}
    steps = []
    for node in reversed(order):
        i = index[id(node)]
        name = names[id(node)]
        upstream = node.grad.copy()
        parts = node._backward()
        if node.kind == "const":
            continue  # its gradient is computed by its consumer, but nothing uses it
        if node is root:
            lines = [f"start: d{out_name}/d{out_name} = 1"]
        elif node.kind == "input":
            lines = []
        else:
            lines = [f"upstream d{out_name}/d{name} = {fmt(upstream)}"]
        recorded = []
        args = [names[id(c)] for c in node._prev]
        for child, part in zip(node._prev, parts):
            j = index[id(child)]
            cname = names[id(child)]
            known[j] = child.grad.copy()
            recorded.append((j, part.local, upstream, part.downstream.copy()))
            if child.kind == "const":
                continue  # constants get a gradient too, but students only need the variables'
            if isinstance(part.local, str):
                rule = part.local.format(up=f"d{out_name}/d{name}", a=args[0], b=args[-1])
                lines += ["", f"{cname}: d{out_name}/d{cname} = {rule}", f"      = {fmt(part.downstream)}"]
            else:
                pad = " " * (len(cname) + 2)
                times = "×" if np.ndim(part.local) == 0 and upstream.ndim == 0 else "⊙"  # ⊙: element-wise
                local = fmt(part.local)
                symbolic = part.rule.format(a=args[0], b=args[-1], out=name)
                if symbolic and symbolic != local:
                    local = f"{symbolic} = {local}"
                lines += ["", f"{cname}: local d{name}/d{cname} = {local}",
                          f"{pad}d{out_name}/d{cname} = local {times} upstream",
                          f"{pad}   = {fmt(part.local, paren=True)} {times} {fmt(upstream, paren=True)}",
                          f"{pad}   = {fmt(part.downstream)}"]
        if node.kind == "input" and node is not root:
            uses = _uses(order, node)
            lines.append(f"total d{out_name}/d{name} = {fmt(node.grad)}")
            lines.append(f"   (the sum of what its {uses} uses sent back)" if uses > 1
                         else "   (an input: this gradient is final)")
        steps.append(Step("backward", i, lines, recorded, {k: v.copy() for k, v in known.items()}))
    return steps


def _uses(order: list[Node], node: Node) -> int:
    return sum(1 for n in order for c in n._prev if c is node)


# -- numerical check -------------------------------------------------------------------
@dataclass
class GradCheckRow:
    """One input's analytic (backprop) and numerical (centred differences) gradient."""

    name: str
    analytic: np.ndarray
    numeric: np.ndarray
    rel_error: float


def gradient_check(build: Callable[[dict], tuple[Node, dict[str, Node]]], values: dict,
                   h: float = 1e-5) -> list[GradCheckRow]:
    """Compare backprop with centred differences for every input, in float64.

    build(values) -> (root, inputs by name) builds a fresh graph; values: name -> array.
    A non-scalar root is checked as sum(root), which is what backward() differentiates.
    """
    values = {name: np.array(v, dtype=np.float64) for name, v in values.items()}
    root, inputs = build(values)
    root.backward()
    rows = []
    for name, node in inputs.items():
        x = values[name]

        def f(_x):  # _x is values[name], perturbed in place by numerical_gradient
            return float(np.sum(build(values)[0].data))
        numeric = numerical_gradient(f, x, h)
        rows.append(GradCheckRow(name, node.grad.copy(), numeric, rel_error(node.grad, numeric)))
    return rows


# -- number formatting -----------------------------------------------------------------
def fmt_number(v: float) -> str:
    """4 significant digits, no '-0', e.g. 0.7311, -0.1966, -12, 1.5e-05."""
    v = float(v)
    if v == 0:
        return "0"
    text = f"{v:.4g}"
    return text


def _fmt_plain(data) -> str:
    return fmt(np.asarray(data))


def fmt(data, paren: bool = False) -> str:
    """A scalar as a number, a vector as [a, b], a matrix as [[a, b], [c, d]]."""
    data = np.asarray(data)
    if data.ndim == 0:
        text = fmt_number(data)
        return f"({text})" if paren and text.startswith("-") else text
    if data.ndim == 1:
        return "[" + ", ".join(fmt_number(v) for v in data) + "]"
    return "[" + ", ".join(fmt(row) for row in data) + "]"


def _apply_formula(formula: str, args: list[str]) -> str:
    """Fill {a}/{b} of an op's formula ("{a} + {b}", "max(0, {a})") with names or numbers."""
    return formula.format(a=args[0], b=args[1] if len(args) > 1 else "")
