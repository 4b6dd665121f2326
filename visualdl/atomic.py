"""Atomic file writes shared by checkpoints, exports and run histories (pure Python, no Qt).

Write to a temporary file in the target's folder, then ``os.replace`` it over the target:
a reader sees the old file or the new one, never half of one.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def temporary_beside(path, suffix: str = ".tmp") -> Path:
    """An empty temporary file next to `path` (created with its folder if needed).

    It gets the permissions a newly created file would get (0666 less the umask),
    not mkstemp's 0600, so the renamed result looks like any other saved file.
    `suffix`: image writers choose the format by it, so exports pass the target's.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())
    return Path(tmp)


def write_atomic(path, write, mode: str = "w", **open_kw) -> Path:
    """Call write(fh) on a temporary file beside `path`, fsync it, then rename it to `path`."""
    path = Path(path)
    tmp = temporary_beside(path)
    try:
        with open(tmp, mode, **open_kw) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def replace_atomic(path, write_to, suffix: str | None = None) -> Path:
    """Call write_to(tmp_path) for writers that take a file name (image and SVG exporters),
    fsync the result, then rename it to `path`; on any error `path` is left as it was.

    The temporary file keeps `path`'s suffix unless `suffix` is given: such writers choose
    the format by it."""
    path = Path(path)
    tmp = temporary_beside(path, suffix=path.suffix if suffix is None else suffix)
    try:
        write_to(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
