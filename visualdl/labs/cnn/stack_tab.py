"""Lab 6: the layer-by-layer shape table (describe_stack) for the course stack, the app's CNNs and classics.

For the app's own CNNs the table is checked, when shown, against the network the training lab
really builds (visualdl.engine.nn.models.build_model): the parameter counts must be equal.
"""
from __future__ import annotations

import csv

import numpy as np
from PySide6.QtCore import Slot
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from visualdl.atomic import write_atomic
from visualdl.engine.cnn import STACK_PRESETS, describe_stack, stack_totals
from visualdl.engine.nn.models import build_model, default_config
from visualdl.labs.cnn.views import ERROR_STYLE, OK_STYLE
from visualdl.labs.common.widgets import combo, guard_wheel_in
from visualdl.ui.export import install_export_menu

COLUMNS = ["#", "Layer", "Output shape", "Output numbers", "Parameters", "Counted as", "Multiply-adds"]


def shape_text(shape) -> str:
    """(C, H, W) -> 'H x W x C' as the course writes volumes; (D,) -> 'D'."""
    if len(shape) == 3:
        c, h, w = shape
        return f"{h} x {w} x {c}"
    return " x ".join(str(s) for s in shape)


class StackTable(QTableWidget):
    """The table; export_csv writes its rows (so Export all gives the numbers, not only a picture)."""

    def __init__(self, parent=None, columns: list[str] | None = None, stretch: int = 1):
        self.columns = list(columns or COLUMNS)
        super().__init__(0, len(self.columns), parent)
        self.setHorizontalHeaderLabels(self.columns)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        self.rows: list[list[str]] = []

    def set_rows(self, rows: list[list[str]]) -> None:
        self.rows = rows
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.setItem(r, c, QTableWidgetItem(text))

    def export_csv(self, path) -> None:
        def write(fh):
            writer = csv.writer(fh)
            writer.writerow(self.columns)
            writer.writerows([[t.replace(",", "") for t in row] for row in self.rows])

        write_atomic(path, write, newline="", encoding="utf-8")


class StackTab(QWidget):
    def __init__(self, ctx=None, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.preset_combo = combo([(k, p["title"]) for k, p in STACK_PRESETS.items()])
        self.preset_combo.currentIndexChanged.connect(self._on_preset_change)
        top = QHBoxLayout()
        top.addWidget(QLabel("Network:"))
        top.addWidget(self.preset_combo)
        top.addStretch(1)
        self.table = StackTable()
        install_export_menu(self.table, "Layer shapes table")
        self.total_label = QLabel()
        self.check_label = QLabel()
        self.note_label = QLabel()
        self.note_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.total_label)
        layout.addWidget(self.check_label)
        layout.addWidget(self.note_label)
        self.rows: list[dict] = []
        guard_wheel_in(self)
        self.show_preset(self.preset_combo.currentData())

    def show_preset(self, key: str) -> None:
        preset = STACK_PRESETS[key]
        c, h, w = preset["input_shape"]
        try:
            self.rows = describe_stack(preset["input_shape"], preset["layers"])
        except ValueError as exc:  # presets are tested to fit; say so rather than crash if one did not
            self.rows = []
            self.table.set_rows([])
            self.total_label.setText(f"This stack does not fit: {exc}")
            self.total_label.setStyleSheet(ERROR_STYLE)
            return
        table = [["", "INPUT", shape_text((c, h, w)), f"{c * h * w:,}", "0", "", "0"]]
        for r in self.rows:
            numbers = int(np.prod(r["output_shape"]))
            table.append([str(r["index"]), r["label"], shape_text(r["output_shape"]), f"{numbers:,}",
                          f"{r['params']:,}", r["formula"] if r["params"] else "", f"{r['macs']:,}"])
        totals = stack_totals(self.rows)
        self.table.set_rows(table)
        self.total_label.setText(f"Total: {totals['params']:,} parameters, {totals['macs']:,} multiply-adds "
                                 "per image (conv and FC layers; ReLU, pooling and batch norm counted as 0).")
        self.total_label.setStyleSheet("font-weight: bold;")
        self.note_label.setText(preset["note"])
        self.check_label.setText(self._check_real(key, totals["params"]))

    def _check_real(self, key: str, params: int) -> str:
        """For the app's CNNs: the parameter count of the network build_model really allocates."""
        if key not in ("small_cnn", "standard_cnn"):
            self.check_label.setStyleSheet("")
            return ""
        model = build_model(default_config(key), STACK_PRESETS[key]["input_shape"], 10,
                            rng=np.random.default_rng(0))
        real = sum(a.size for a in model.named_params().values())
        ok = real == params
        self.check_label.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        return (f"The network the training lab builds for '{key}' has {real:,} parameters: "
                + ("the same as this table." if ok else "NOT the same as this table."))

    @Slot(int)
    def _on_preset_change(self, _index: int) -> None:
        self.show_preset(self.preset_combo.currentData())

    def export_targets(self) -> dict:
        return {"Layer shapes table": self.table}

    def shutdown(self) -> None:
        pass
