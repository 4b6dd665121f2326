"""`visualdl figures`: a lab's plots rendered offscreen into files, errors in one line."""
from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

from visualdl.cli import CliError, main
from visualdl.cli.figures import render


def test_figures_writes_one_png_per_plot_of_the_lab(qapp, tmp_path):
    written = render(["linear"], tmp_path, "png", (1280, 800), wait=1.0, log=lambda *_: None)
    assert written, "the linear lab has plots"
    names = sorted(p.name for p in written)
    assert all(n.startswith("linear-") and n.endswith(".png") for n in names)
    assert len(set(names)) == len(names)
    for path in written:
        image = QImage(str(path))
        assert not image.isNull() and image.width() > 100 and image.height() > 100, path


def test_figures_svg_is_valid_xml(qapp, tmp_path):
    import xml.etree.ElementTree as ET

    written = render(["knn"], tmp_path, "svg", (1280, 800), wait=1.0, log=lambda *_: None)
    assert written
    for path in written:
        assert ET.parse(path).getroot().tag.endswith("svg")


def test_unknown_lab_and_preset_are_one_line_errors(qapp, tmp_path, capsys):
    assert main(["figures", "--lab", "nope", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "valid labs: knn, linear" in err
    with pytest.raises(CliError, match="has no preset 'nope'"):
        render(["linear"], tmp_path, "png", (800, 600), preset="nope", wait=0.2, log=lambda *_: None)
    assert main(["figures", "--lab", "knn", "--size", "big", "--out", str(tmp_path)]) == 2
    assert "--size must look like 1280x800" in capsys.readouterr().err


def test_figures_command_line_exit_status(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "visualdl", "figures", "--lab", "nope", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("visualdl figures: error: unknown lab 'nope'")
