"""A safe parser for the expressions students type into the backprop lab (no ``eval``).

Grammar (one statement per line or separated by ';'; the last one is the output):

    program   := statement ((';' | newline) statement)*
    statement := [NAME '='] expr
    expr      := term (('+' | '-') term)*
    term      := unary (('*' | '/' | '@') unary)*
    unary     := ('-' | '+') unary | power
    power     := atom [('^' | '**') unary]          # right-associative, binds tighter than unary minus
    atom      := NUMBER | NAME | NAME '(' expr (',' expr)* ')' | '(' expr ')'

Functions: exp, log, relu, sigmoid, tanh (one argument), max (two), sum (one).
Names that are not assigned before use are input variables, e.g. in
``q = x + y; f = q * z`` the inputs are x, y, z and q names an intermediate node.

A typo raises ``ExprError`` whose message shows the text with a caret under the
offending character, e.g. ``(x + * y)`` -> "Unexpected '*' ... ^ at column 6".
"""
from __future__ import annotations

import operator
import re
from dataclasses import dataclass

import numpy as np

from visualdl.engine.autograd import graph as ag
from visualdl.engine.autograd.graph import GraphError, Node


class ExprError(ValueError):
    """A syntax error; ``position`` is the 0-based character offset of the bad spot."""

    def __init__(self, message: str, text: str, position: int):
        self.message, self.text, self.position = message, text, position
        line_start = text.rfind("\n", 0, position) + 1
        line_end = text.find("\n", position)
        line = text[line_start:] if line_end < 0 else text[line_start:line_end]
        self.line = text.count("\n", 0, position) + 1
        self.column = position - line_start + 1
        where = f"line {self.line}, column {self.column}" if "\n" in text else f"column {self.column}"
        super().__init__(f"{message} at {where}\n{line}\n{' ' * (position - line_start)}^")


# -- tokenizer ------------------------------------------------------------------------
@dataclass(frozen=True)
class Token:
    kind: str  # "num", "name", "op", "sep" (';' or newline), "end"
    text: str
    pos: int


_TOKEN_RE = re.compile(r"""
    (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|[-+*/^@(),=\[\]])
  | (?P<sep>[;\n])
  | (?P<space>[ \t\r]+)
""", re.VERBOSE)


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            raise ExprError(f"Unexpected character {text[pos]!r}", text, pos)
        if m.lastgroup != "space":
            tokens.append(Token(m.lastgroup, m.group(), pos))
        pos = m.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# -- syntax tree ------------------------------------------------------------------------
@dataclass(frozen=True)
class Num:
    value: float
    pos: int


@dataclass(frozen=True)
class Var:
    name: str
    pos: int


@dataclass(frozen=True)
class Call:
    fn: str
    args: tuple
    pos: int


@dataclass(frozen=True)
class BinOp:
    op: str
    left: object
    right: object
    pos: int


@dataclass(frozen=True)
class Neg:
    operand: object
    pos: int


FUNCTIONS = {  # name -> (number of arguments, builder)
    "exp": (1, ag.exp), "log": (1, ag.log), "relu": (1, ag.relu), "sigmoid": (1, ag.sigmoid),
    "tanh": (1, ag.tanh), "max": (2, ag.maximum), "sum": (1, ag.total),
}


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def error(self, message: str, token: Token | None = None):
        token = token or self.tok
        raise ExprError(message, self.text, token.pos)

    def unexpected(self, expected: str):
        tok = self.tok
        if tok.kind == "end":
            self.error(f"Expression ends too early: expected {expected}")
        shown = "end of line" if tok.text == "\n" else repr(tok.text)
        self.error(f"Unexpected {shown}: expected {expected}")

    def take(self, text: str) -> bool:
        if self.tok.text == text and self.tok.kind in ("op", "sep"):
            self.i += 1
            return True
        return False

    def expect(self, text: str, what: str | None = None):
        if not self.take(text):
            self.unexpected(what or repr(text))

    def program(self) -> list[tuple[str | None, object, int]]:
        statements = []
        while True:
            while self.tok.kind == "sep":
                self.i += 1
            if self.tok.kind == "end":
                break
            start = self.tok
            name = None
            if start.kind == "name" and self.tokens[self.i + 1].text == "=":
                if start.text in FUNCTIONS:
                    self.error(f"Cannot assign to the function name '{start.text}'", start)
                name = start.text
                self.i += 2
            statements.append((name, self.expr(), start.pos))
            if self.tok.kind not in ("sep", "end"):
                self.unexpected("an operator or the end of the statement")
        if not statements:
            self.error("Empty expression: type one, e.g. (x + y) * z")
        return statements

    def expr(self):
        node = self.term()
        while self.tok.text in ("+", "-") and self.tok.kind == "op":
            op = self.tok
            self.i += 1
            node = BinOp(op.text, node, self.term(), op.pos)
        return node

    def term(self):
        node = self.unary()
        while self.tok.text in ("*", "/", "@") and self.tok.kind == "op":
            op = self.tok
            self.i += 1
            node = BinOp(op.text, node, self.unary(), op.pos)
        return node

    def unary(self):
        tok = self.tok
        if self.take("-"):
            operand = self.unary()
            # -3 is the constant -3, not a "negate" node: keeps the graph readable
            return Num(-operand.value, tok.pos) if isinstance(operand, Num) else Neg(operand, tok.pos)
        if self.take("+"):
            return self.unary()
        return self.power()

    def power(self):
        base = self.atom()
        tok = self.tok
        if self.take("^") or self.take("**"):
            return BinOp("^", base, self.unary(), tok.pos)
        return base

    def atom(self):
        tok = self.tok
        if tok.kind == "num":
            self.i += 1
            return Num(float(tok.text), tok.pos)
        if tok.kind == "name":
            self.i += 1
            if self.take("("):
                if tok.text not in FUNCTIONS:
                    self.error(f"Unknown function '{tok.text}' (known: {', '.join(FUNCTIONS)})", tok)
                args = [self.expr()]
                while self.take(","):
                    args.append(self.expr())
                self.expect(")", "')' or ','")
                arity = FUNCTIONS[tok.text][0]
                if len(args) != arity:
                    self.error(f"{tok.text}() takes {arity} argument{'s' if arity > 1 else ''}, got {len(args)}", tok)
                return Call(tok.text, tuple(args), tok.pos)
            if tok.text in FUNCTIONS:
                self.error(f"'{tok.text}' is a function: write {tok.text}(...)", tok)
            return Var(tok.text, tok.pos)
        if self.take("("):
            node = self.expr()
            self.expect(")", "')'")
            return node
        self.unexpected("a number, a name or '('")


