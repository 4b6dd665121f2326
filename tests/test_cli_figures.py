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


def _pixels(path) -> bytes:
    image = QImage(str(path))
    assert not image.isNull(), path
    return bytes(image.constBits())


@pytest.mark.parametrize("lab, preset, plot", [
    ("optimization", "saddle", "optimization-loss_surface_and_paths.png"),
    ("cnn", "32x32x3_4_filters_5x5", "cnn-convolution_input_grid.png"),
])
def test_a_preset_renders_that_starting_point(qapp, tmp_path, lab, preset, plot):
    plain = render([lab], tmp_path / "plain", "png", (1280, 800), wait=1.0, log=lambda *_: None)
    chosen = render([lab], tmp_path / "preset", "png", (1280, 800), preset=preset, wait=1.0, log=lambda *_: None)
    # (not the same list of files: views that appear once a background model is built, e.g. the live
    # CNN's per-layer maps, may or may not be ready within --wait on a busy machine)
    assert plot in {p.name for p in plain} and plot in {p.name for p in chosen}, sorted(p.name for p in chosen)
    assert _pixels(tmp_path / "preset" / plot) != _pixels(tmp_path / "plain" / plot)


def test_an_unknown_preset_lists_the_lab_presets(qapp, tmp_path, capsys):
    assert main(["figures", "--lab", "optimization", "--preset", "nope", "--wait", "0.2", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "has no preset 'nope'; valid presets: ravine, saddle, local_min" in err


def test_views_of_tabs_never_opened_are_drawn_loaded_and_at_their_size(qapp, tmp_path):
    """The kNN images tab loads its images only when first shown; its figure is not a blank strip."""
    written = render(["knn"], tmp_path, "png", (1280, 800), wait=0.5, log=lambda *_: None)
    image = QImage(str(tmp_path / "knn-nearest_images.png"))
    assert image.height() > 250, (image.width(), image.height())
    colours = {image.pixel(x, y) for x in range(0, image.width(), 4) for y in range(0, image.height(), 4)}
    assert len(colours) > 50, len(colours)
    assert len(written) == len({p.name for p in written})
