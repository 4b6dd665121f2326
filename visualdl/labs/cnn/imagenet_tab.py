"""Lab 6, tab "Why CNNs won": ImageNet top-5 error of the winners by year, human error marked, sources below."""
from __future__ import annotations

import csv

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from visualdl.labs.common.palette import class_rgb
from visualdl.atomic import write_atomic
from visualdl.engine.cnn import IMAGENET_SOURCES, IMAGENET_TOP5

CNN_COLOUR = class_rgb(0)
OTHER_COLOUR = (150, 150, 150)
HUMAN_COLOUR = class_rgb(1)


def bar_label(entry: dict) -> str:
    return f"{entry['name']}\n{entry['year'] or '(annotator)'}"


class ImagenetFigure(QWidget):
    """The chart and its caption as one exportable picture; export_csv writes the figures with sources."""

    def export_csv(self, path) -> None:
        def write(fh):
            writer = csv.writer(fh)
            writer.writerow(["year", "entry", "cnn", "top5_error_percent", "layers", "source"])
            for e in IMAGENET_TOP5:
                writer.writerow([e["year"] or "", e["name"], e["cnn"], e["top5_error"], e["depth"] or "", e["source"]])

        write_atomic(path, write, newline="", encoding="utf-8")


class ImagenetTab(QWidget):
    def __init__(self, ctx=None, parent=None):
        super().__init__(parent)
        from visualdl.ui.export import install_export_menu

        self.plot = pg.PlotWidget()
        self.plot.setBackground("w")
        p = self.plot.getPlotItem()
        p.setTitle("ImageNet (ILSVRC) classification: top-5 error of the winning entry", color="k")
        p.setLabel("left", "top-5 error (%)")
        p.setMouseEnabled(False, False)
        x = np.arange(len(IMAGENET_TOP5), dtype=float)
        errors = np.array([e["top5_error"] for e in IMAGENET_TOP5])
        colours = [HUMAN_COLOUR if e["year"] is None else CNN_COLOUR if e["cnn"] else OTHER_COLOUR
                   for e in IMAGENET_TOP5]
        self.bars = pg.BarGraphItem(x=x, height=errors, width=0.7, brushes=[pg.mkBrush(*c) for c in colours],
                                    pens=[pg.mkPen("k") for _ in colours])
        p.addItem(self.bars)
        # the values as a data series, so CSV export carries the numbers
        self.tops = p.plot(x, errors, pen=None, symbol="o", symbolSize=5, symbolBrush="k", name="top-5 error (%)")
        for xi, e in zip(x, IMAGENET_TOP5):
            depth = f"\n{e['depth']} layers" if e["depth"] else ""
            text = pg.TextItem(f"{e['top5_error']:g}%{depth}", color="k", anchor=(0.5, 1.0))
            text.setPos(xi, e["top5_error"] + 0.4)
            p.addItem(text)
        p.getAxis("bottom").setHeight(44)
        p.getAxis("bottom").setTicks([[(xi, bar_label(e)) for xi, e in zip(x, IMAGENET_TOP5)]])
        p.setYRange(0, 30, padding=0)
        p.setXRange(-0.6, len(x) - 0.4, padding=0)
        install_export_menu(self.plot, "ImageNet top-5 error by year")
        self.caption = QLabel(
            "Grey: the last winner without a CNN (hand-made features). Blue: CNNs, mostly deeper each year "
            "(layers above the bars). Orange: a "
            "trained human. The first CNN winner (AlexNet, 2012) cut the error by more than a third; by 2015 "
            "networks beat the human annotator. " + IMAGENET_SOURCES)
        self.caption.setWordWrap(True)
        self.figure = ImagenetFigure()
        inner = QVBoxLayout(self.figure)
        inner.addWidget(self.plot, 1)
        inner.addWidget(self.caption)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.figure)

    def export_targets(self) -> dict:
        """The chart with its caption (so every exported picture names its sources); CSV: the figures."""
        return {"ImageNet top-5 error by year": self.figure}

    def shutdown(self) -> None:
        pass
