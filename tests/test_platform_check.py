"""The launcher names the missing package instead of Qt's abort text."""
from __future__ import annotations

import sys

import pytest

from visualdl.ui.platform_check import HINT, missing_display_library

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="the xcb check is for Linux")


@linux_only
def test_missing_xcb_cursor_is_named(monkeypatch):
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert missing_display_library("xcb", find_library=lambda name: None) == HINT
    assert "libxcb-cursor0" in HINT and "apt-get install libxcb-cursor0" in HINT


@linux_only
def test_present_library_or_other_platform_is_fine(monkeypatch):
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert missing_display_library("xcb", find_library=lambda name: "libxcb-cursor.so.0") is None
    assert missing_display_library("offscreen", find_library=lambda name: None) is None
    monkeypatch.delenv("DISPLAY")
    assert missing_display_library("", find_library=lambda name: None) is None


def test_launch_without_the_library_prints_the_hint_and_exits_1_before_qt(monkeypatch, capsys):
    import PySide6.QtWidgets

    from visualdl.cli import main as cli_main
    from visualdl.ui import app, platform_check

    class NoQt:
        """No Qt application may be asked for or made (pytest-qt's own look-ups find none)."""

        @staticmethod
        def instance():
            return None

        def __init__(self, *_args, **_kw):
            raise AssertionError("the QApplication was made although the window cannot open")

    monkeypatch.setattr(platform_check, "missing_display_library", lambda: HINT)
    monkeypatch.setattr(PySide6.QtWidgets, "QApplication", NoQt)
    assert app.main(["--lab", "knn"]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == HINT and captured.out == ""
    assert cli_main([]) == 1  # `visualdl` with no arguments goes the same way
    assert "libxcb-cursor0" in capsys.readouterr().err
