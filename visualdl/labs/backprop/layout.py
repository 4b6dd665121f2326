"""What the backprop lab shows, decided without Qt: graph layout, stepping state, network boxes.

The engine (visualdl.engine.autograd/expr) computes; this module only decides
*where* nodes go and *which* numbers are visible after k steps. The Qt views
in graph.py (beside this module) draw that.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from visualdl.engine import autograd as ag
from visualdl.engine.autograd.expr import Program, parse, parse_value


# -- presets from the course ----------------------------------------------------------------
@dataclass(frozen=True)
class Preset:
    title: str
    text: str
    values: dict  # name -> value text, parsed with parse_value


PRESETS = [
    Preset("Circuit: f = (x + y) z", "q = x + y; f = q * z", {"x": "-2", "y": "5", "z": "-4"}),
    Preset("Sigmoid neuron", "1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))",
           {"w0": "2", "x0": "-1", "w1": "-3", "x1": "-2", "w2": "-3"}),
    Preset("Matrix: f = ||W x||²", "q = W @ x; f = sum(q ^ 2)",
           {"W": "[[0.1, 0.5], [-0.3, 0.8]]", "x": "[0.2, 0.4]"}),
    Preset("Gate patterns: add, max, mul", "f = 2 * (x * y + max(z, w))",
           {"x": "3", "y": "-4", "z": "2", "w": "-1"}),
    Preset("Sigmoid as one gate", "f = sigmoid(w0*x0 + w1*x1 + w2)",
           {"w0": "2", "x0": "-1", "w1": "-3", "x1": "-2", "w2": "-3"}),
]


# -- layout -------------------------------------------------------------------------------------
def layout(trace: ag.Trace) -> dict[int, tuple[int, float]]:
    """Node index -> (column, row) with inputs on the left and the output on the right.

    Column: an operation sits one column right of its furthest input (longest
    path from the inputs); variables are in column 0; a constant sits just left
    of the operation that uses it. Row: a tidy tree drawn back from the output,
    so each operation is centred on its inputs; constants sit slightly above
    their consumer. Then nodes of one column are pushed apart to at least one
    row, so no two boxes ever overlap (a column's boxes are one row tall at most).
    """
    nodes = trace.nodes
    consumers: dict[int, list[int]] = {n.index: [] for n in nodes}
    for src, dst, _ in trace.edges:
        consumers[src].append(dst)
    column: dict[int, int] = {}
    for n in nodes:  # topological order: inputs are placed before their users
        if n.kind != "const":
            column[n.index] = 1 + max((column[i] for i in n.inputs if nodes[i].kind != "const"), default=-1)
    for n in nodes:
        if n.kind == "const":
            users = consumers[n.index]
            column[n.index] = max(0, min((column[u] for u in users), default=1) - 1)

    row: dict[int, float] = {}
    next_slot = [0.0]

    def place(i: int) -> float:
        if i in row:
            return row[i]
        node = nodes[i]
        ins = [j for j in node.inputs if nodes[j].kind != "const"]
        if ins:
            row[i] = float(np.mean([place(j) for j in ins]))
        else:
            row[i] = next_slot[0]
            next_slot[0] += 1.0
        for j in node.inputs:
            if nodes[j].kind == "const" and j not in row:
                row[j] = row[i] - 0.6
        return row[i]

    if nodes:
        place(nodes[-1].index)
    for n in nodes:  # nodes unreachable by the walk above (cannot happen for a traced root)
        row.setdefault(n.index, next_slot[0])
    # a node reused by two consumers (x in "x * y" and "x * x") can pull two nodes of one column
    # onto the same row: push each column's nodes apart, top to bottom, to at least one row
    by_column: dict[int, list[int]] = {}
    for i, c in column.items():
        by_column.setdefault(c, []).append(i)
    for members in by_column.values():
        members.sort(key=lambda i: (row[i], i))
        for above, below in zip(members, members[1:]):
            row[below] = max(row[below], row[above] + 1.0)
    top = min(row.values(), default=0.0)
    return {i: (column[i], row[i] - top) for i in column}


# -- stepping -----------------------------------------------------------------------------------
@dataclass
class GraphState:
    """What is visible after `position` steps: values, gradients and the current step."""

    values: dict[int, np.ndarray]
    grads: dict[int, np.ndarray]
    current: ag.Step | None
    phase: str  # "start", "forward", "backward", "done"


class BackpropSession:
    """An expression, its variable values, its graph and a position in forward + backward steps.

    position counts performed steps: 0 = nothing computed, len(forward) = forward
    pass done, len(forward) + len(backward) = all gradients known.
    """

    def __init__(self, text: str, values: dict):
        self.program: Program = parse(text)
        self.values = {name: np.array(values.get(name, 1.0), dtype=np.float64) for name in self.program.inputs}
        self.position = 0
        self._build()
        self.position = len(self.forward)

    @classmethod
    def from_preset(cls, preset: Preset) -> "BackpropSession":
        return cls(preset.text, {k: parse_value(v) for k, v in preset.values.items()})

    def _build(self) -> None:
        ev = self.program.evaluate(self.values)
        self.root = ev.root
        self.forward = ag.forward_steps(ev.root)
        self.backward = ev.root.backward()
        self.trace = ag.trace(ev.root)  # after backward: carries every final gradient
        self.layout = layout(self.trace)
        self.position = min(self.position, self.total_steps)

    @property
    def total_steps(self) -> int:
        return len(self.forward) + len(self.backward)

    def set_value(self, name: str, value) -> None:
        """Change one input; the graph is recomputed and the step position kept."""
        if name not in self.values:
            raise KeyError(f"Unknown variable {name!r}; inputs are {', '.join(self.values)}")
        old = self.values[name]
        self.values[name] = np.array(value, dtype=np.float64)
        try:
            self._build()
        except ValueError:
            self.values[name] = old
            raise

    def step_forward(self) -> bool:
        if self.position < len(self.forward):
            self.position += 1
            return True
        return False

    def step_backward(self) -> bool:
        if len(self.forward) <= self.position < self.total_steps:
            self.position += 1
            return True
        return False

    def undo(self) -> bool:
        if self.position > 0:
            self.position -= 1
            return True
        return False

    def run_all(self) -> None:
        self.position = self.total_steps

    def reset(self) -> None:
        self.position = 0

    def state(self) -> GraphState:
        nf = len(self.forward)
        done_forward = self.forward[:min(self.position, nf)]
        values = {n.index: n.value for n in self.trace.nodes if n.kind != "op"}  # given, not computed
        values.update({s.node: self.trace.nodes[s.node].value for s in done_forward})
        k = self.position - nf
        grads = dict(self.backward[k - 1].grads) if k > 0 else {}
        if self.position == 0:
            current, phase = None, "start"
        elif k <= 0:
            current, phase = self.forward[self.position - 1], "forward"
        else:
            current, phase = self.backward[k - 1], "backward" if k < len(self.backward) else "done"
        return GraphState(values, grads, current, phase)

    def gradient_check(self) -> list[ag.GradCheckRow]:
        return self.program.gradient_check(self.values)


# -- the training network as boxes -----------------------------------------------------------------
@dataclass
class LayerBox:
    title: str
    lines: list[str] = field(default_factory=list)
    kind: str = "layer"  # "input", "layer", "loss"


def _shape(shape) -> str:
    return "×".join(str(int(s)) for s in shape) if shape is not None else "?"


def network_boxes(snapshot: dict | None) -> list[LayerBox]:
    """Boxes for the dashboard's network: input, each layer (shape + last-step stats), loss.

    snapshot: the trainer's snapshot() dict ({"config", "layers": [{"name", "type",
    "output_shape", "act_mean", ...}]}) or None when nothing has been trained yet.
    """
    if not snapshot or not snapshot.get("layers"):
        return []
    boxes = [LayerBox("input", kind="input")]
    input_shape = snapshot.get("input_shape")
    if input_shape is not None:
        boxes[0].lines.append(f"shape {_shape(input_shape)}")
    params_below = False  # a layer with parameters before this one (backprop must reach it)
    for layer in snapshot["layers"]:
        title = layer.get("name") or layer.get("type") or "layer"  # "Linear(2 -> 100)" says the most
        lines = [f"out {_shape(layer.get('output_shape'))}"]
        if isinstance(layer.get("params"), (int, np.integer)) and layer["params"] > 0:
            lines.append(f"{int(layer['params']):,} params")
        stepped = layer.get("act_mean") is not None  # the trainer has taken a step
        for prefix in ("act", "grad"):
            stats = [layer.get(f"{prefix}_{s}") for s in ("mean", "std", "norm")]
            if all(v is not None for v in stats):
                lines.append(f"{prefix:<4} mean {ag.fmt_number(stats[0])}")
                lines.append(f"{'':<4} std  {ag.fmt_number(stats[1])}")
                lines.append(f"{'':<4} norm {ag.fmt_number(stats[2])}")
            elif prefix == "grad" and stepped and not params_below:
                # the trainer stops backprop at the first layer with parameters: nothing below needs it
                lines.append("grad (not computed:")
                lines.append("      no parameters below)")
            elif prefix == "grad" and stepped:
                lines.append("grad (not kept)")
            else:
                lines.append(f"{prefix:<4} ({layer.get(f'{prefix}_note') or 'no step yet'})")
        boxes.append(LayerBox(title, lines))
        params_below = params_below or (isinstance(layer.get("params"), (int, np.integer)) and layer["params"] > 0)
    config = snapshot.get("config") or {}
    loss = config.get("loss", "loss")
    loss_lines = []
    if snapshot.get("iteration") is not None:
        loss_lines.append(f"iteration {snapshot['iteration']}")
    last = snapshot.get("last") or {}
    if last.get("loss") is not None:
        loss_lines.append(f"loss {ag.fmt_number(last['loss'])}")
    boxes.append(LayerBox(f"{loss} loss", loss_lines, kind="loss"))
    return boxes
