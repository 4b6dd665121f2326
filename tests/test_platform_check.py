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
