"""Checkpoints: weights in ``<path>.npz``, everything else in ``<path>.json``. Never pickle.

Both files are written to a temporary name in the same folder and then moved
into place with ``os.replace``, so a crash mid-save never leaves a half-written
checkpoint under the real name. The JSON records every parameter's shape and
a SHA-256 of the .npz, so loading notices a damaged file, a foreign file, or a
.npz that was replaced without its .json.
"""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np

from visualdl.atomic import write_atomic

FORMAT = "visualdl-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint that cannot be used: missing, damaged, foreign or mismatched."""


def _base(path) -> Path:
    """'run/model', 'run/model.npz' and 'run/model.json' all name the same checkpoint."""
    path = Path(path)
    if path.suffix in (".npz", ".json"):
        path = path.with_suffix("")
    return path


def checkpoint_paths(path) -> tuple[Path, Path]:
    """The (.npz, .json) pair a checkpoint named `path` consists of."""
    base = _base(path)
    return base.with_suffix(".npz"), base.with_suffix(".json")


def _atomic_write(target: Path, data: bytes) -> None:
    write_atomic(target, lambda fh: fh.write(data), "wb")


def jsonable(obj):
    """Convert NumPy scalars/arrays nested in dicts/lists to plain Python for json (NaN/inf -> None)."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())  # again: the list may hold NaN/inf
    if isinstance(obj, np.generic):
        return jsonable(obj.item())
    if isinstance(obj, float) and not np.isfinite(obj):
        return None  # JSON has no NaN/inf; a stopped run's last loss is recorded as null
    return obj


def save_checkpoint(path, config: dict, params: dict, history=None, extra=None) -> Path:
    """Write `params` (name -> ndarray) and `config`/`history`/`extra` (JSON-able) to path.npz + path.json.

    Returns the base path (without suffix).
    """
    base = _base(path)
    base.parent.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for name, value in params.items():
        arr = np.asarray(value)
        if arr.dtype == object:
            raise CheckpointError(f"Parameter {name!r} is not a numeric array")
        arrays[name] = arr
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    npz_bytes = buf.getvalue()
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "config": jsonable(config),
        "params": {name: {"shape": list(a.shape), "dtype": str(a.dtype)} for name, a in arrays.items()},
        "npz_sha256": hashlib.sha256(npz_bytes).hexdigest(),
        "history": jsonable(history),
        "extra": jsonable(extra),
    }
    json_bytes = json.dumps(meta, indent=1, allow_nan=False).encode("utf-8")
    _atomic_write(base.with_suffix(".npz"), npz_bytes)
    _atomic_write(base.with_suffix(".json"), json_bytes)
    return base


def load_checkpoint(path):
    """Read a checkpoint written by save_checkpoint -> (config, params, history, extra).

    Raises CheckpointError naming the file and what is wrong.
    """
    base = _base(path)
    json_path, npz_path = base.with_suffix(".json"), base.with_suffix(".npz")
    for p in (json_path, npz_path):
        if not p.is_file():
            raise CheckpointError(f"Checkpoint file not found: {p}")
    try:
        meta = json.loads(json_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{json_path} is not a VisualDL checkpoint (not valid JSON: {exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{json_path} is not a VisualDL checkpoint (missing format tag {FORMAT!r})")
    if meta.get("version") != VERSION:
        raise CheckpointError(f"{json_path} has checkpoint version {meta.get('version')!r}; this build reads {VERSION}")
    for key in ("config", "params", "npz_sha256"):
        if key not in meta:
            raise CheckpointError(f"{json_path} is damaged: field {key!r} is missing")

    npz_bytes = npz_path.read_bytes()
    if hashlib.sha256(npz_bytes).hexdigest() != meta["npz_sha256"]:
        raise CheckpointError(
            f"{npz_path} does not belong to {json_path.name}: its contents changed after saving "
            "(damaged, or replaced by another model's weights)"
        )
    try:
        with np.load(io.BytesIO(npz_bytes), allow_pickle=False) as npz:
            params = {name: npz[name] for name in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise CheckpointError(f"{npz_path} is damaged or not a NumPy .npz file ({exc})") from None
    try:
        expected = {str(n): tuple(int(d) for d in s["shape"]) for n, s in meta["params"].items()}
    except (AttributeError, TypeError, KeyError, ValueError):
        raise CheckpointError(f"{json_path} is damaged: field 'params' is not a table of parameter shapes") from None
    check_params(params, expected, source=str(npz_path))
    return meta["config"], params, meta.get("history"), meta.get("extra")


def check_params(params: dict, expected_shapes: dict, source: str = "checkpoint") -> None:
    """Raise CheckpointError unless `params` has exactly the names and shapes in `expected_shapes`."""
    missing = sorted(set(expected_shapes) - set(params))
    unexpected = sorted(set(params) - set(expected_shapes))
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing)}")
        if unexpected:
            parts.append(f"unexpected {', '.join(unexpected)}")
        raise CheckpointError(f"{source} does not match the model: parameters {'; '.join(parts)}")
    for name, shape in expected_shapes.items():
        if tuple(params[name].shape) != tuple(shape):
            raise CheckpointError(
                f"{source} does not match the model: {name} has shape {tuple(params[name].shape)}, "
                f"expected {tuple(shape)}"
            )
