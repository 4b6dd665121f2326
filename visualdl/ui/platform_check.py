"""Before the first window: say which system package is missing instead of Qt's abort text.

Qt 6.5+ on Linux/X11 cannot open a window without libxcb-cursor0; Qt then prints a paragraph and
aborts. ``missing_display_library()`` names the one package to install (None when all is well or
when another platform plugin is in use), so the launcher can print one clear line and exit.
"""
from __future__ import annotations

import ctypes.util
import os
import sys

HINT = ("VisualDL cannot open its window: the system library libxcb-cursor is missing "
        "(Qt 6.5 and newer need it on Linux). Install the package libxcb-cursor0 "
        "(Debian/Ubuntu: sudo apt-get install libxcb-cursor0; Fedora: sudo dnf install xcb-util-cursor), "
        "then start VisualDL again.")


def missing_display_library(platform: str | None = None, find_library=ctypes.util.find_library) -> str | None:
    """The message to show when the xcb platform will fail for want of libxcb-cursor, else None."""
    if sys.platform != "linux":
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "") if platform is None else platform
    wants_xcb = platform in ("", "xcb") and bool(os.environ.get("DISPLAY")) and not os.environ.get("WAYLAND_DISPLAY")
    if not wants_xcb:
        return None
    return None if find_library("xcb-cursor") else HINT
