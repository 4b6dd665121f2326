"""Shared test set-up: headless Qt, the optional real CIFAR-10 archive."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CIFAR_ENV = "VISUALDL_CIFAR10"


@pytest.fixture(scope="session")
def cifar_path() -> Path:
    """Path of the real CIFAR-10 archive or folder; skips the test when it is absent."""
    value = os.environ.get(CIFAR_ENV)
    if not value or not Path(value).exists():
        pytest.skip(f"real CIFAR-10 not available (set {CIFAR_ENV} to the archive path)")
    return Path(value)
