"""Lab 6, tab 1: conv arithmetic — output size and parameters as you type, the filter sliding over the input.

The grid shows ONE input channel (small whole numbers) padded with zeros and ONE filter (weights
-1, 0 or 1); with input depth D every output number sums D such dot products plus a bias. Step or
play moves the filter; the receptive field (blue) and the output cell it makes (yellow) are
highlighted, and the dot product is written out for filters up to 5x5.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import (QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout,
                               QWidget)

from visualdl.engine.cnn import conv_output_size, conv_param_count, correlate2d, pad2d, sliding_steps
from visualdl.labs.cnn.views import ERROR_STYLE, OK_STYLE, MatrixView, diverging_rgb, fmt
from visualdl.labs.common.widgets import guard_wheel_in, spin
from visualdl.ui.export import install_export_menu
from visualdl.ui.presentation import controls_panel

# (button text, input size, filter size, stride, pad, filters, depth)
COURSE_CASES = [
    ("7x7, 3x3, stride 1", 7, 3, 1, 0, 1, 1),
    ("stride 2", 7, 3, 2, 0, 1, 1),
    ("stride 3", 7, 3, 3, 0, 1, 1),
    ("stride 3, pad 1", 7, 3, 3, 1, 1, 1),
    ("32x32x3, 4 filters 5x5", 32, 5, 1, 0, 4, 3),
]
MAX_WRITTEN_TERMS = 25  # dot products up to 5x5 are written out term by term
PLAY_MS = 450

PAD_RGB = (255, 222, 173)
FIELD_RGB = (200, 220, 255)
DONE_RGB = (215, 240, 215)
CURRENT_RGB = (255, 230, 120)

NOTE_304 = ("Parameters: each filter has f·f·D weights and ONE bias. The course slide's 4 filters of 5x5x3 "
            "print 360, but 4 × (5·5·3 + 1) = 304: one bias per filter, not one per weight position.")


def demo_input(n: int) -> np.ndarray:
    """(n, n) whole numbers 0..9, the same for a given n (so a case always looks the same)."""
    return np.random.default_rng(n).integers(0, 10, (n, n)).astype(np.float64)


def demo_filter(f: int) -> np.ndarray:
    """(f, f) weights in {-1, 0, 1}, the same for a given f."""
    return np.random.default_rng(100 + f).integers(-1, 2, (f, f)).astype(np.float64)


class ConvArithTab(QWidget):
    def __init__(self, ctx=None, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.valid = False
        self.output_size = None
        self.pos = -1          # index of the step shown (-1: none yet)
        self.x = self.w = self.out = None
        self.timer = QTimer(self)
        self.timer.setInterval(PLAY_MS)
        self.timer.timeout.connect(self._on_timer)
        self._build()
        guard_wheel_in(self)
        self._recompute()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.n_spin = spin(1, 64, 7, keyboard_tracking=True)
        self.f_spin = spin(1, 15, 3, keyboard_tracking=True)
        self.stride_spin = spin(1, 16, 1, keyboard_tracking=True)
        self.pad_spin = spin(0, 16, 0, keyboard_tracking=True)
        self.filters_spin = spin(1, 4096, 1, keyboard_tracking=True)
        self.depth_spin = spin(1, 4096, 1, keyboard_tracking=True)
        form = QFormLayout()
        for label, box, tip in [
                ("Input size N (N x N)", self.n_spin, "width = height of the input volume, 1..64"),
                ("Filter size F (F x F)", self.f_spin, "width = height of each filter, 1..15"),
                ("Stride S", self.stride_spin, "how far the filter moves per step, 1..16"),
                ("Zero padding P", self.pad_spin, "rings of zeros around the input, 0..16"),
                ("Number of filters K", self.filters_spin, "output depth, 1..4096"),
                ("Input depth D", self.depth_spin, "channels of the input (3 for RGB), 1..4096")]:
            box.setToolTip(tip)
            box.valueChanged.connect(self._on_setting_change)
            form.addRow(label, box)
        layer_box = QGroupBox("Conv layer")
        layer_box.setLayout(form)

        self.output_label = QLabel()
        self.formula_label = QLabel()
        self.params_label = QLabel()
        for lab in (self.output_label, self.formula_label, self.params_label):
            lab.setWordWrap(True)
        note = QLabel(NOTE_304)
        note.setWordWrap(True)
        note.setStyleSheet("color: #444;")

        cases = QGroupBox("Course cases (one click)")
        grid = QGridLayout(cases)
        self.case_buttons = {}
        for i, case in enumerate(COURSE_CASES):
            button = QPushButton(case[0])
            button.setProperty("case", i)
            button.clicked.connect(self._on_case_clicked)
            grid.addWidget(button, i // 2, i % 2)
            self.case_buttons[case[0]] = button

        left = QVBoxLayout()
        left.addWidget(layer_box)
        left.addWidget(cases)
        left.addWidget(self.output_label)
        left.addWidget(self.formula_label)
        left.addWidget(self.params_label)
        left.addWidget(note)
        left.addStretch(1)
        left_w = QWidget()
        left_w.setLayout(left)
        left_w.setFixedWidth(360)

        self.step_button = QPushButton("Step ▶|")
        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.reset_button = QPushButton("Reset")
        self.end_button = QPushButton("To the end")
        self.end_button.clicked.connect(self._on_end_clicked)
        self.step_button.clicked.connect(self._on_step_clicked)
        self.play_button.toggled.connect(self._on_play_toggled)
        self.reset_button.clicked.connect(self._on_reset_clicked)
        self.step_label = QLabel()
        controls = QHBoxLayout()
        for w in (self.step_button, self.play_button, self.end_button, self.reset_button, self.step_label):
            controls.addWidget(w)
        controls.addStretch(1)

        self.input_view = MatrixView("Input (one channel)")
        self.output_view = MatrixView("Output (one filter)")
        install_export_menu(self.input_view, "Convolution input grid")
        self.filter_view = MatrixView("Filter weights (blue < 0 < red)", max_cell=40)
        install_export_menu(self.output_view, "Convolution output grid")
        install_export_menu(self.filter_view, "Convolution filter weights")
        side = QVBoxLayout()
        side.addWidget(self.output_view, 3)
        side.addWidget(self.filter_view, 2)
        views = QHBoxLayout()
        views.addWidget(self.input_view, 3)
        views.addLayout(side, 2)
        self.dot_label = QLabel()
        self.dot_label.setWordWrap(True)
        self.dot_label.setStyleSheet("font-family: monospace;")
        right = QVBoxLayout()
        right.addLayout(controls)
        right.addLayout(views, 1)
        right.addWidget(self.dot_label)

        layout = QHBoxLayout(self)
        layout.addWidget(controls_panel(left_w))
        layout.addLayout(right, 1)

    # ------------------------------------------------------------------ state
    def settings(self) -> tuple[int, int, int, int, int, int]:
        return (self.n_spin.value(), self.f_spin.value(), self.stride_spin.value(), self.pad_spin.value(),
                self.filters_spin.value(), self.depth_spin.value())

    def set_case(self, n, f, stride, pad, filters, depth) -> None:
        boxes = (self.n_spin, self.f_spin, self.stride_spin, self.pad_spin, self.filters_spin, self.depth_spin)
        for box, value in zip(boxes, (n, f, stride, pad, filters, depth)):
            box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(False)
        self._recompute()

    def _recompute(self) -> None:
        n, f, s, p, k, d = self.settings()
        self.timer.stop()
        self.play_button.setChecked(False)
        self.pos = -1
        count = conv_param_count(f, d, k)
        self.params_label.setText(
            f"Parameters: {k} filter{'s' if k > 1 else ''} × ({f}·{f}·{d} weights + 1 bias) = "
            f"{k} × {f * f * d + 1} = {count:,}")
        formula = f"({n} − {f} + 2·{p}) / {s} + 1"
        try:
            size = conv_output_size(n, f, s, p)
        except ValueError as exc:
            self.valid, self.output_size, self.out = False, None, None
            self.output_label.setText(f"Refused: {exc}")
            self.output_label.setStyleSheet(ERROR_STYLE)
            self.formula_label.setText(self._refusal_text(n, f, s, p))
            self.formula_label.setStyleSheet(ERROR_STYLE)
        else:
            self.valid, self.output_size = True, size
            self.output_label.setText(f"Output volume: {size} × {size} × {k}  ({size * size * k:,} numbers)")
            self.output_label.setStyleSheet(OK_STYLE + " font-weight: bold;")
            self.formula_label.setText(f"Output size = (N − F + 2P) / S + 1 = {formula} = {size}")
            self.formula_label.setStyleSheet("")
        self.x, self.w = demo_input(n), demo_filter(f)
        self.out = correlate2d(self.x, self.w, s, p) if self.valid else None
        self.filter_view.title = f"Filter {f}x{f}: -1 blue, 0 white, 1 red"
        self.filter_view.set_matrix(self.w, diverging_rgb(self.w, 1.6))
        for b in (self.step_button, self.play_button, self.end_button, self.reset_button):
            b.setEnabled(self.valid)
        self._draw()

    @staticmethod
    def _refusal_text(n: int, f: int, s: int, p: int) -> str:
        """Why the filter does not tile the input, in positions a student can count on the grid."""
        padded = n + 2 * p
        if f > padded:
            return f"The {f}x{f} filter is wider than the {'padded ' if p else ''}input ({padded} columns)."
        starts = list(range(0, padded - f + 1, s))
        spans = [f"{a}-{a + f - 1}" for a in starts]
        if len(spans) > 4:
            spans = spans[:2] + ["…"] + spans[-1:]
        nxt = starts[-1] + s
        return (f"Output size = ({n} − {f} + 2·{p}) / {s} + 1 = {(n - f + 2 * p) / s + 1:.2f}: not a whole number, "
                f"so this layer cannot be built (no rounding). The filter fits at columns {', '.join(spans)}; one "
                f"more step of {s} would need columns {nxt}-{nxt + f - 1}, but the {'padded ' if p else ''}input "
                f"has columns 0-{padded - 1}.")

    def _current_step(self):
        if not self.valid or self.pos < 0:
            return None
        _, _, s, p, _, _ = self.settings()
        return sliding_steps(self.x, self.w, s, p, start=self.pos, stop=self.pos + 1)[0]

    def _draw(self) -> None:
        n, f, s, p, _, d = self.settings()
        xp = pad2d(self.x, p)
        size = xp.shape[0]
        # input cells shaded by value (0 white .. 9 grey) so a big input still shows its pattern
        shade = (255 - 8 * xp).clip(0, 255).astype(np.uint8)
        colours = np.repeat(shade[..., None], 3, axis=-1)
        colours[:p, :], colours[size - p:, :], colours[:, :p], colours[:, size - p:] = (PAD_RGB,) * 4
        step = self._current_step()
        block = None
        if step is not None:
            (r0, r1), (c0, c1) = step["rows"], step["cols"]
            colours[r0:r1, c0:c1] = (0.5 * colours[r0:r1, c0:c1] + 0.5 * np.array(FIELD_RGB)).astype(np.uint8)
            block = (r0, r1, c0, c1)
        self.input_view.title = f"Input {n}x{n}" + (f", padded to {size}x{size} (zeros in orange)" if p else "") + \
            (f" — channel 1 of {d}" if d > 1 else "")
        self.input_view.set_matrix(xp, colours, block)
        total = 0 if self.out is None else self.out.size
        if self.out is None:
            self.output_view.title = "Output: none (refused)"
            self.output_view.set_matrix(np.zeros((0, 0)))
            self.step_label.setText("")
            self.dot_label.setText("")
            return
        ho = self.out.shape[0]
        done = np.zeros(self.out.shape, bool)
        done.ravel()[:self.pos + 1] = True
        ocol = np.full((ho, ho, 3), 255, np.uint8)
        ocol[done] = DONE_RGB
        outlined = ()
        if step is not None:
            ocol[step["out"]] = CURRENT_RGB
            outlined = (step["out"],)
        self.output_view.title = f"Output {ho}x{ho} (filter 1 of {self.filters_spin.value()})"
        self.output_view.set_matrix(self.out, ocol, None, outlined, text_mask=done)
        self.step_label.setText(f"step {self.pos + 1} / {total}")
        self.dot_label.setText(self._dot_text(step, d))

    @staticmethod
    def _dot_text(step, depth: int) -> str:
        if step is None:
            return "Press Step or Play: the filter slides left to right, top to bottom."
        i, j = step["out"]
        terms = step["terms"]
        extra = f"  (with depth {depth}: plus the other {depth - 1} channels' dot products and the bias)" \
            if depth > 1 else "  (bias 0)"
        if len(terms) > MAX_WRITTEN_TERMS:
            return f"out[{i}, {j}] = sum of {len(terms)} products = {fmt(step['value'])}{extra}"
        written = " + ".join(f"{fmt(a)}·{fmt(b) if b >= 0 else '(' + fmt(b) + ')'}" for a, b in terms)
        return f"out[{i}, {j}] = {written} = {fmt(step['value'])}{extra}"

    # ------------------------------------------------------------------ slots
    @Slot(int)
    def _on_setting_change(self, _value: int) -> None:
        self._recompute()

    @Slot()
    def _on_case_clicked(self) -> None:
        case = COURSE_CASES[int(self.sender().property("case"))]
        self.set_case(*case[1:])

    @Slot()
    def _on_step_clicked(self) -> None:
        self.advance()

    def advance(self) -> bool:
        """Move to the next output cell; False (and stop playing) at the end."""
        if self.out is None or self.pos + 1 >= self.out.size:
            self.play_button.setChecked(False)
            return False
        self.pos += 1
        self._draw()
        return True

    @Slot(bool)
    def _on_play_toggled(self, on: bool) -> None:
        if on:
            if self.out is not None and self.pos + 1 >= self.out.size:
                self.pos = -1
            self.play_button.setText("Pause")
            self.timer.start()
        else:
            self.play_button.setText("Play")
            self.timer.stop()

    @Slot()
    def _on_timer(self) -> None:
        self.advance()

    @Slot()
    def _on_end_clicked(self) -> None:
        self.play_button.setChecked(False)
        if self.out is not None:
            self.pos = self.out.size - 1
            self._draw()

    @Slot()
    def _on_reset_clicked(self) -> None:
        self.reset_run()

    # the window's Run menu (Space, Right/N, R) drives the animation like the buttons
    def toggle_play(self) -> None:
        if self.play_button.isEnabled():
            self.play_button.toggle()

    def step_once(self) -> None:
        self.advance()

    def reset_run(self) -> None:
        self.play_button.setChecked(False)
        self.pos = -1
        self._draw()

    def export_targets(self) -> dict:
        return {"Convolution input grid": self.input_view, "Convolution output grid": self.output_view,
                "Convolution filter weights": self.filter_view}

    def shutdown(self) -> None:
        self.timer.stop()
