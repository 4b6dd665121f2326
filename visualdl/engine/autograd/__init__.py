"""Scalar/array autograd and the expression parser of the backprop lab (lab 4).

    graph.py  Node (data, grad, backward()), the operations (exp, log, relu, sigmoid, tanh,
              maximum, matmul, total), trace / forward_steps / backward_steps for display,
              gradient_check and the number formatting the lab shows
    expr.py   the safe parser for the expressions students type (parse, parse_value, Program)

``visualdl.engine.autograd`` was a single module: everything it exported is
re-exported here, so ``from visualdl.engine import autograd as ag; ag.exp(...)``
keeps working.
"""
from visualdl.engine.autograd.graph import (
    GradCheckRow,
    GraphError,
    Local,
    Node,
    Step,
    Trace,
    TracedNode,
    as_node,
    backward_steps,
    exp,
    fmt,
    fmt_number,
    forward_steps,
    gradient_check,
    log,
    matmul,
    maximum,
    numerical_gradient,
    rel_error,
    relu,
    sigmoid,
    tanh,
    topological_order,
    total,
    trace,
)

__all__ = [
    "GradCheckRow", "GraphError", "Local", "Node", "Step", "Trace", "TracedNode", "as_node",
    "backward_steps", "exp", "fmt", "fmt_number", "forward_steps", "gradient_check", "log", "matmul",
    "maximum", "numerical_gradient", "rel_error", "relu", "sigmoid", "tanh", "topological_order",
    "total", "trace",
]
