"""Lab 2, page 2: the course's worked example and the softmax / SVM loss calculators.

Every number comes from visualdl.engine.course.worked_examples (microseconds of work),
recomputed on each edit.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (QGridLayout, QGroupBox, QHBoxLayout, QLabel, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from visualdl.engine.course import worked_examples as we
from visualdl.labs.common.widgets import combo, spin
from visualdl.labs.common.plots import rgb_pixmap, scrollable, write_csv
from visualdl.ui.export import install_export_menu


def _num(v: float) -> str:
    """A number as the course writes it: no trailing zeros."""
    text = f"{v:.4f}".rstrip("0").rstrip(".") if abs(v) < 1e6 else f"{v:.4g}"
    return "0" if text == "-0" else text


def _factor(v: float) -> str:
    """A number inside a product: negatives in parentheses."""
    text = _num(v)
    return f"({text})" if text.startswith("-") else text


def _loss_number(v: float) -> str:
    """A loss as shown: 4 decimals, exactly '0' for zero (never '-0.0000'), '∞' for infinity."""
    if v == float("inf"):
        return "∞"
    return "0" if v == 0 else f"{v:.4f}"


def softmax_loss_text(sm: dict) -> str:
    """'−ln(p) = L' for the softmax calculator, honest at both ends: p = 1 gives 0; a p that
    underflows to 0 is written through its log (the loss stays finite: the stable log-softmax)."""
    y = sm["y"]
    p, log_p = float(sm["probs"][y]), float(sm["log_probs"][y])
    loss = f"<b>{_loss_number(sm['loss'])}</b>"
    if p == 1.0 and sm["loss"] == 0:
        return f"−ln(1) = {loss}"
    if p == 0.0:
        if not np.isfinite(log_p):
            return f"−ln(0) = {loss}"
        return f"−ln(e^{log_p:.4f}) = {loss}   (p is too small for a float: it prints as 0)"
    return f"−ln({p:.4g}) = {loss}"


class PixelExampleBox(QGroupBox):
    """x (4 pixels), W (3x4) and b (3) editable; the three class scores written out."""

    def __init__(self, parent=None):
        super().__init__("Worked example: an image with 4 pixels and 3 classes (scores = Wx + b)", parent)
        grid = QGridLayout(self)
        grid.addWidget(QLabel("W"), 0, 1, 1, 4, Qt.AlignmentFlag.AlignCenter)
        grid.addWidget(QLabel("b"), 0, 5, Qt.AlignmentFlag.AlignCenter)
        grid.addWidget(QLabel("score"), 0, 6)
        self.w_spins, self.b_spins, self.score_labels, self.sum_labels = [], [], [], []
        for c, name in enumerate(we.PIXEL_EXAMPLE_CLASSES):
            grid.addWidget(QLabel(name), 1 + c, 0)
            row = []
            for d in range(4):
                box = spin(-100, 100, float(we.PIXEL_EXAMPLE_W[c, d]), decimals=2, step=0.05, keyboard_tracking=True)
                box.valueChanged.connect(self._on_edit)
                grid.addWidget(box, 1 + c, 1 + d)
                row.append(box)
            self.w_spins.append(row)
            b = spin(-1000, 1000, float(we.PIXEL_EXAMPLE_B[c]), decimals=2, step=0.1, keyboard_tracking=True)
            b.valueChanged.connect(self._on_edit)
            grid.addWidget(b, 1 + c, 5)
            self.b_spins.append(b)
            score = QLabel()
            score.setStyleSheet("font-weight: bold;")
            grid.addWidget(score, 1 + c, 6)
            self.score_labels.append(score)
        grid.addWidget(QLabel("x (pixels)"), 4, 0)
        self.x_spins = []
        for d in range(4):
            box = spin(0, 255, float(we.PIXEL_EXAMPLE_X[d]), decimals=0, step=1, keyboard_tracking=True)
            box.valueChanged.connect(self._on_edit)
            grid.addWidget(box, 4, 1 + d)
            self.x_spins.append(box)
        self.pixels = QLabel()
        grid.addWidget(self.pixels, 1, 7, 4, 1)
        for c in range(3):
            lab = QLabel()
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(lab, 5 + c, 0, 1, 8)
            self.sum_labels.append(lab)
        self.scores = None
        self._on_edit()

    @Slot()
    def _on_edit(self, *_args) -> None:
        x = np.array([s.value() for s in self.x_spins])
        W = np.array([[s.value() for s in row] for row in self.w_spins])
        b = np.array([s.value() for s in self.b_spins])
        self.scores = we.linear_scores(x, W, b)
        terms = we.linear_score_terms(x, W, b)
        best = int(np.argmax(self.scores))
        for c, name in enumerate(we.PIXEL_EXAMPLE_CLASSES):
            self.score_labels[c].setText(f"{_num(self.scores[c])}" + ("  ← highest" if c == best else ""))
            products = " + ".join(f"{_factor(W[c, d])}·{_factor(x[d])}" for d in range(4))
            self.sum_labels[c].setText(f"{name}: {products} + {_factor(b[c])} = "
                                       f"{' + '.join(_factor(t) for t in terms[c])} + {_factor(b[c])} = "
                                       f"{_num(self.scores[c])}")
        self.values = (x, W, b)
        # the 4 pixels as the 2x2 grey image they are (display only)
        grey = np.clip(x, 0, 255).astype(np.uint8).reshape(2, 2)
        self.pixels.setPixmap(rgb_pixmap(np.repeat(grey[:, :, None], 3, axis=2), scale=40))


    def export_csv(self, path) -> None:
        x, W, b = self.values
        write_csv(path, ["class"] + [f"w{d + 1}" for d in range(4)] + ["b", "score"],
                  [[name, *W[c].tolist(), b[c], self.scores[c]] for c, name in enumerate(we.PIXEL_EXAMPLE_CLASSES)]
                  + [["x", *x.tolist(), "", ""]])


class LossCalculatorBox(QGroupBox):
    """Editable scores and true class; softmax (exp -> probabilities -> loss) and SVM (margins -> loss)."""

    def __init__(self, parent=None):
        super().__init__("Loss calculators (edit the scores and the true class)", parent)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.score_spins = []
        for c, name in enumerate(we.LOSS_EXAMPLE_CLASSES):
            row.addWidget(QLabel(f"{name} score"))
            box = spin(-1000, 1000, float(we.LOSS_EXAMPLE_SCORES[0, c]), decimals=2, step=0.1, keyboard_tracking=True)
            box.valueChanged.connect(self._on_edit)
            row.addWidget(box)
            self.score_spins.append(box)
        row.addWidget(QLabel("true class"))
        self.true_combo = combo(list(enumerate(we.LOSS_EXAMPLE_CLASSES)))
        self.true_combo.currentIndexChanged.connect(self._on_edit)
        row.addWidget(self.true_combo)
        row.addWidget(QLabel("SVM margin Δ"))
        self.margin_spin = spin(0, 100, 1.0, decimals=2, step=0.5, keyboard_tracking=True)
        self.margin_spin.valueChanged.connect(self._on_edit)
        row.addWidget(self.margin_spin)
        row.addStretch(1)
        layout.addLayout(row)

        self.softmax_table = QTableWidget(3, 4)
        self.softmax_table.setHorizontalHeaderLabels(["class", "score s (log-probability, unnormalized)",
                                                      "exp(s) (unnormalized probability)", "probability"])
        self.softmax_table.verticalHeader().hide()
        self.softmax_table.horizontalHeader().setStretchLastSection(True)
        self.softmax_table.setFixedHeight(120)
        self.softmax_table.resizeColumnsToContents()
        self.softmax_loss = QLabel()
        self.svm_table = QTableWidget(3, 3)
        self.svm_table.setHorizontalHeaderLabels(["class", "score s", "max(0, s_j − s_y + Δ)"])
        self.svm_table.verticalHeader().hide()
        self.svm_table.horizontalHeader().setStretchLastSection(True)
        self.svm_table.setFixedHeight(120)
        self.svm_loss = QLabel()
        self.note = QLabel("The course's figure: probabilities 0.13, 0.87, 0.00 (the frog's is 0.00097, not 0) "
                           "and L = −ln 0.13 = 2.04 with the natural log (a slide edition that prints 0.89 "
                           "used log10). SVM: the figure's three images give 2.9, 0 and 12.9, mean 5.27.")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: grey;")
        for w in (QLabel("<b>Softmax</b>: exponentiate, normalize, take −ln of the true class's probability"),
                  self.softmax_table, self.softmax_loss,
                  QLabel("<b>Multiclass SVM</b>: each wrong class's margin violation, summed"),
                  self.svm_table, self.svm_loss, self.note):
            layout.addWidget(w)
        self.softmax = self.svm = None
        self._on_edit()

    def _set(self, table: QTableWidget, row: int, col: int, text: str) -> None:
        item = QTableWidgetItem(text)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        table.setItem(row, col, item)

    @Slot()
    def _on_edit(self, *_args) -> None:
        scores = [s.value() for s in self.score_spins]
        y = self.true_combo.currentIndex()
        self.softmax = sm = we.softmax_steps(scores, y)
        self.svm = sv = we.svm_steps(scores, y, self.margin_spin.value())
        names = we.LOSS_EXAMPLE_CLASSES
        overflow = not np.all(np.isfinite(sm["exp"]))
        for c, name in enumerate(names):
            label = name + ("  (true)" if c == y else "")
            self._set(self.softmax_table, c, 0, label)
            self._set(self.softmax_table, c, 1, _num(sm["scores"][c]))
            exp_text = f"{sm['exp'][c]:.4g}" if not overflow else f"e^{_num(sm['shifted'][c])} = {sm['exp_shifted'][c]:.4g} (shifted)"
            self._set(self.softmax_table, c, 2, exp_text)
            self._set(self.softmax_table, c, 3, f"{sm['probs'][c]:.2f}  ({sm['probs'][c]:.5g})")
            self._set(self.svm_table, c, 0, label)
            self._set(self.svm_table, c, 1, _num(sv["scores"][c]))
            self._set(self.svm_table, c, 2, "— (true class)" if c == y else _num(sv["margins"][c]))
        self.softmax_loss.setText(f"L = {softmax_loss_text(sm)}" +
                                  ("   (exp overflowed: scores shifted by their max, same probabilities)"
                                   if overflow else ""))
        terms = [f"max(0, {_num(scores[j])} − {_factor(scores[y])} + {_num(self.margin_spin.value())})"
                 for j in range(3) if j != y]
        parts = " + ".join(_num(sv["margins"][j]) for j in range(3) if j != y)
        self.svm_loss.setText(f"L = {' + '.join(terms)} = {parts} = <b>{_num(sv['loss'])}</b>")
        self.softmax_table.resizeColumnsToContents()
        self.svm_table.resizeColumnsToContents()


    def export_csv(self, path) -> None:
        sm, sv = self.softmax, self.svm
        rows = [[name, c == sm["y"], sm["scores"][c], sm["exp"][c], sm["probs"][c], sv["margins"][c]]
                for c, name in enumerate(we.LOSS_EXAMPLE_CLASSES)]
        rows.append(["loss", "", "", "", sm["loss"], sv["loss"]])
        write_csv(path, ["class", "true", "score", "exp", "softmax_probability", "svm_margin"], rows)


class LinearCalcPage(QWidget):
    def __init__(self, ctx=None, parent=None):
        super().__init__(parent)
        self.example = PixelExampleBox()
        self.calculator = LossCalculatorBox()
        install_export_menu(self.example, "worked example")
        install_export_menu(self.calculator, "loss calculators")
        content = QWidget()
        inner = QVBoxLayout(content)
        inner.addWidget(self.example)
        inner.addWidget(self.calculator)
        inner.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        area = scrollable(content)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        layout.addWidget(area)

    def export_targets(self) -> dict:
        return {"worked example": self.example, "loss calculators": self.calculator}

    def shutdown(self) -> None:
        pass
