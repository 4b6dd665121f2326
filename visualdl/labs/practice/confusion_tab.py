"""Experiment 7: what the model gets wrong: the validation confusion matrix; click a cell to see its examples."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGridLayout, QHBoxLayout, QSizePolicy, QWidget

from visualdl.engine.experiments.analysis import cell_members, confusion_matrix, row_normalise, softmax
from visualdl.engine.experiments.runs import predictions, train_side_by_side
from visualdl.labs.common.palette import CLASS_RGB
from visualdl.labs.common.widgets import combo, guard_wheel_in, spin
from visualdl.labs.practice.common import ExperimentPage, JobRunner, make_plot, side_panel, wrap_label

SHOWN = 24  # examples shown for one cell


def confusion_job(ctl, source: str, n_train: int, epochs: int):
    """Worker job: train a quick model, then predict the validation set -> dict for the page."""
    from visualdl.data import load_dataset

    if source == "builtin":
        data = load_dataset("builtin", n_train=n_train, n_val=1000, n_test=10, cancel=ctl.cancel_event)
        cfg = {"model": {"preset": "two_layer"}, "optim": {"name": "adam", "lr": 1e-3}}
    else:
        data = load_dataset(source, n_points=n_train)
        cfg = {"model": {"preset": "two_layer", "hidden": [50]}, "optim": {"name": "adam", "lr": 1e-2},
               "preprocess": "none"}
    trainer = None
    for row in train_side_by_side(data, [cfg], epochs, cancel=ctl.cancel_event):
        ctl.report_progress(int(row["epoch"] * 100), epochs * 100, "training a quick model")
        if row["done"]:
            trainer = row["trainers"][0]
        yield None
    if trainer is None:
        return None
    scores, pred, true = predictions(trainer, "val")
    return {"probs": softmax(scores), "pred": pred, "true": true, "X": np.array(data.X_val), "kind": data.kind,
            "class_names": list(data.class_names), "accuracy": float(np.mean(pred == true))}


class ConfusionPage(ExperimentPage):
    title = "Confusion"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.result = None
        self.matrix = None
        self.selected: tuple[int, int] | None = None
        self.texts: list = []
        self.source_combo = combo([("builtin", "Built-in images"), ("spiral", "Spiral (2D)")])
        self.n_spin = spin(100, 20000, 2000)
        self.epochs_spin = spin(1, 100, 3)
        self.norm_check = QCheckBox("Row-normalised")
        self.norm_check.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)  # clicks hit it
        self.norm_check.setToolTip("Each row divided by its count: where the examples of each true class went")
        self.runner = JobRunner(self, ctx, "Train and evaluate", None, self._on_done)
        self.runner.run_button.clicked.connect(self.run)
        self.cell_text = wrap_label("Click a cell to see its examples.")
        form = QWidget()
        f = QFormLayout(form)
        f.addRow(wrap_label("Train a quick two-layer net, then predict the validation set. Row = true class, "
                            "column = predicted class; the diagonal is what it gets right."))
        f.addRow("Data", self.source_combo)
        f.addRow("Training examples", self.n_spin)
        f.addRow("Epochs", self.epochs_spin)
        f.addRow(self.runner.row())
        f.addRow(self.runner.status)
        f.addRow(self.norm_check)
        f.addRow(self.cell_text)
        guard_wheel_in(form)
        self.norm_check.toggled.connect(self.draw_matrix)
        self.matrix_plot = make_plot("Confusion matrix (validation)", "predicted class (number)", "true class",
                                     "confusion matrix", self.plots)
        self.matrix_plot.invertY(True)
        self.matrix_plot.setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.matrix_plot.addItem(self.image)
        self.matrix_plot.scene().sigMouseClicked.connect(self._on_scene_click)
        self.examples_plot = make_plot("Examples of the selected cell", "", "", "cell examples", self.plots)
        self.examples_plot.setAspectLocked(True)
        grid = QGridLayout()
        grid.addWidget(self.matrix_plot, 0, 0)
        grid.addWidget(self.examples_plot, 0, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        plots = QWidget()
        plots.setLayout(grid)
        lay = QHBoxLayout(self)
        lay.addWidget(side_panel(form))
        lay.addWidget(plots, 1)

    def export_targets(self) -> dict:
        out = dict(self.plots)
        if self.image.image is not None:
            out["confusion matrix values"] = self.image  # its CSV is the matrix itself
        return out

    @Slot()
    def run(self) -> None:
        self.runner.start(confusion_job, self.source_combo.currentData(), self.n_spin.value(),
                          self.epochs_spin.value(), title="Confusion matrix")

    @Slot(object)
    def _on_done(self, r) -> None:
        if r is None:
            return
        self.result = r
        C = len(r["class_names"])
        self.counts = confusion_matrix(r["true"], r["pred"], C)
        self.runner.status.setText(f"Validation accuracy {r['accuracy']:.1%} on {len(r['true'])} examples.")
        self.selected = None
        self.draw_matrix()
        off = self.counts * (1 - np.eye(C, dtype=np.int64))
        if off.max() > 0:  # start on the most frequent mistake
            i, j = np.unravel_index(int(np.argmax(off)), off.shape)
            self.select_cell(int(i), int(j))

    @Slot()
    def draw_matrix(self) -> None:
        if self.result is None:
            return
        names = self.result["class_names"]
        C = len(names)
        self.matrix = row_normalise(self.counts) if self.norm_check.isChecked() else self.counts.astype(float)
        p = self.matrix_plot
        for item in self.texts:
            p.removeItem(item)
        self.texts = []
        self.image.setImage(self.matrix, levels=(0, max(float(self.matrix.max()), 1e-9)))
        self.image.setRect(0, 0, C, C)
        top = float(self.matrix.max()) or 1.0
        for i in range(C):
            for j in range(C):
                v = self.matrix[i, j]
                text = f"{v:.2f}" if self.norm_check.isChecked() else f"{int(v)}"
                t = pg.TextItem(text, color="k" if v > 0.6 * top else "w", anchor=(0.5, 0.5))
                t.setPos(j + 0.5, i + 0.5)
                p.addItem(t)
                self.texts.append(t)
        p.getAxis("bottom").setTicks([[(k + 0.5, str(k)) for k in range(C)]])  # names would overlap
        p.getAxis("left").setTicks([[(k + 0.5, f"{n} ({k})") for k, n in enumerate(names)]])
        p.setRange(xRange=(0, C), yRange=(0, C), padding=0.02)

    @Slot(object)
    def _on_scene_click(self, event) -> None:
        if self.result is None or event.button() != Qt.MouseButton.LeftButton:
            return
        pt = self.matrix_plot.getPlotItem().vb.mapSceneToView(event.scenePos())
        C = len(self.result["class_names"])
        i, j = int(np.floor(pt.y())), int(np.floor(pt.x()))
        if 0 <= i < C and 0 <= j < C:
            self.select_cell(i, j)

    def select_cell(self, i: int, j: int) -> None:
        r = self.result
        self.selected = (i, j)
        idx = cell_members(r["true"], r["pred"], i, j)
        names = r["class_names"]
        p = self.examples_plot
        p.clear()
        shown = idx[:SHOWN]
        image_mode = r["kind"] == "image"
        for axis in ("left", "bottom"):
            p.showAxis(axis, not image_mode)
        p.showGrid(x=not image_mode, y=not image_mode, alpha=0.2)
        if image_mode:
            p.invertY(True)
            cols = 6
            for k, n in enumerate(shown):
                img = pg.ImageItem(np.asarray(r["X"][n]), axisOrder="row-major")
                x0, y0 = (k % cols) * 36, (k // cols) * 52
                img.setRect(x0, y0, 32, 32)
                p.addItem(img)
                t = pg.TextItem(f"{r['probs'][n, j]:.2f}", color="#222", anchor=(0, 0))
                t.setPos(x0, y0 + 32)
                p.addItem(t)
            p.setRange(xRange=(0, cols * 36), yRange=(0, 4 * 52), padding=0.02)
        else:
            p.invertY(False)
            X, y = r["X"], r["true"]
            for c in range(len(names)):
                m = y == c
                colour = tuple(int(v) for v in CLASS_RGB[c % len(CLASS_RGB)])
                p.plot(X[m, 0], X[m, 1], pen=None, symbol="o", symbolSize=4, symbolPen=None,
                       symbolBrush=pg.mkBrush(*colour, 60), name=names[c])
            p.plot(X[idx, 0], X[idx, 1], pen=None, symbol="o", symbolSize=9, symbolBrush=pg.mkBrush(None),
                   symbolPen=pg.mkPen("k", width=2), name="selected")
        probs = ", ".join(f"{r['probs'][n, j]:.2f}" for n in shown[:12])
        self.cell_text.setText(
            f"True {names[i]}, predicted {names[j]}: {len(idx)} examples"
            + (f" (first {len(shown)} shown; under each, P({names[j]})). P({names[j]}): {probs}" if len(idx) else "."))
