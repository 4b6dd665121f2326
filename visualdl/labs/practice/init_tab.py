"""Experiment 3: weight initialization in a deep FC net fed one unit-Gaussian batch."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGridLayout, QHBoxLayout, QWidget

from visualdl.engine.experiments.deepnet import INIT_SCHEMES, deep_net_statistics
from visualdl.labs.common.palette import run_hex
from visualdl.labs.common.widgets import combo, guard_wheel_in, spin
from visualdl.labs.practice.common import ExperimentPage, JobRunner, draw_ridge, make_plot, pen, side_panel, wrap_label

NOTE = ("A deep net (Linear - activation per layer) fed ONE batch of unit-Gaussian inputs. "
        "N(0, 0.01²): activations shrink to zero layer after layer (and so do the gradients). "
        "N(0, 1) with tanh: almost every unit saturates at ±1 (local gradient ~0). "
        "Xavier (tanh) and Kaiming (ReLU) keep every layer's spread about the same. "
        "W = 0: every unit computes the same value and gets the same gradient: symmetry never breaks.")


def deep_stats_job(ctl, **kw):
    """Worker job: deep_net_statistics(**kw) (a plain function: its return value is the result)."""
    return deep_net_statistics(cancel=ctl.cancel_event, **kw)


class InitPage(ExperimentPage):
    title = "Initialization"

    def __init__(self, ctx, parent=None, batchnorm: bool = False):
        super().__init__(ctx, parent)
        self.stats: dict | None = None
        self.layers_spin = spin(1, 30, 10)
        self.width_spin = spin(2, 1000, 500)
        self.batch_spin = spin(2, 2000, 1000)
        self.init_combo = combo([(k, v[2]) for k, v in INIT_SCHEMES.items()])
        self.init_combo.setCurrentIndex(list(INIT_SCHEMES).index("xavier"))
        self.act_combo = combo([("tanh", "tanh"), ("relu", "ReLU")])
        self.bn_check = QCheckBox("Batch norm after each Linear")
        self.bn_check.setChecked(batchnorm)
        self.seed_spin = spin(0, 9999, 0)
        self.runner = JobRunner(self, ctx, "Run forward + backward", None, self._on_done)
        self.runner.run_button.clicked.connect(self.run)
        form = QWidget()
        f = QFormLayout(form)
        f.addRow("Layers", self.layers_spin)
        f.addRow("Units per layer", self.width_spin)
        f.addRow("Batch size", self.batch_spin)
        f.addRow("Initialization", self.init_combo)
        f.addRow("Activation", self.act_combo)
        f.addRow(self.bn_check)
        f.addRow("Seed", self.seed_spin)
        f.addRow(self.runner.row())
        f.addRow(self.runner.status)
        self.summary = wrap_label()
        f.addRow(self.summary)
        f.addRow(wrap_label(NOTE))
        guard_wheel_in(form)
        for w in (self.init_combo, self.act_combo):
            w.currentIndexChanged.connect(self.run)
        for w in (self.layers_spin, self.width_spin, self.batch_spin, self.seed_spin):
            w.valueChanged.connect(self.run)
        self.bn_check.toggled.connect(self.run)

        self.act_plot = make_plot("Activations per layer (histogram)", "value", "layer", "activations", self.plots)
        self.grad_plot = make_plot("Gradients dL/dh per layer (histogram)", "value", "layer", "gradients", self.plots)
        self.std_plot = make_plot("Std of activations and gradients", "layer", "std (log)", "std per layer", self.plots)
        self.std_plot.setLogMode(y=True)
        self.std_plot.addLegend(offset=(-5, 5))
        self.mean_plot = make_plot("Mean of activations", "layer", "mean", "mean per layer", self.plots)
        grid = QGridLayout()
        grid.addWidget(self.act_plot, 0, 0)
        grid.addWidget(self.grad_plot, 0, 1)
        grid.addWidget(self.std_plot, 1, 0)
        grid.addWidget(self.mean_plot, 1, 1)
        plots = QWidget()
        plots.setLayout(grid)
        lay = QHBoxLayout(self)
        lay.addWidget(side_panel(form))
        lay.addWidget(plots, 1)

    def first_show(self) -> None:
        if self.stats is None and not self.runner.running():
            self.run()

    def params(self) -> dict:
        return {"num_layers": self.layers_spin.value(), "width": self.width_spin.value(),
                "batch": self.batch_spin.value(), "init": self.init_combo.currentData(),
                "activation": self.act_combo.currentData(), "batchnorm": self.bn_check.isChecked(),
                "seed": self.seed_spin.value()}

    @Slot()
    def run(self) -> None:
        self.runner.start(deep_stats_job, title="Deep-net statistics", **self.params())

    @Slot(object)
    def _on_done(self, stats) -> None:
        if stats is None:
            return
        self.stats = stats
        layers = stats["layers"]
        n = len(layers)
        labels = [str(i + 1) for i in range(n)]
        draw_ridge(self.act_plot, [r["hist"] for r in layers], labels)
        draw_ridge(self.grad_plot, [r.get("grad_hist") for r in layers], labels,
                   colour_of=lambda k: run_hex(3))
        x = np.arange(1, n + 1)
        self.std_plot.clear()
        self.std_plot.addLegend(offset=(-5, 5))
        tiny = 1e-30  # log axis: a zero std is drawn at the floor
        self.std_plot.plot(x, [max(r["std"], tiny) for r in layers], pen=pen(0), symbol="o", symbolSize=5,
                           name="activations")
        if "grad_std" in layers[0]:
            self.std_plot.plot(x, [max(r["grad_std"], tiny) for r in layers], pen=pen(3), symbol="s",
                               symbolSize=5, name="gradients")
        self.mean_plot.clear()
        self.mean_plot.plot(x, [r["mean"] for r in layers], pen=pen(0), symbol="o", symbolSize=5, name="mean")
        self.summary.setText(self.describe(stats))
        self.runner.status.setText("Done.")

    @staticmethod
    def describe(stats: dict) -> str:
        layers = stats["layers"]
        first, last = layers[0], layers[-1]
        ratio = last["std"] / first["std"] if first["std"] > 0 else float("nan")
        lines = [f"Layer 1: mean {first['mean']:.3g}, std {first['std']:.3g}",
                 f"Layer {len(layers)}: mean {last['mean']:.3g}, std {last['std']:.3g} "
                 f"({ratio:.3g}× layer 1)" if np.isfinite(ratio) else f"Layer {len(layers)}: std {last['std']:.3g}"]
        if stats["activation"] == "tanh":
            worst = min(r["saturated"] for r in layers)
            lines.append(f"Saturated (|h| > 0.99): at least {worst:.0%} of every layer")
        else:
            lines.append(f"Exactly zero (ReLU off): {np.mean([r['zero'] for r in layers]):.0%} on average")
        same = [i + 1 for i, r in enumerate(layers) if r["identical_units"]]
        if same:
            grads = all(r.get("identical_grads", False) for r in layers)
            lines.append(f"Identical units in {len(same)} of {len(layers)} layers"
                         + (" and identical gradients: symmetry never breaks." if grads else "."))
        return "\n".join(lines)
