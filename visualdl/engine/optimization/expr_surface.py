"""A surface the student types, f(x, y), with the backprop lab's safe parser (never Python eval).

    s = ExprSurface("(1 - x)^2 + 100*(y - x^2)^2", bounds=(-2, 2, -1, 3))
    s.value(X, Y)   # the map: an array evaluator walking the parsed tree with NumPy ufuncs
    s.grad(p)       # the gradient at a point: the autograd of ``visualdl.engine.autograd``

Only the variables x and y may appear (named intermediate statements are fine:
``q = x*y; f = q^2 + x^2``). A typo or an unknown name raises ``ExprError`` pointing at it.
On the map, points where f is not a finite number (log of a negative, 1/0) are NaN (drawn
blank); an optimizer stepping onto such a point is stopped with the autograd's message.
"""
from __future__ import annotations

import numpy as np

from visualdl.engine import autograd as ag
from visualdl.engine.autograd.expr import BINARY_OPS, BinOp, Call, ExprError, Neg, Num, Program, Var, _variables
from visualdl.engine.optimization.surfaces import Surface

ALLOWED = ("x", "y")

_ARRAY_FUNCTIONS = {
    "exp": np.exp, "log": np.log, "tanh": np.tanh,
    "relu": lambda a: np.maximum(a, 0.0),
    "sigmoid": lambda a: 0.5 * (1.0 + np.tanh(0.5 * a)),  # = 1 / (1 + exp(-a)), no overflow
    "max": np.maximum,
    "sum": lambda a: a,  # f is a scalar per point: the sum of one number is that number
}


def _evaluate_tree(tree, env: dict):
    """Evaluate one parsed tree on arrays (values only, broadcasting like NumPy)."""
    if isinstance(tree, Num):
        return np.float64(tree.value)  # NumPy scalars: 1/0 is inf and (-8)^(1/3) nan, as on arrays
    if isinstance(tree, Var):
        return env[tree.name]
    if isinstance(tree, Neg):
        return -_evaluate_tree(tree.operand, env)
    if isinstance(tree, Call):
        return _ARRAY_FUNCTIONS[tree.fn](*[_evaluate_tree(a, env) for a in tree.args])
    return BINARY_OPS[tree.op](_evaluate_tree(tree.left, env), _evaluate_tree(tree.right, env))


def _find_op(tree, op):
    if isinstance(tree, BinOp):
        if tree.op == op:
            return tree
        return _find_op(tree.left, op) or _find_op(tree.right, op)
    if isinstance(tree, Call):
        for a in tree.args:
            found = _find_op(a, op)
            if found:
                return found
    if isinstance(tree, Neg):
        return _find_op(tree.operand, op)
    return None


def lean_backward(root: ag.Node) -> None:
    """The autograd's own backward pass (each node's chain rule) without recording text steps."""
    order = ag.topological_order(root)
    for node in order:
        node.grad = np.zeros_like(node.data)
    root.grad = np.ones_like(root.data)
    for node in reversed(order):
        node._backward()


class ExprSurface(Surface):
    key = "custom"

    def __init__(self, text: str, bounds=(-3.0, 3.0, -3.0, 3.0), start=None):
        self.program = Program(text)  # raises ExprError with a caret under a typo
        self.text = text
        for _, tree, _ in self.program.statements:
            at = _find_op(tree, "@")
            if at is not None:
                raise ExprError("'@' (matrix product) has no meaning for numbers x, y: use '*'", text, at.pos)
        for name in self.program.inputs:
            if name not in ALLOWED:
                var = next(v for _, tree, _ in self.program.statements for v in _variables(tree) if v.name == name)
                raise ExprError(f"Unknown variable '{name}': f may use only x and y", text, var.pos)
        x0, x1, y0, y1 = (float(b) for b in bounds)
        if not (x0 < x1 and y0 < y1 and all(np.isfinite((x0, x1, y0, y1)))):
            raise ValueError(f"Invalid map bounds: {bounds}")
        self.bounds = (x0, x1, y0, y1)
        self.start = start if start is not None else (x0 + 0.1 * (x1 - x0), y1 - 0.1 * (y1 - y0))
        self.title = f"f(x, y) = {' '.join(text.split())}"
        self.formula = text
        self.minima = ()
        self.log_colour = False

    def value(self, X, Y):
        env = {"x": np.asarray(X, np.float64), "y": np.asarray(Y, np.float64)}
        out = None
        with np.errstate(all="ignore"):
            for name, tree, _ in self.program.statements:
                out = _evaluate_tree(tree, env)
                if name is not None:
                    env[name] = out
        return np.broadcast_to(np.asarray(out, np.float64), np.broadcast(env["x"], env["y"]).shape).copy()

    def grad(self, p) -> np.ndarray:
        """Raises GraphError (a ValueError) when f or its gradient is not finite at p."""
        values = {name: float(p[ALLOWED.index(name)]) for name in self.program.inputs}
        ev = self.program.evaluate(values)
        lean_backward(ev.root)
        g = np.zeros(2)
        for i, name in enumerate(ALLOWED):
            if name in ev.inputs:
                g[i] = float(ev.inputs[name].grad)
        if not np.all(np.isfinite(g)):
            raise ag.GraphError(f"the gradient of f at ({p[0]:.4g}, {p[1]:.4g}) is not finite")
        return g
