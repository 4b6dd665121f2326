"""Plots of the playground: the decision map, the hidden space, the loss/accuracy curves, and colours.

Colours only, no maths: every number drawn here was computed on the worker (engine views).
    decision_rgb(pred, conf, C)   class colour (the app palette) whose strength is the confidence
    signed_rgb(values)            white at 0, blue for positive, red for negative (neurons, weights)
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from visualdl.labs.common.palette import CLASS_RGB, DIVERGING_LUT, run_hex
from visualdl.labs.common.plots import PointsPlot as BasePointsPlot

WHITE = np.float32(255)
MAX_STRENGTH = 0.75  # the most certain cell keeps a quarter of white so the points stay readable


def decision_rgb(pred, conf, num_classes: int) -> np.ndarray:
    """pred, conf: (H, W) -> (H, W, 3) uint8. Strength 0 at chance (1/C), MAX_STRENGTH at certainty."""
    chance = 1.0 / num_classes
    strength = np.clip((np.asarray(conf, np.float32) - chance) / (1 - chance), 0, 1) * MAX_STRENGTH
    colour = CLASS_RGB[np.asarray(pred) % len(CLASS_RGB)].astype(np.float32)
    return (WHITE + (colour - WHITE) * strength[..., None]).round().astype(np.uint8)


# The app's diverging scale read backwards: the playground draws positive blue and negative red.
SIGNED_LUT = np.ascontiguousarray(DIVERGING_LUT[::-1])  # 256 steps from -1 (red) through 0 (white) to +1 (blue)


def signed_rgb(values, scale: float | None = None) -> np.ndarray:
    """values: (..., H, W) -> (..., H, W, 3) uint8; |v| / scale (default max |v|) sets the colour's strength.

    A lookup table of 256 steps (what the eye can tell apart anyway): fast enough for 50 maps per redraw.
    """
    v = np.asarray(values, np.float32)
    if scale is None:
        scale = float(np.max(np.abs(v))) if v.size else 0.0
    if not scale > 0:
        return np.broadcast_to(SIGNED_LUT[128], (*v.shape, 3)).copy()
    idx = v * np.float32(127.5 / scale)
    idx += np.float32(128.0)
    np.clip(idx, 0, 255, out=idx)
    return SIGNED_LUT[idx.astype(np.uint8)]


class PointsPlot(BasePointsPlot):
    """The app's points-over-an-image plot with the playground's smaller dots (many small plots)."""

    def __init__(self, title: str = "", parent=None):
        super().__init__(title, parent, point_size=7)


class DecisionMap(PointsPlot):
    """The predicted class over the plane; emits clicked(x, y, modifiers) in data coordinates."""

    def __init__(self, parent=None):
        super().__init__("Decision map", parent)
        self.setToolTip("Predicted class over the plane; colour strength = the softmax probability of that class.\n"
                        "Filled dots: training points · hollow squares: validation points.\n"
                        "Click: add a point · Shift+click: remove the nearest point.")


class HiddenSpacePlot(PointsPlot):
    """The data as the last hidden layer sees it; with 2 units, the final layer's regions and lines."""

    PAIRS = [(0, 1), (0, 2), (1, 2)]

    def __init__(self, parent=None):
        super().__init__("Hidden space", parent)
        self.setAspectLocked(False)
        self.lines: list[pg.PlotDataItem] = []
        self.pair = (0, 1)

    def show_views(self, views, y_train, y_val, num_classes: int) -> str:
        """Draw the hidden-space part of a snapshot; returns the caption to show under the plot."""
        for line in self.lines:
            self.removeItem(line)
        self.lines = []
        hidden = views["hidden"]
        if hidden is None:
            self.image.clear()
            self.set_points(np.zeros((0, 2)), [], np.zeros((0, 2)), [])
            units = [n.shape[0] if n is not None else "many" for n in views["neurons"]]
            self.setTitle("Hidden space")
            return ("Shown when the last hidden layer has 2 or 3 units "
                    f"(now: {units[-1] if units else 'no hidden layer'}).")
        k = hidden["train"].shape[1]
        i, j = self.pair if k == 3 else (0, 1)
        tr, va = hidden["train"][:, [i, j]], hidden["val"][:, [i, j]]
        self.set_points(tr, y_train[:len(tr)], va, y_val[:len(va)])
        self.setLabel("bottom", f"h{i + 1}")
        self.setLabel("left", f"h{j + 1}")
        hm = views["hidden_map"]
        if k == 2 and hm is not None:
            self.set_image(decision_rgb(hm["pred"], hm["conf"], num_classes), hm["bounds"])
            for a, b, xs, ys in hm["lines"]:
                item = pg.PlotDataItem(xs, ys, pen=pg.mkPen("k", width=2), connect="finite",
                                       name=f"border class {a} | class {b}")
                self.addItem(item)
                self.lines.append(item)
            self.setTitle("Hidden space: last hidden layer (h1, h2)")
            return ("Each point as the last hidden layer sees it. Colours and black lines: the output "
                    "layer's decision regions there — a linear classifier on these features.")
        self.image.clear()
        allp = (np.concatenate([tr, va]) if len(va) else tr).astype(np.float64)  # float32 overflows pyqtgraph's limits
        lo, hi = allp.min(0), allp.max(0)
        pad = 0.1 * np.maximum(hi - lo, 1e-3)
        self.bounds = None
        self.setRange(xRange=(lo[0] - pad[0], hi[0] + pad[0]), yRange=(lo[1] - pad[1], hi[1] + pad[1]), padding=0)
        self.setTitle(f"Hidden space: h{i + 1} vs h{j + 1} of 3 units")
        left_out = 3 - i - j  # the units are 0, 1, 2
        return (f"3 hidden units: the projection onto h{i + 1}, h{j + 1} (h{left_out + 1} left out). "
                "The output layer's regions need all three, so none are drawn.")


class Curves(pg.PlotWidget):
    """Train (solid) and validation (dashed) curves of one quantity against the iteration."""

    def __init__(self, title: str, ylabel: str, legend_offset=(-5, 5), parent=None):
        super().__init__(parent=parent, title=title)
        self.setBackground("w")
        self.showGrid(x=True, y=True, alpha=0.3)
        self.setLabel("bottom", "iteration")
        self.setLabel("left", ylabel)
        self.addLegend(offset=legend_offset, labelTextSize="8pt")
        self.train = self.plot([], [], pen=pg.mkPen(run_hex(0), width=2), name="train")
        self.val = self.plot([], [], pen=pg.mkPen(run_hex(1), width=2, style=Qt.PenStyle.DashLine), name="validation")

    def set_rows(self, it, train, val) -> None:
        self.train.setData(it, train)
        self.val.setData(it, val)
