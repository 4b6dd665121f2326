"""Remembered choices (window geometry, last dataset path, last dashboard choices) via QSettings.

Stored in an INI file so a test can point it at a temporary folder and never touch the user's
settings: ``Settings(path)``; ``Settings()`` uses ``$VISUALDL_SETTINGS`` when set, else the
platform's per-user location for "VisualDL".
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

ENV_SETTINGS = "VISUALDL_SETTINGS"


def default_settings_path() -> Path:
    env = os.environ.get(ENV_SETTINGS)
    if env:
        return Path(env)
    # AppConfigLocation already ends in the organization/application names (~/.config/VisualDL/VisualDL)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation)
    return (Path(base) if base else Path.home() / ".config" / "VisualDL") / "visualdl.ini"


class Settings:
    """A thin wrapper: JSON values for choices, bytes for window geometry."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else default_settings_path()
        self._qs = QSettings(str(self.path), QSettings.Format.IniFormat)

    def get(self, key: str, default: Any = None) -> Any:
        """A JSON-able value saved with ``set`` (default when absent or unreadable)."""
        raw = self._qs.value(key)
        if raw is None:
            return default
        try:
            return json.loads(raw)
        except (TypeError, ValueError):
            return default

    def set(self, key: str, value: Any) -> None:
        self._qs.setValue(key, json.dumps(value))

    def remove(self, key: str) -> None:
        self._qs.remove(key)

    def get_bytes(self, key: str) -> QByteArray | None:
        raw = self._qs.value(key)
        return raw if isinstance(raw, QByteArray) and not raw.isEmpty() else None

    def set_bytes(self, key: str, value: QByteArray) -> None:
        self._qs.setValue(key, value)

    def sync(self) -> None:
        self._qs.sync()
