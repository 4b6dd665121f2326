"""Lab 4, tab "Jacobians": why backprop never builds a Jacobian matrix.

y = max(0, x) with x of size n: dy/dx is n x n (4096 x 4096 for one example, 409,600 x 409,600
for a minibatch of 100) and diagonal, so backprop multiplies elementwise instead. A small n shows
the actual matrix; z = x + y with vectors has two identity Jacobians. Numbers: engine.course.demos.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from visualdl.engine.course import demos as cd
from visualdl.engine.autograd import fmt_number
from visualdl.labs.common.plots import write_csv
from visualdl.labs.common.widgets import guard_wheel_in, spin

ZERO_COLOR = QColor("#b0b0b0")


def _matrix_table(rows: int, cols: int) -> QTableWidget:
    table = QTableWidget(rows, cols)
    table.horizontalHeader().setDefaultSectionSize(64)
    table.verticalHeader().setDefaultSectionSize(22)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    return table


def _fill(table: QTableWidget, matrix, row_names=None, col_names=None) -> None:
    matrix = np.atleast_2d(matrix)
    table.setRowCount(matrix.shape[0])
    table.setColumnCount(matrix.shape[1])
    if row_names is not None:
        table.setVerticalHeaderLabels(row_names)
    if col_names is not None:
        table.setHorizontalHeaderLabels(col_names)
    for r in range(matrix.shape[0]):
        for c in range(matrix.shape[1]):
            v = float(matrix[r, c])
            item = QTableWidgetItem(fmt_number(v))
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if v == 0:
                item.setForeground(ZERO_COLOR)
            table.setItem(r, c, item)
    table.setFixedHeight(24 + 22 * matrix.shape[0] + 4)


class JacobianPage(QWidget):
    """The sizes, the small diagonal matrix with backprop's shortcut beside it, and z = x + y."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.seed = 0
        self.values: dict = {}

        big = QGroupBox("y = max(0, x): the Jacobian dy/dx is big, but diagonal")
        form = QFormLayout(big)
        self.n_spin = spin(1, 1_000_000, 4096, step=1024)
        self.b_spin = spin(1, 100_000, 100, step=10)
        form.addRow("x has n =", self.n_spin)
        form.addRow("minibatch b =", self.b_spin)
        self.sizes_label = QLabel()
        self.sizes_label.setWordWrap(True)
        self.sizes_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.sizes_label)

        small = QGroupBox("The actual matrix for a small n, and what backprop does instead")
        slayout = QVBoxLayout(small)
        row = QHBoxLayout()
        self.small_spin = spin(2, 10, 6)
        self.new_x_button = QPushButton("New random x")
        row.addWidget(QLabel("n ="))
        row.addWidget(self.small_spin)
        row.addWidget(self.new_x_button)
        row.addStretch(1)
        slayout.addLayout(row)
        self.jacobian_table = _matrix_table(6, 6)
        self.vectors_table = _matrix_table(4, 6)
        self.small_note = QLabel()
        self.small_note.setWordWrap(True)
        slayout.addWidget(QLabel("dy/dx (zeros in grey): 1 on the diagonal where x > 0"))
        slayout.addWidget(self.jacobian_table)
        slayout.addWidget(self.vectors_table)
        slayout.addWidget(self.small_note)
        slayout.addStretch(1)

        add = QGroupBox("Vector addition z = x + y")
        alayout = QVBoxLayout(add)
        self.add_label = QLabel()
        self.add_label.setWordWrap(True)
        self.add_dx = _matrix_table(2, 2)
        self.add_dy = _matrix_table(2, 2)
        pair = QHBoxLayout()
        for name, table in (("dz/dx", self.add_dx), ("dz/dy", self.add_dy)):
            col = QVBoxLayout()
            col.addWidget(QLabel(name))
            col.addWidget(table)
            pair.addLayout(col)
        pair.addStretch(1)
        alayout.addWidget(self.add_label)
        alayout.addLayout(pair)

        left = QVBoxLayout()
        left.addWidget(big)
        left.addWidget(add)
        left.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addWidget(small, 1)
        guard_wheel_in(self)

        self.n_spin.valueChanged.connect(self._on_sizes_change)
        self.b_spin.valueChanged.connect(self._on_sizes_change)
        self.small_spin.valueChanged.connect(self._on_small_change)
        self.new_x_button.clicked.connect(self._on_new_x_clicked)
        self._show_sizes()
        self._show_small()
        self._show_addition()

    # ------------------------------------------------------------------ slots
    @Slot(int)
    def _on_sizes_change(self, _value: int) -> None:
        self._show_sizes()

    @Slot(int)
    def _on_small_change(self, _value: int) -> None:
        self._show_small()

    @Slot()
    def _on_new_x_clicked(self) -> None:
        self.seed += 1
        self._show_small()

    # ------------------------------------------------------------------ drawing
    def _show_sizes(self) -> None:
        s = cd.jacobian_sizes(self.n_spin.value(), self.b_spin.value())
        self.values["sizes"] = s
        n, b = s["n"], s["b"]
        self.sizes_label.setText(
            f"One example: dy/dx is {n:,} × {n:,} = {n * n:,} numbers, "
            f"{cd.human_bytes(s['bytes'])} in float32.\n"
            f"A minibatch of {b:,}: {n * b:,} × {n * b:,} = {(n * b) ** 2:,} numbers, "
            f"{cd.human_bytes(s['batch_bytes'])} in float32.\n"
            f"Only the diagonal can be nonzero ({s['nonzero']:,} and {s['batch_nonzero']:,} numbers): "
            f"output i depends on input i alone. So backprop never builds the matrix: "
            f"dL/dx = dL/dy * (x > 0), elementwise, {n:,} multiplications per example.")

    def _show_small(self) -> None:
        n = self.small_spin.value()
        rng = np.random.default_rng(self.seed)
        x = np.round(rng.uniform(-2, 2, n), 2)
        g = np.round(rng.uniform(-1, 1, n), 2)
        J = cd.relu_jacobian(x)
        by_matrix = J.T @ g
        elementwise = cd.relu_backward(x, g)
        self.values.update(x=x, grad_y=g, jacobian=J, by_matrix=by_matrix, elementwise=elementwise)
        names = [f"x{i + 1}" for i in range(n)]
        _fill(self.jacobian_table, J, [f"y{i + 1}" for i in range(n)], names)
        _fill(self.vectors_table, np.stack([x, g, by_matrix, elementwise]),
              ["x", "dL/dy", "Jᵀ · dL/dy", "dL/dy * (x > 0)"], [str(i + 1) for i in range(n)])
        same = np.array_equal(by_matrix, elementwise)
        self.small_note.setText(("The matrix product and the elementwise product agree" if same else "They differ")
                                + f": {n * n} numbers stored and {n * n} multiplications against {n}.")

    def _show_addition(self) -> None:
        dx, dy = cd.vector_add_jacobians(2)
        self.values.update(add_dx=dx, add_dy=dy)
        _fill(self.add_dx, dx, ["z1", "z2"], ["x1", "x2"])
        _fill(self.add_dy, dy, ["z1", "z2"], ["y1", "y2"])
        self.add_label.setText("z1 = x1 + y1, z2 = x2 + y2: each z depends on its own x and y with slope 1, "
                               "so both Jacobians are the 2 × 2 identity, and backprop hands dL/dz to x and "
                               "to y unchanged (the add gate distributes the gradient).")

    def export_csv(self, path) -> None:
        """The small example: x, dL/dy, both backward results, then the Jacobian's rows."""
        v = self.values
        rows = [["x", *v["x"].tolist()], ["dL/dy", *v["grad_y"].tolist()],
                ["J^T dL/dy", *v["by_matrix"].tolist()], ["dL/dy * (x > 0)", *v["elementwise"].tolist()]]
        rows += [[f"J row {i + 1}", *r.tolist()] for i, r in enumerate(v["jacobian"])]
        write_csv(path, ["quantity"] + [str(i + 1) for i in range(len(v["x"]))], rows)
