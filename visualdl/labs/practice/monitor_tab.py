"""Experiment 8: during any dashboard run, per-layer histograms over time and the update/weight ratios.

Fed by ctx.training_snapshot_changed: each Trainer.snapshot() carries "histograms" (per layer
{"act", "grad", "weight"}: (edges, counts) of the last step) and "update_ratios" (per parameter).
"""
from __future__ import annotations

from collections import deque

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QVBoxLayout, QWidget

from visualdl.engine.nn.thinning import Bound
from visualdl.labs.common.palette import run_hex
from visualdl.labs.common.widgets import combo, guard_wheel_in, spin
from visualdl.labs.practice.common import ExperimentPage, draw_ridge, make_plot, side_panel, wrap_label

QUANTITIES = [("weight", "Weights"), ("act", "Activations"), ("grad", "Gradients dL/d(output)")]
BAND = (3e-4, 3e-3)  # the ~1e-3 rule of thumb for ||update|| / ||weight||
KEEP = 200  # snapshots remembered
RATIOS_EXACT = 2_000  # newest ratio points per layer kept exactly; older ones thinned (engine.nn.thinning)


class MonitorPage(ExperimentPage):
    title = "Layer monitor"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.history: deque = deque(maxlen=KEEP)
        self.ratios: dict[str, list] = {}  # weight name -> [(iteration, ratio)], bounded
        self._ratio_bounds: dict[str, Bound] = {}
        self.layer_names: list[str] = []
        self.quantity_combo = combo(QUANTITIES)
        self.layer_combo = combo([])
        self.rows_spin = spin(3, 60, 15)
        self.info = wrap_label("Start training in the Dashboard tab: every snapshot of the run (about 5 per "
                               "second) adds one row here.")
        form = QWidget()
        f = QFormLayout(form)
        f.addRow("Show", self.quantity_combo)
        f.addRow("Layer", self.layer_combo)
        f.addRow("Rows (snapshots)", self.rows_spin)
        f.addRow(self.info)
        f.addRow(wrap_label("Update/weight ratio: ||lr × step|| / ||W|| of each weight at the last step. "
                            "Around 1e-3 (the shaded band) is healthy; far below: the rate is too low; "
                            "far above: too high."))
        guard_wheel_in(form)
        for w in (self.quantity_combo, self.layer_combo):
            w.currentIndexChanged.connect(self.redraw)
        self.rows_spin.valueChanged.connect(self.redraw)
        self.ridge_plot = make_plot("Histogram over time (newest on top)", "value", "iteration", "histograms over time",
                                    self.plots)
        self.ratio_plot = make_plot("Update / weight ratio per layer", "iteration", "ratio (log)", "update ratio",
                                    self.plots)
        self.ratio_plot.setLogMode(y=True)
        self.ratio_plot.addLegend(offset=(-5, 5))
        plots = QWidget()
        v = QVBoxLayout(plots)
        v.addWidget(self.ridge_plot, 3)
        v.addWidget(self.ratio_plot, 2)
        lay = QHBoxLayout(self)
        lay.addWidget(side_panel(form, 230))
        lay.addWidget(plots, 1)
        ctx.training_snapshot_changed.connect(self.on_snapshot)

    @Slot(object)
    def on_snapshot(self, snap) -> None:
        if not snap or not snap.get("histograms"):
            return
        if self.history and snap["iteration"] < self.history[-1]["iteration"]:
            self.history.clear()  # a new run (reset / rebuild)
            self.ratios, self._ratio_bounds = {}, {}
        if self.history and snap["iteration"] == self.history[-1]["iteration"]:
            return
        names = [f"{i}: {row['name']}" for i, row in enumerate(snap.get("layers", []))]
        if names != self.layer_names:
            self.layer_names = names
            self.layer_combo.blockSignals(True)
            self.layer_combo.clear()
            for i, name in enumerate(names):
                self.layer_combo.addItem(name, i)
            first_w = next((i for i, h in enumerate(snap["histograms"]) if h.get("weight") is not None), 0)
            self.layer_combo.setCurrentIndex(first_w)
            self.layer_combo.blockSignals(False)
        self.history.append({"iteration": snap["iteration"], "hists": snap["histograms"]})
        for name, r in (snap.get("update_ratios") or {}).items():
            if name.endswith(".W") and np.isfinite(r) and r > 0:
                self._add_ratio(name, snap["iteration"], r)
        if self.isVisible():
            self.redraw()

    def _add_ratio(self, name: str, iteration: int, ratio: float) -> None:
        """One point of a weight's ratio curve; an hour of snapshots keeps the newest RATIOS_EXACT
        points and, before them, the lowest and highest ratio of each stretch of iterations."""
        pts = self.ratios.setdefault(name, [])
        pts.append((iteration, ratio))
        bound = self._ratio_bounds.setdefault(name, Bound(RATIOS_EXACT, 2 * RATIOS_EXACT, 1))
        if bound.due(len(pts)):
            it, r = np.array(pts).T
            pts[:] = [pts[i] for i in bound.plan([r], it)]

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self.redraw()

    @Slot()
    def redraw(self) -> None:
        layer, key = self.layer_combo.currentData(), self.quantity_combo.currentData()
        if layer is None or not self.history:
            return
        rows = list(self.history)[-self.rows_spin.value():]
        hists = [r["hists"][layer].get(key) if layer < len(r["hists"]) else None for r in rows]
        labels = [str(r["iteration"]) for r in rows]
        colours = {"weight": run_hex(0), "act": run_hex(2), "grad": run_hex(3)}
        draw_ridge(self.ridge_plot, hists, labels, colour_of=lambda k: colours[key], name="iteration")
        missing = sum(h is None for h in hists)
        self.info.setText(f"{len(self.history)} snapshots, last at iteration {rows[-1]['iteration']}."
                          + (f" {missing} rows have no {key} data for this layer." if missing else ""))
        p = self.ratio_plot
        p.clear()
        p.addItem(pg.LinearRegionItem(np.log10(BAND), orientation="horizontal", movable=False,
                                      brush=pg.mkBrush(run_hex(2) + "28"), pen=pg.mkPen(None)))
        for k, (name, pts) in enumerate(sorted(self.ratios.items(), key=lambda kv: int(kv[0].split(".")[0]))):
            it, r = np.array(pts).T
            p.plot(it, r, pen=pg.mkPen(run_hex(k), width=2), name=f"layer {name}")
