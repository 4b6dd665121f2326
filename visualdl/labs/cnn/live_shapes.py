"""The live CNN tab's shape and parameter table: describe_config of the model being trained.

The rows come from visualdl.engine.cnn.describe_config (the function the "Layer shapes" tab uses),
one per real layer of the live network, named like its feature maps (conv1, bn1, relu1, ...). When a
training snapshot arrives, the parameter arrays the live model really holds are counted and compared
with the table's total, so the arithmetic of tab 1 and the network agree in plain sight.

    shapes = LiveShapes()
    shapes.set_model(config, input_shape, num_classes, names)   # after a build
    shapes.set_names(names)                                     # the live layers' names, from a probe
    shapes.check(snapshot)                                      # with a Trainer Snapshot (its params)
"""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from visualdl.engine.cnn import describe_config, stack_totals
from visualdl.labs.cnn.stack_tab import StackTable, shape_text
from visualdl.labs.cnn.views import ERROR_STYLE, OK_STYLE
from visualdl.ui.export import install_export_menu

COLUMNS = ["Name", "Layer", "Output shape", "Parameters", "Counted as"]  # multiply-adds: in the total and tooltips


class LiveShapes(QWidget):
    """Table of the live model's layers (output shape, parameters, multiply-adds) and the check against it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.table = StackTable(columns=COLUMNS, stretch=1)
        install_export_menu(self.table, "CNN live model shapes")
        self.total_label = QLabel()
        self.total_label.setWordWrap(True)
        self.total_label.setStyleSheet("font-weight: bold;")
        self.check_label = QLabel("The live model's own parameter arrays are counted at the first snapshot.")
        self.check_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.total_label)
        layout.addWidget(self.check_label)
        self.rows: list[dict] = []
        self.total = 0
        self._checked_key = None

    def set_model(self, config: dict, input_shape, num_classes: int, names: list[str] | None = None) -> None:
        """Describe the network build_model makes for config (a ValueError is shown, not raised)."""
        self._checked_key = None
        try:
            self.rows = describe_config(config, tuple(input_shape), int(num_classes))
        except ValueError as exc:
            self.rows, self.total = [], 0
            self.table.set_rows([])
            self.total_label.setText(f"No table for this model: {exc}")
            return
        names = list(names or [])
        c = tuple(input_shape)
        table = [["input", "INPUT", shape_text(c), "0", ""]]
        for r in self.rows:
            name = names[r["index"]] if r["index"] < len(names) else f"layer {r['index']}"
            table.append([name, r["label"], shape_text(r["output_shape"]), f"{r['params']:,}",
                          r["formula"] if r["params"] else ""])
        totals = stack_totals(self.rows)
        self.total = totals["params"]
        self.table.set_rows(table)
        for i, r in enumerate(self.rows, start=1):
            for col in range(len(COLUMNS)):
                self.table.item(i, col).setToolTip(f"layer {r['index']} of the network: {r['macs']:,} "
                                                   "multiply-adds per image")
        self.total_label.setText(f"Total: {totals['params']:,} parameters, {totals['macs']:,} multiply-adds per "
                                 "image (the same formulas as 'Conv arithmetic' and 'Layer shapes').")
        self.check_label.setStyleSheet("")
        self.check_label.setText("The live model's own parameter arrays are counted at the first snapshot.")

    def set_names(self, names: list[str]) -> None:
        """Name the rows like the feature maps (from a probe of the live model: conv1, bn1, relu1, ...)."""
        if not self.rows or len(names) != len(self.rows):
            return
        rows = self.table.rows
        for i, name in enumerate(names, start=1):
            if rows[i][0] != name:
                rows[i][0] = name
                self.table.item(i, 0).setText(name)

    def check(self, snapshot, key=None) -> None:
        """Count the live model's parameter arrays (snapshot.params) against the table; once per key (run)."""
        if snapshot is None or not self.rows or (key is not None and key == self._checked_key):
            return
        self._checked_key = key
        real = int(sum(np.asarray(a).size for a in snapshot.params.values()))
        ok = real == self.total
        self.check_label.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        self.check_label.setText(f"The live model's parameter arrays hold {real:,} numbers: "
                                 + ("the same as this table." if ok else "NOT the same as this table."))
