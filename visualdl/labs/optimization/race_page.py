"""Optimizer race page: the map, the loss-vs-iteration plot, step per unit gradient, what each carries.

The race runs in ``race_job`` on the one worker; this page only sends commands and draws
snapshots. The map image is computed by a short job whenever the surface changes (and only then).
"""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QSplitter, QWidget

from visualdl.engine.autograd.expr import ExprError
from visualdl.engine.optimization.expr_surface import ExprSurface
from visualdl.engine.optimization.model_surface import toy_model_surface
from visualdl.engine.optimization.presets import PRESETS
from visualdl.engine.optimization.race import NAMES, TITLES, check_start, usable_start
from visualdl.engine.optimization.surfaces import SYNTHETIC
from visualdl.labs.common.widgets import select
from visualdl.labs.optimization.map_view import RACER_COLOURS, SurfaceMap, thin_index
from visualdl.labs.optimization.race_job import race_job
from visualdl.labs.optimization.race_panel import RacePanel
from visualdl.labs.optimization.race_views import CarriedTable, compute_map
from visualdl.ui.export import install_export_menu
from visualdl.ui.presentation import controls_panel

PLOT_PERIOD = 0.1  # s: the loss and step plots redraw at most 10 times a second while racing
PLOT_GAP = 15  # ms between drawing the map, the loss plot and the step plot (separate, shorter paints)
FIRST_LRS = {"sgd": 0.03, "momentum": 0.01, "adagrad": 0.5, "rmsprop": 0.05, "adam": 0.1}
class RacePage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.job = None
        self.map_job = None
        self.snap: dict | None = None
        self.map_result: dict | None = None
        self._pending: dict | None = None
        self._draw_interval, self._plots_drawn = 10, 0.0
        self._draw_timer = QTimer(self)
        self._draw_timer.setSingleShot(True)
        self._draw_timer.timeout.connect(self._draw_pending)
        self._plots_todo: list = []
        self._plot_timer = QTimer(self)
        self._plot_timer.setSingleShot(True)
        self._plot_timer.timeout.connect(self._draw_next_plot)
        self.surface = SYNTHETIC["bowl"]
        self.start = self.surface.start

        self.map = SurfaceMap()
        self.map.point_clicked.connect(self._on_map_clicked)
        self.loss_plot = pg.PlotWidget(background="w")
        self.loss_plot.setLabel("bottom", "iteration")
        self.loss_plot.setLabel("left", "loss f(w)")
        self.loss_plot.setTitle("Loss vs iteration", size="9pt")
        self.loss_plot.addLegend(offset=(-5, 5), labelTextSize="8pt")
        self.eff_plot = pg.PlotWidget(background="w")
        self.eff_plot.setTitle("Step ÷ gradient (x thick, y thin)", size="9pt")
        self.eff_plot.setLabel("left", "|Δw_i / g_i|")
        self.eff_plot.setLabel("bottom", "iteration")
        self.eff_plot.setLogMode(False, True)
        for plot in (self.loss_plot, self.eff_plot):  # plain numbers, never "iteration (x0.001)"
            for side in ("left", "bottom"):
                plot.getPlotItem().getAxis(side).enableAutoSIPrefix(False)
        self.loss_curves, self.eff_curves = {}, {}
        for name in NAMES:
            colour = RACER_COLOURS[name]
            self.loss_curves[name] = self.loss_plot.plot([], [], pen=pg.mkPen(colour, width=2), name=TITLES[name])
            self.eff_curves[name] = (
                self.eff_plot.plot([], [], pen=pg.mkPen(colour, width=2), name=f"{TITLES[name]} x"),
                # thin, not dashed: Qt draws a dashed 20,000-point line ~20x slower
                self.eff_plot.plot([], [], pen=pg.mkPen(colour, width=1), name=f"{TITLES[name]} y"))
        self.table = CarriedTable()
        for target, name in ((self.map, "Loss surface and paths"), (self.loss_plot, "Loss vs iteration"),
                             (self.eff_plot, "Step per unit gradient"), (self.table, "Trajectories")):
            install_export_menu(target, name)

        self.panel = RacePanel()
        scroll = QScrollArea()
        scroll.setWidget(self.panel)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(340)
        scroll.setMaximumWidth(360)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        for w in (self.loss_plot, self.eff_plot, self.table):
            bottom.addWidget(w)
        bottom.setSizes([260, 230, 250])
        for i in range(3):
            bottom.setStretchFactor(i, 1)
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(self.map)
        main.addWidget(bottom)
        main.setSizes([470, 280])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(main, 1)
        layout.addWidget(controls_panel(scroll))
        self._connect_panel()
        self.panel.show_rows_for("bowl")
        for name, row in self.panel.rows.items():
            row.set_values({"lr": FIRST_LRS[name]})
            row.check.blockSignals(True)
            row.check.setChecked(True)
            row.check.blockSignals(False)
        self._start_job()
        self._compute_map()

    # ------------------------------------------------------------------ wiring
    def _connect_panel(self) -> None:
        p = self.panel
        p.surface.currentIndexChanged.connect(self._on_surface_chosen)
        p.dataset.currentIndexChanged.connect(self._on_surface_chosen)
        p.reg.currentIndexChanged.connect(self._on_surface_chosen)
        p.lam.valueChanged.connect(self._on_surface_chosen)
        p.half_width.valueChanged.connect(self._on_surface_chosen)
        p.expr.returnPressed.connect(self._on_surface_chosen)
        p.noise.valueChanged.connect(self._on_noise_changed)
        p.batch.currentIndexChanged.connect(self._on_noise_changed)
        p.preset.currentIndexChanged.connect(self._on_preset_chosen)
        p.play_button.toggled.connect(self._on_play_toggled)
        p.step_button.clicked.connect(self.step_once)
        p.reset_button.clicked.connect(self.reset_run)
        p.speed.currentIndexChanged.connect(self._on_speed_changed)
        p.inspect.currentIndexChanged.connect(self._redraw)
        p.log_y.toggled.connect(self._on_log_toggled)
        for row in p.rows.values():
            row.enabled_changed.connect(self._on_enabled_changed)
            row.hyper_changed.connect(self._on_hyper_changed)
            row.refused.connect(self._show_message)
            if row.bias is not None:
                row.bias.toggled.connect(self._on_bias_toggled)

    def _enabled(self) -> dict:
        return {n: dict(r.values) for n, r in self.panel.rows.items() if r.check.isChecked()}

    def _start_job(self) -> None:
        p = self.panel
        adam = p.rows["adam"]
        self.job = self.ctx.runner.submit(race_job, self.surface, self._enabled(), start=self.start,
                                          speed=float(p.speed.currentData()), noise=p.noise.value(),
                                          batch=p.batch.currentData(), bias_correction=adam.bias.isChecked(),
                                          title="optimizer-race")
        self.job.yielded.connect(self._on_snapshot)
        self.job.errored.connect(self._show_message)
        self.map.set_start(self.start)
        self._show_start()

    def _send(self, *command) -> None:
        if self.job is not None:
            self.job.send(tuple(command))

    def _compute_map(self) -> None:
        if self.map_job is not None and self.map_job.is_running():
            self.map_job.cancel()
        self.map_job = self.ctx.runner.submit(compute_map, self.surface, title="surface-map")
        self.map_job.finished.connect(self._on_map_ready)
        self.map_job.errored.connect(self._show_message)

    # ------------------------------------------------------------------ surface
    def surface_from_controls(self):
        """The Surface the controls describe; raises ExprError / ValueError with a message."""
        p = self.panel
        key = p.surface.currentData()
        if key == "model":
            return toy_model_surface(p.dataset.currentData(), reg=p.reg.currentData(), lam=p.lam.value())
        if key == "custom":
            h = p.half_width.value()
            return ExprSurface(p.expr.text(), bounds=(-h, h, -h, h))
        return SYNTHETIC[key]

    @Slot()
    def _on_surface_chosen(self, *_):
        key = self.panel.surface.currentData()
        self.panel.show_rows_for(key)
        try:
            surface = self.surface_from_controls()
        except (ExprError, ValueError) as exc:
            self.panel.expr_error.setText(str(exc))
            self.panel.expr_error.setVisible(key == "custom")
            self._show_message(str(exc).splitlines()[0])
            return
        self.panel.expr_error.hide()
        self._use_surface(surface)

    def _use_surface(self, surface, start=None) -> None:
        try:
            start = usable_start(surface) if start is None else check_start(surface, start)
        except ValueError as exc:
            self._show_message(str(exc))
            return
        self.surface = surface
        self.start = tuple(start)
        self._send("surface", surface, self.start)
        self.map.set_start(self.start)
        self._show_start()
        self._show_message("")
        self._compute_map()

    @Slot(object)
    def _on_map_ready(self, result) -> None:
        if result is None or result["surface"] is not self.surface:
            return  # an older surface's map
        self.map_result = result
        self.map.set_surface(result)
        self._redraw()

    @Slot(float, float)
    def _on_map_clicked(self, x: float, y: float) -> None:
        try:
            self.start = check_start(self.surface, (x, y))
        except ValueError as exc:
            self._show_message(str(exc))
            return
        self._send("reset", self.start)
        self.map.set_start(self.start)
        self._show_start()
        self._show_message("")

    def _show_start(self) -> None:
        self.panel.start_label.setText(f"Start ({self.start[0]:.3g}, {self.start[1]:.3g}): click the map to move it")

    # ------------------------------------------------------------------ presets and optimizers
    @Slot(int)
    def _on_preset_chosen(self, _index: int) -> None:
        key = self.panel.preset.currentData()
        if not key:
            return
        preset = PRESETS[key]
        p = self.panel
        self.panel.preset_note.setText(preset["note"])
        for name, row in p.rows.items():
            row.check.blockSignals(True)
            row.check.setChecked(name in preset["optimizers"])
            row.check.blockSignals(False)
            if name in preset["optimizers"]:
                row.set_values(preset["optimizers"][name])
            self._send("enable", name, None)
        for w, value in ((p.surface, preset["surface"]),):
            w.blockSignals(True)
            select(w, value)
            w.blockSignals(False)
        p.noise.blockSignals(True)
        p.noise.setValue(preset["noise"])
        p.noise.blockSignals(False)
        p.show_rows_for(preset["surface"])
        self._send("noise", preset["noise"], None)
        self._use_surface(SYNTHETIC[preset["surface"]], preset["start"])
        for name, hyper in self._enabled().items():
            self._send("enable", name, hyper)

    @Slot(str, bool)
    def _on_enabled_changed(self, name: str, on: bool) -> None:
        self._send("enable", name, dict(self.panel.rows[name].values) if on else None)

    @Slot(str, str, float)
    def _on_hyper_changed(self, name: str, key: str, value: float) -> None:
        if self.panel.rows[name].check.isChecked():
            self._send("hyper", name, {key: value})
        self._show_message(f"{TITLES[name]} {key} = {value:g}")

    @Slot(bool)
    def _on_bias_toggled(self, on: bool) -> None:
        self._send("bias", on)
        self._show_message(f"Adam's bias correction {'on' if on else 'off'}: the race starts again")

    @Slot()
    def _on_noise_changed(self, *_):
        batch = self.panel.batch.currentData() if self.panel.surface.currentData() == "model" else None
        self._send("noise", self.panel.noise.value(), batch)

    @Slot(int)
    def _on_speed_changed(self, _i: int) -> None:
        self._send("speed", float(self.panel.speed.currentData()))

    # ------------------------------------------------------------------ run controls (also the window's keys)
    @Slot(bool)
    def _on_play_toggled(self, on: bool) -> None:
        self.panel.play_button.setText("Pause" if on else "Play")
        self._send("play", on)

    def toggle_play(self) -> None:
        self.panel.play_button.toggle()

    def step_once(self) -> None:
        self._set_play_button(False)
        self._send("step", 1)

    def reset_run(self) -> None:
        self._set_play_button(False)
        self._send("reset", None)

    def _set_play_button(self, on: bool) -> None:
        b = self.panel.play_button
        b.blockSignals(True)
        b.setChecked(on)
        b.setText("Pause" if on else "Play")
        b.blockSignals(False)

    # ------------------------------------------------------------------ drawing snapshots
    @Slot(object)
    def _on_snapshot(self, snap: dict) -> None:
        """Keep only the newest snapshot; draw it from a timer whose interval follows the drawing cost,
        so the event loop always has idle time left for the user (no matter how slow drawing is)."""
        self._pending = snap
        if not self._draw_timer.isActive():
            self._draw_timer.start(self._draw_interval)

    @Slot()
    def _draw_pending(self) -> None:
        snap, self._pending = self._pending, None
        if snap is None:
            return
        t0 = time.perf_counter()
        self.snap = snap
        self._set_play_button(bool(snap["running"]))
        if snap.get("error"):
            self._show_message(snap["error"])
        for name, row in self.panel.rows.items():
            r = snap["racers"].get(name)
            row.set_status(r["status"] if r else None)
        if not snap["running"]:
            self._plot_timer.stop()
            self._redraw()
        else:
            self._draw_map_part()
            if time.perf_counter() - self._plots_drawn > PLOT_PERIOD and not self._plot_timer.isActive():
                # the plots in later event-loop turns, one per turn: each paint stays short
                self._plots_todo = [self._draw_loss_plot, self._draw_eff_plot]
                self._plot_timer.start(PLOT_GAP)
        # painting costs about as much again: wait ~3x the cost before the next drawing (10..250 ms)
        self._draw_interval = int(min(250, max(10, 3000 * (time.perf_counter() - t0))))

    @Slot()
    def _draw_next_plot(self) -> None:
        if self._plots_todo and self.snap is not None:
            self._plots_todo.pop(0)()
        if self._plots_todo:
            self._plot_timer.start(PLOT_GAP)

    @Slot()
    def _redraw(self, *_):
        if self.snap is None:
            return
        self._draw_map_part()
        self._draw_loss_plot()
        self._draw_eff_plot()

    def _draw_map_part(self) -> None:
        racers = self.snap["racers"]
        inspect = self.panel.inspect.currentData()
        self.map.set_racers(racers, inspect)
        self.table.racers = racers
        self.table.show_racer(inspect, racers.get(inspect))

    def _draw_loss_plot(self) -> None:
        self._plots_drawn = time.perf_counter()
        racers = self.snap["racers"]
        log = self.panel.log_y.isChecked()
        floor = self._log_floor(racers) if log else 0.0
        for name in NAMES:
            r = racers.get(name)
            if r is None:
                self.loss_curves[name].setData([], [])
                continue
            y = r["losses"] - floor if log else r["losses"]
            keep = thin_index(len(y))  # a plot ~300 px wide needs no more than ~500 points per curve
            self.loss_curves[name].setData(keep, y[keep])

    def _draw_eff_plot(self) -> None:
        for name in NAMES:
            r = self.snap["racers"].get(name)
            if r is None:
                for c in self.eff_curves[name]:
                    c.setData([], [])
                continue
            steps = np.diff(r["path"], axis=0)[:len(r["grads"])]
            keep = thin_index(len(steps))
            with np.errstate(all="ignore"):
                eff = np.abs(steps[keep] / r["grads"][keep])
            for axis, c in enumerate(self.eff_curves[name]):
                ok = np.isfinite(eff[:, axis]) & (eff[:, axis] > 0)
                c.setData(keep[ok] + 1, eff[ok, axis])

    def _log_floor(self, racers) -> float:
        lows = [float(np.nanmin(r["losses"])) for r in racers.values() if len(r["losses"])]
        if self.map_result is not None:
            lows.append(self.map_result["zmin"])
        low = min(lows) if lows else 0.0
        return low - max(1e-12, 1e-9 * abs(low))

    @Slot(bool)
    def _on_log_toggled(self, on: bool) -> None:
        self.loss_plot.setLogMode(False, on)
        self.loss_plot.setLabel("left", "loss − lowest value (log)" if on else "loss f(w)")
        self._redraw()

    @Slot(str)
    def _show_message(self, text: str) -> None:
        self.panel.message.setText(text)
        if text:
            self.ctx.status(text, source=self)

    # ------------------------------------------------------------------ lab interface
    def export_targets(self) -> dict:
        return {"Loss surface and paths": self.map, "Loss vs iteration": self.loss_plot,
                "Step per unit gradient": self.eff_plot, "Trajectories": self.table}

    def shutdown(self) -> None:
        for job in (self.job, self.map_job):
            if job is not None:
                job.cancel()
