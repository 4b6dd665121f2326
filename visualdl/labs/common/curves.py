"""Loss and accuracy curves of one training run on two pyqtgraph plots (reusable by any lab that trains).

    curves = RunCurves(loss_plot, acc_plot, run_hex(0), "", val_colour=run_hex(1))
    curves.draw(log, "iteration")        # or "epoch"; log: a RunLog (visualdl.labs.training.history)
    curves.draw(log, "iteration", "epoch")   # loss per iteration, accuracy per epoch
    curves.remove()

``log`` needs ``iterations[x_key]``, ``iterations["loss"]``, ``smoothed_loss`` and
``epochs[x_key]``, ``epochs["train_acc"]``, ``epochs["val_acc"]`` (NumPy columns).
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

MAX_MARKERS = 200  # epoch markers drawn only up to this many epochs
Z_KEPT, Z_LIVE = 1, 10  # kept runs under the live run; each run's raw loss under its smoothed loss


class RunCurves:
    """The plot items of one run: raw + smoothed loss, smoothed minibatch accuracy, train + validation accuracy.

    Pens are 1 px wide: Qt's raster engine drew a 2 px curve of 100k points 3x slower
    (bench/bench_responsiveness.py), and peak downsampling keeps every spike visible.
    """

    def __init__(self, loss_plot, acc_plot, colour: str, label: str, raw: bool = True, val_colour: str | None = None,
                 z: float = Z_LIVE):
        """colour: loss and train accuracy; val_colour: validation accuracy (default: colour darkened),
        so train and validation differ in colour, not only in marker shape and dash."""
        c = QColor(colour)
        v = QColor(val_colour) if val_colour is not None else c.darker(180)
        # Raw loss: the run's colour washed out towards white (opaque, cheaper than alpha), under
        # the smoothed curve so the trend stays readable through the noise.
        light = QColor(*(int(x + 0.68 * (255 - x)) for x in (c.red(), c.green(), c.blue())))
        self.raw = loss_plot.plot(name=f"{label} loss (raw)".strip(), pen=pg.mkPen(light, width=1)) if raw else None
        self.smooth = loss_plot.plot(name=f"{label} loss (smoothed)".strip(), pen=pg.mkPen(c, width=1))
        # The live run's minibatch accuracy, smoothed: a trend from the first iterations (a CIFAR-10
        # epoch is ~400 of them), washed out like the raw loss, under the exact per-epoch points.
        self.batch = acc_plot.plot(name=f"{label} batch acc (smoothed)".strip(),
                                   pen=pg.mkPen(light, width=1)) if raw else None
        self.train = acc_plot.plot(name=f"{label} train acc".strip(), pen=pg.mkPen(c, width=1), symbol="o", symbolSize=5,
                                   symbolBrush=c, symbolPen=None)
        self.val = acc_plot.plot(name=f"{label} val acc".strip(), pen=pg.mkPen(v, width=1, style=Qt.PenStyle.DashLine),
                                 symbol="t", symbolSize=6, symbolBrush=v, symbolPen=None)
        for item in (self.smooth, self.train, self.val):
            item.setZValue(z)
        for item in (self.raw, self.batch):
            if item is not None:
                item.setZValue(z - 0.5)
        for item in self.items():
            item.setDownsampling(auto=True, method="peak")  # 100k+ points stay smooth
            item.setClipToView(True)
        self.loss_plot, self.acc_plot = loss_plot, acc_plot
        self._markers = True

    def items(self):
        return [i for i in (self.raw, self.smooth, self.batch, self.train, self.val) if i is not None]

    def draw(self, log, x_key: str, acc_x_key: str | None = None) -> None:
        """x_key ("iteration" or "epoch") for both plots, or acc_x_key for the accuracy plot's."""
        it, ep = log.iterations, log.epochs
        x = it[x_key]
        if self.raw is not None:
            self.raw.setData(x, it["loss"], connect="finite")
        self.smooth.setData(x, log.smoothed_loss, connect="finite")
        ex = ep[acc_x_key or x_key]
        # Markers help while epochs are few; thousands of them (tiny toy sets: one step per epoch)
        # would make every repaint slow, so then the lines alone are drawn.
        markers = len(ex) <= MAX_MARKERS
        if markers != self._markers:
            self._markers = markers
            self.train.setSymbol("o" if markers else None)
            self.val.setSymbol("t" if markers else None)
        batch = getattr(log, "smoothed_batch_acc", None)
        if self.batch is not None and batch is not None:
            self.batch.setData(it[acc_x_key or x_key], batch, connect="finite")
        self.train.setData(ex, ep["train_acc"], connect="finite")
        self.val.setData(ex, ep["val_acc"], connect="finite")

    def remove(self) -> None:
        for item in self.items():
            (self.loss_plot if item in (self.raw, self.smooth) else self.acc_plot).removeItem(item)