# -- programs -----------------------------------------------------------------------------
@dataclass
class Evaluation:
    """root: the output node; inputs: name -> input node; named: every named node (inputs too)."""

    root: Node
    inputs: dict[str, Node]
    named: dict[str, Node]


class Program:
    """A parsed expression. ``inputs``: the free variable names in order of first use."""

    def __init__(self, text: str):
        self.text = text
        self.statements = _Parser(text).program()
        self.inputs: list[str] = []
        defined: set[str] = set()
        for name, tree, pos in self.statements:
            for var in _variables(tree):
                if var.name not in defined and var.name not in self.inputs:
                    self.inputs.append(var.name)
            if name is not None:
                if name in self.inputs:
                    raise ExprError(f"'{name}' is used before it is defined", text, self._first_use(name))
                if name in defined:
                    raise ExprError(f"'{name}' is defined twice", text, pos)
                defined.add(name)
        self.output_name = self.statements[-1][0] or ("f" if "f" not in self.inputs else "out")

    def _first_use(self, name: str) -> int:
        return min(v.pos for _, tree, _ in self.statements for v in _variables(tree) if v.name == name)

    def evaluate(self, values: dict) -> Evaluation:
        """values: name -> number or array for every name in ``inputs``. Builds a fresh graph."""
        env: dict[str, Node] = {}
        inputs = {}
        for name in self.inputs:
            if name not in values:
                raise GraphError(f"No value for variable {name}")
            inputs[name] = env[name] = Node(values[name], label=name, kind="input")
        node = None
        for name, tree, _ in self.statements:
            node = _build(tree, env)
            if name is not None:
                if node.label:  # `q = x`: keep x's name, give q its own (identity) node
                    node = node * 1.0
                node.label = name
                env[name] = node
        if not node.label:
            node.label = self.output_name
        return Evaluation(node, inputs, env)

    def gradient_check(self, values: dict, h: float = 1e-5) -> list[ag.GradCheckRow]:
        """Per input: analytic gradient, numerical gradient, relative error."""
        def build(vals):
            ev = self.evaluate(vals)
            return ev.root, ev.inputs
        return ag.gradient_check(build, {name: values[name] for name in self.inputs}, h)


def _variables(tree):
    if isinstance(tree, Var):
        yield tree
    elif isinstance(tree, Call):
        for arg in tree.args:
            yield from _variables(arg)
    elif isinstance(tree, BinOp):
        yield from _variables(tree.left)
        yield from _variables(tree.right)
    elif isinstance(tree, Neg):
        yield from _variables(tree.operand)


# The binary operators of the language, for any operand type (autograd nodes, NumPy arrays, floats).
BINARY_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
              "@": operator.matmul, "^": operator.pow}


def _build(tree, env: dict) -> Node:
    if isinstance(tree, Num):
        return Node(tree.value, kind="const")
    if isinstance(tree, Var):
        return env[tree.name]
    if isinstance(tree, Neg):
        return -_build(tree.operand, env)
    if isinstance(tree, Call):
        return FUNCTIONS[tree.fn][1](*[_build(a, env) for a in tree.args])
    left = _build(tree.left, env)
    if tree.op == "^" and isinstance(tree.right, Num):
        return left ** tree.right.value  # constant exponent: one-input node "^2"
    return BINARY_OPS[tree.op](left, _build(tree.right, env))


def parse(text: str) -> Program:
    return Program(text)


# -- values typed for variables ------------------------------------------------------------
def parse_value(text: str) -> np.ndarray:
    """'-2', '1e-3', '[0.2, 0.4]' or '[[0.1, 0.5], [-0.3, 0.8]]' -> float64 array (no eval)."""
    p = _Parser(text)

    def value():
        tok = p.tok
        if p.take("["):
            items = [value()]
            while p.take(","):
                items.append(value())
            p.expect("]", "']' or ','")
            shapes = {np.shape(item) for item in items}
            if len(shapes) > 1:
                p.error("Rows of different lengths", tok)
            return items
        sign = -1.0 if p.take("-") else 1.0
        if p.tok.kind != "num":
            p.unexpected("a number or '['")
        number = float(p.tok.text)
        p.i += 1
        return sign * number

    result = value()
    if p.tok.kind != "end":
        p.unexpected("the end of the value")
    return np.array(result, dtype=np.float64)
