"""Shareable setups: a lab's choices (data, model, hyperparameters, seed) as a small JSON file.

    save_setup(path, "training", {"model": "two_layer", "lr": 0.001, ...})
    key, state = read_setup(path)        # SetupError (plain words) for anything not applicable

A teacher hands students the same starting point. The file says what it is and which version
wrote it; a file from a newer VisualDL, a broken file or one for an unknown lab is refused with a
message before anything is applied (pure Python, no Qt: the window applies the state it returns).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from visualdl.atomic import write_atomic

FORMAT = "visualdl-setup"
VERSION = 1


class SetupError(ValueError):
    """A setup file that cannot be applied; the message says why in plain words."""


def _check_json_value(value, where: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise SetupError(f"{where}: {value} is not a number a setup can hold")
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise SetupError(f"{where}: key {k!r} is not text")
            _check_json_value(v, f"{where}.{k}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_json_value(v, f"{where}[{i}]")
    elif not (value is None or isinstance(value, (str, int, float, bool))):
        raise SetupError(f"{where}: {type(value).__name__} cannot be saved in a setup")


def save_setup(path, lab_key: str, state: dict) -> Path:
    """Write {format, version, lab, state} atomically; state must be plain JSON values."""
    if not isinstance(state, dict):
        raise SetupError(f"a setup's state is a dict, not {type(state).__name__}")
    _check_json_value(state, "state")
    doc = {"format": FORMAT, "version": VERSION, "lab": lab_key, "state": state}
    return write_atomic(path, lambda fh: json.dump(doc, fh, indent=2, sort_keys=True), encoding="utf-8")


def read_setup(path, known_labs=None) -> tuple[str, dict]:
    """-> (lab key, state). Raises SetupError naming the file and the reason."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SetupError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SetupError(f"{p}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise SetupError(f"{p}: not a setup file (broken JSON at line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise SetupError(f"{p}: not a VisualDL setup file")
    version = doc.get("version")
    if not isinstance(version, int) or version < 1:
        raise SetupError(f"{p}: setup version {version!r} is not valid")
    if version > VERSION:
        raise SetupError(f"{p}: written by a newer VisualDL (setup version {version}; this one reads up to "
                         f"{VERSION}). Update VisualDL to open it.")
    lab, state = doc.get("lab"), doc.get("state")
    if not isinstance(lab, str) or not isinstance(state, dict):
        raise SetupError(f"{p}: a setup needs a lab name and a state table")
    if known_labs is not None and lab not in known_labs:
        raise SetupError(f"{p}: the setup is for lab {lab!r}, which this VisualDL does not have")
    return lab, state
