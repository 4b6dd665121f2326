"""Lab 4: backpropagation on a computational graph, one node at a time.

Tab "Expression graph": type an expression (or pick a course preset), edit the
variables, step the forward pass then the backward pass; the side panel shows
the rule applied at the highlighted node with its numbers; "Gradient check"
compares backprop with centred differences.
Tab "Training network": the network of the training dashboard as layers with
output shapes and the last step's activation/gradient statistics.
Tab "Jacobians": ReLU's Jacobian is huge but diagonal; vector addition's are identities.

All numbers come from visualdl.engine (autograd, expr) through
layout.BackpropSession; this widget only shows them and sends commands.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QSplitter,
                               QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from visualdl.engine.autograd import fmt
from visualdl.engine.autograd.expr import ExprError, parse_value
from visualdl.labs.backprop.graph import ExpressionGraphScene, GraphView, NetworkGraphScene
from visualdl.labs.backprop.jacobians import JacobianPage
from visualdl.labs.backprop.layout import PRESETS, BackpropSession, network_boxes
from visualdl.labs.common.widgets import guard_wheel, spin
from visualdl.ui.export import ExportError, export_png, export_svg, install_export_menu
from visualdl.ui.presentation import controls_panel

MONO = QFont("DejaVu Sans Mono", 10)
NO_NETWORK = "No network yet: start a run in the training dashboard and its layers appear here."


class BackpropLab(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.session = BackpropSession.from_preset(PRESETS[0])
        self.editors: dict[str, QWidget] = {}

        self.play_timer = QTimer(self)
        self.play_timer.setInterval(700)
        self.play_timer.timeout.connect(self.step_once)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_expression_tab(), "Expression graph")
        self.tabs.addTab(self._build_network_tab(), "Training network")
        self.jacobian_page = JacobianPage()
        install_export_menu(self.jacobian_page, "Jacobians")
        self.tabs.addTab(self.jacobian_page, "Jacobians")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs)

        self._load_preset(0)
        if hasattr(ctx, "training_snapshot_changed"):
            ctx.training_snapshot_changed.connect(self._on_training_snapshot_change)
        self._on_training_snapshot_change(ctx.training_snapshot() if hasattr(ctx, "training_snapshot") else None)

    # ------------------------------------------------------------------ building
    def _build_expression_tab(self) -> QWidget:
        self.preset_box = guard_wheel(QComboBox())
        self.preset_box.addItems([p.title for p in PRESETS])
        self.preset_box.activated.connect(self._on_preset_change)
        self.expr_edit = QLineEdit()
        self.expr_edit.setFont(MONO)
        self.expr_edit.setPlaceholderText("e.g. q = x + y; f = q * z")
        self.expr_edit.textEdited.connect(self._on_expression_change)
        self.error_label = QLabel()
        self.error_label.setFont(MONO)
        self.error_label.setStyleSheet("color: #c62828;")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.vars_form = QFormLayout()
        vars_box = QGroupBox("Variables (editing recomputes)")
        vars_box.setLayout(self.vars_form)

        self.undo_button = QPushButton("◀ Undo")
        self.forward_button = QPushButton("Forward ▶")
        self.backward_button = QPushButton("◀ Backward")
        self.run_button = QPushButton("Run all")
        self.reset_button = QPushButton("Reset")
        self.check_button = QPushButton("Gradient check")
        self.png_button = QPushButton("Export PNG…")
        self.svg_button = QPushButton("Export SVG…")
        self.fit_button = QPushButton("Fit to view")
        for button, slot in ((self.undo_button, self._on_undo_click), (self.forward_button, self._on_forward_click),
                             (self.backward_button, self._on_backward_click), (self.run_button, self._on_run_click),
                             (self.reset_button, self._on_reset_click), (self.check_button, self._on_check_click),
                             (self.png_button, self._on_export_png_click), (self.fit_button, self._on_fit_click),
                             (self.svg_button, self._on_export_svg_click)):
            button.clicked.connect(slot)
        self.forward_button.setToolTip("Compute the next node's value (inputs to output)")
        self.backward_button.setToolTip("Send the gradient one node back (output to inputs)")
        self.undo_button.setToolTip("Take the last step back")
        self.check_button.setToolTip("Compare backprop with centred differences (h = 1e-5) for every input")
        self.fit_button.setToolTip("Show the whole graph (Ctrl+wheel or Ctrl+plus/minus zoom, drag to pan)")

        self.scene = ExpressionGraphScene(self)
        self.view = GraphView(self.scene)

        self.step_title = QLabel()
        self.step_title.setStyleSheet("font-weight: bold;")
        self.rule_text = QPlainTextEdit()
        self.rule_text.setReadOnly(True)
        self.rule_text.setFont(MONO)
        self.check_table = QTableWidget(0, 4)
        self.check_table.setHorizontalHeaderLabels(["input", "analytic", "numerical", "rel. error"])
        self.check_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.check_table.verticalHeader().setVisible(False)
        self.check_table.setFont(MONO)
        self.check_table.verticalHeader().setDefaultSectionSize(22)

        top = QHBoxLayout()
        top.addWidget(QLabel("Preset"))
        top.addWidget(self.preset_box)
        top.addWidget(QLabel("f ="))
        top.addWidget(self.expr_edit, 1)
        buttons = QHBoxLayout()
        for b in (self.undo_button, self.forward_button, self.backward_button, self.run_button, self.reset_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(QLabel("Ctrl+wheel zooms"))
        buttons.addWidget(self.fit_button)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(controls_panel(vars_box))
        side_layout.addWidget(self.step_title)
        side_layout.addWidget(self.rule_text, 2)
        check_row = QHBoxLayout()
        check_row.addWidget(self.check_button)
        check_row.addWidget(QLabel("vs centred differences"), 1)
        side_layout.addLayout(check_row)
        side_layout.addWidget(self.check_table, 1)
        export_row = QHBoxLayout()
        export_row.addStretch(1)
        export_row.addWidget(self.png_button)
        export_row.addWidget(self.svg_button)
        side_layout.addLayout(export_row)

        split = QSplitter()
        split.addWidget(self.view)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([880, 400])

        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(top)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        layout.addWidget(split, 1)
        return tab

    def _build_network_tab(self) -> QWidget:
        self.net_scene = NetworkGraphScene(self)
        self.net_view = GraphView(self.net_scene)
        self.net_title = QLabel()
        self.net_title.setWordWrap(True)
        self.net_png_button = QPushButton("Export PNG…")
        self.net_svg_button = QPushButton("Export SVG…")
        self.net_fit_button = QPushButton("Fit to view")
        self.net_png_button.clicked.connect(self._on_export_net_png_click)
        self.net_svg_button.clicked.connect(self._on_export_net_svg_click)
        self.net_fit_button.clicked.connect(self._on_net_fit_click)
        row = QHBoxLayout()
        row.addWidget(self.net_title, 1)
        row.addWidget(self.net_fit_button)
        row.addWidget(self.net_png_button)
        row.addWidget(self.net_svg_button)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(row)
        layout.addWidget(self.net_view, 1)
        return tab

    # ------------------------------------------------------------------ state -> screen
    def _load_preset(self, index: int) -> None:
        preset = PRESETS[index]
        self.preset_box.setCurrentIndex(index)
        self.expr_edit.setText(preset.text)
        self.session = BackpropSession.from_preset(preset)
        self._show_error("")
        self._rebuild_editors()
        self._clear_check()
        self.view.user_zoom = False  # a new graph: fit it
        self._redraw()

    def _rebuild_editors(self) -> None:
        while self.vars_form.rowCount():
            self.vars_form.removeRow(0)
        self.editors = {}
        for name, value in self.session.values.items():
            if value.ndim == 0:
                editor = spin(-1e4, 1e4, float(value), decimals=4, step=0.1, keyboard_tracking=True)
                editor.setProperty("var", name)
                editor.valueChanged.connect(self._on_spin_change)
            else:
                editor = QLineEdit(fmt(value) if value.size <= 16 else np.array2string(value, separator=", "))
                editor.setFont(MONO)
                editor.setProperty("var", name)
                editor.editingFinished.connect(self._on_array_edit)
            self.editors[name] = editor
            self.vars_form.addRow(name, editor)

    def _redraw(self) -> None:
        s = self.session
        state = s.state()
        self.scene.show_graph(s.trace, s.layout, state, s.program.output_name)
        if not self.view.user_zoom:
            self.view.fit()
        nf = len(s.forward)
        if state.current is None:
            title = "Ready: press Forward to compute the first node"
            lines = ["Forward steps go from the inputs to the output,",
                     "backward steps from the output back to the inputs."]
        else:
            label = s.trace.nodes[state.current.node].label
            if state.phase == "forward":
                title = f"Forward step {s.position}/{nf}: node {label}"
            else:
                title = f"Backward step {s.position - nf}/{len(s.backward)}: node {label}"
            lines = state.current.lines
        self.step_title.setText(title)
        self.rule_text.setPlainText("\n".join(lines))
        self.undo_button.setEnabled(s.position > 0)
        self.forward_button.setEnabled(s.position < nf)
        self.backward_button.setEnabled(nf <= s.position < s.total_steps)
        self.run_button.setEnabled(s.position < s.total_steps)

    def _clear_check(self) -> None:
        self.check_table.setRowCount(0)

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def _recompute_failed(self, exc: Exception) -> None:
        self._show_error(str(exc))
        if hasattr(self.ctx, "status"):
            self.ctx.status(str(exc).splitlines()[0], source=self)

    # ------------------------------------------------------------------ slots
    @Slot(int)
    def _on_preset_change(self, index: int) -> None:
        self._load_preset(index)

    @Slot(str)
    def _on_expression_change(self, text: str) -> None:
        """Rebuild the graph as the student types; keep the last good graph on a typo."""
        old = {name: value for name, value in self.session.values.items()}
        old_nodes = len(self.session.trace.nodes)
        try:
            session = BackpropSession(text, old)
        except (ExprError, ValueError) as exc:
            self._recompute_failed(exc)
            return
        self._show_error("")
        reuse = set(session.program.inputs) == set(self.session.program.inputs)
        self.session = session
        if not reuse:
            self._rebuild_editors()
        self._clear_check()
        if len(session.trace.nodes) != old_nodes:
            self.view.user_zoom = False  # another graph: fit it
        self._redraw()

    @Slot(float)
    def _on_spin_change(self, value: float) -> None:
        self._set_value(self.sender().property("var"), value)

    @Slot()
    def _on_array_edit(self) -> None:
        editor = self.sender()
        try:
            value = parse_value(editor.text())
        except ExprError as exc:
            self._recompute_failed(exc)
            return
        self._set_value(editor.property("var"), value)

    def _set_value(self, name: str, value) -> None:
        try:
            self.session.set_value(name, value)
        except ValueError as exc:
            self._recompute_failed(exc)
            return
        self._show_error("")
        self._clear_check()
        self._redraw()

    @Slot()
    def _on_forward_click(self) -> None:
        self.session.step_forward()
        self._redraw()

    @Slot()
    def _on_backward_click(self) -> None:
        self.session.step_backward()
        self._redraw()

    @Slot()
    def _on_undo_click(self) -> None:
        self.session.undo()
        self._redraw()

    @Slot()
    def _on_run_click(self) -> None:
        self.session.run_all()
        self._redraw()

    @Slot()
    def _on_reset_click(self) -> None:
        self.session.reset()
        self._redraw()

    @Slot()
    def _on_check_click(self) -> None:
        rows = self.session.gradient_check()
        self.check_table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            cells = [row.name, fmt(row.analytic), fmt(row.numeric), f"{row.rel_error:.1e}"]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.check_table.setItem(r, c, item)
        worst = max((row.rel_error for row in rows), default=0.0)
        if hasattr(self.ctx, "status"):
            verdict = "backprop agrees" if worst < 1e-7 else "check the kinks (relu/max) or the values"
            self.ctx.status(f"Gradient check: worst relative error {worst:.1e} ({verdict})", source=self)

    def _export(self, scene, fmt_name: str, default: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export graph as {fmt_name}", default,
                                              f"{fmt_name} image (*.{fmt_name.lower()})")
        if not path:
            return
        try:
            (export_png if fmt_name == "PNG" else export_svg)(scene, Path(path))
        except (ExportError, OSError) as exc:  # a slot must not raise: say it in plain words instead
            message = f"Export failed: {exc}"
        else:
            message = f"Saved {path}"
        if hasattr(self.ctx, "status"):
            self.ctx.status(message, source=self)

    @Slot()
    def _on_fit_click(self) -> None:
        self.view.fit_to_view()

    @Slot()
    def _on_net_fit_click(self) -> None:
        self.net_view.fit_to_view()

    @Slot()
    def _on_export_png_click(self) -> None:
        self._export(self.scene, "PNG", "backprop_graph.png")

    @Slot()
    def _on_export_svg_click(self) -> None:
        self._export(self.scene, "SVG", "backprop_graph.svg")

    @Slot()
    def _on_export_net_png_click(self) -> None:
        self._export(self.net_scene, "PNG", "network_graph.png")

    @Slot()
    def _on_export_net_svg_click(self) -> None:
        self._export(self.net_scene, "SVG", "network_graph.svg")

    @Slot(object)
    def _on_training_snapshot_change(self, snapshot) -> None:
        boxes = network_boxes(snapshot)
        self.net_scene.show_boxes(boxes, NO_NETWORK)
        if not self.net_view.user_zoom:
            self.net_view.fit()
        if snapshot and boxes:
            epoch = snapshot.get("epoch")
            when = f"iteration {snapshot.get('iteration')}" + (f", epoch {epoch:.2f}" if epoch is not None else "")
            self.net_title.setText(f"Network of the training dashboard, last step ({when}). "
                                   "act: the layer's output; grad: dLoss/d(output)")
        else:
            self.net_title.setText("Network of the training dashboard")

    # ------------------------------------------------------------------ Run menu (Space / N / R)
    def step_once(self) -> None:
        """Next step: the forward pass first, then the backward pass."""
        if not (self.session.step_forward() or self.session.step_backward()):
            self.stop_play()
        self._redraw()

    def toggle_play(self) -> None:
        """Play the remaining steps one by one (or pause); starts over when everything is shown."""
        if self.play_timer.isActive():
            self.stop_play()
            return
        if self.session.position >= self.session.total_steps:
            self.session.reset()
            self._redraw()
        self.play_timer.start()

    def stop_play(self) -> None:
        self.play_timer.stop()

    def reset_run(self) -> None:
        self.stop_play()
        self._on_reset_click()

    # ------------------------------------------------------------------ lab protocol
    def export_targets(self) -> dict:
        return {"Backprop graph": self.scene, "Training network": self.net_scene, "Jacobians": self.jacobian_page}

    def shutdown(self) -> None:
        """Nothing runs in the background (every computation takes microseconds); stop playing."""
        self.stop_play()
