"""Pieces of the race page: the map job (grid, colours, contours) and the table of what the
inspected optimizer carries, whose CSV export writes every trajectory."""
from __future__ import annotations

import csv

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy

from visualdl.atomic import write_atomic
from visualdl.engine.optimization.contours import colour_values, contour_segments, levels_for, wide_range
from visualdl.engine.optimization.race import TITLES
from visualdl.labs.optimization.map_view import RACER_COLOURS

RESOLUTION = 300


def compute_map(ctl, surface, resolution: int = RESOLUTION) -> dict:
    """Worker job: the surface on a grid, its colour values (log where wide) and contour segments."""
    xs, ys, Z = surface.grid(resolution)
    C, label = colour_values(Z, surface.log_colour or wide_range(Z))
    step = max(1, resolution // 150)  # contours on a 150x150 subgrid: smooth enough, 4x cheaper
    seg = contour_segments(C[::step, ::step], xs[::step], ys[::step], levels_for(C, 14))
    finite = Z[np.isfinite(Z)]
    return {"surface": surface, "bounds": surface.bounds, "colour": C, "label": label, "segments": seg,
            "minima": list(surface.minima), "zmin": float(finite.min()) if finite.size else 0.0}


class CarriedTable(QLabel):
    """What the inspected optimizer carries, as numbers; its CSV export writes every trajectory."""

    def __init__(self):
        super().__init__("")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.setStyleSheet("font-family: monospace; background: white; padding: 4px;")
        self.setWordWrap(True)
        self.setMinimumWidth(200)
        # its text changes every snapshot: never let that re-layout the page
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.racers: dict = {}

    def show_racer(self, name: str, r: dict | None) -> None:
        if r is None:
            self.setText(f"<b>{TITLES[name]}</b> is not racing: tick it on the right.")
            return
        p, g = r["path"][-1], r["grad"]
        rows = [("step t", f"{r['steps']}"), ("point w", _vec(p)), ("loss f(w)", f"{r['losses'][-1]:.6g}"),
                ("gradient g", _vec(g) if r["steps"] else "(none yet)")]
        if "m" in r["state"]:
            rows.append(("velocity m" if r["title"] == "Momentum" else "1st moment m", _vec(r["state"]["m"])))
        if "n" in r["state"]:
            what = {"AdaGrad": "sum of g²", "RMSProp": "avg of g²", "Adam": "2nd moment n"}[r["title"]]
            rows.append((what + " n", _vec(r["state"]["n"])))
            rows.append(("√n per axis", _vec(np.sqrt(r["state"]["n"]))))
        if r["steps"]:
            rows.append(("last step Δw", _vec(r["path"][-1] - r["path"][-2])))
        colour = RACER_COLOURS[name]
        body = "".join(f"<tr><td>{k}</td><td align='right'>{v}</td></tr>" for k, v in rows)
        legend = ("<br>On the map: <span style='color:#ff3030'>red arrow −g</span>, white arrow −m, "
                  "<span style='color:#c9a000'>yellow ellipse √n per axis</span>")
        self.setText(f"<b style='color:{colour}'>{r['title']}</b> carries:<table>{body}</table>{legend}")

    def export_csv(self, path) -> None:
        """Every racer's trajectory: optimizer, step, x, y, loss, gx, gy (the gradient that step used)."""
        def write(fh):
            w = csv.writer(fh)
            w.writerow(["optimizer", "step", "x", "y", "loss", "gx", "gy"])
            for name, r in self.racers.items():
                path, losses, grads = r["path"], r["losses"], r["grads"]
                for k in range(len(path)):
                    g = grads[k] if k < len(grads) else (np.nan, np.nan)
                    f = losses[k] if k < len(losses) else np.nan
                    w.writerow([name, k, repr(float(path[k, 0])), repr(float(path[k, 1])), repr(float(f)),
                                repr(float(g[0])), repr(float(g[1]))])
        write_atomic(path, write, newline="", encoding="utf-8")


def _vec(v) -> str:
    return "(" + ", ".join(f"{float(a):+.4g}" for a in v) + ")"
