"""CIFAR-10 from the official ``cifar-10-python.tar.gz`` or its extracted ``cifar-10-batches-py/`` folder.

    load_cifar10(path, progress=None, cancel=None) -> Cifar10
        X_train: (50000, 32, 32, 3) uint8 NHWC     y_train: (50000,) int64
        X_test:  (10000, 32, 32, 3) uint8 NHWC     y_test:  (10000,) int64
        class_names: 10 names from batches.meta

The archive is read as one stream (no extraction, no seeking back through
the gzip data), member by member, with progress reported in bytes.

Safety: the batches are Python 2 pickles, and unpickling can run arbitrary
code. ``_BatchUnpickler`` accepts only the three globals a CIFAR batch
really contains (numpy's array-reconstruction function, ``ndarray`` and
``dtype``) and refuses every other one *before* it is called, so a crafted
batch that would run a command raises :class:`DataError` instead.

Every problem (missing path, truncated or corrupt archive, a batch of the
wrong shape or type, labels out of range) raises ``DataError`` naming the file;
nothing half-loaded is ever returned.
"""
from __future__ import annotations

import io
import os
import pickle
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy._core import multiarray as _multiarray

from visualdl.data.errors import Cancelled, DataError, check_cancel, report

FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]
TEST_BATCH = "test_batch"
META = "batches.meta"
MEMBERS = [META, *TRAIN_BATCHES, TEST_BATCH]
NUM_CLASSES = 10
_CHUNK = 4 << 20  # read 4 MB at a time: smooth progress, prompt cancel


@dataclass
class Cifar10:
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    source: str


class _BatchUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the globals a CIFAR-10 batch needs; anything else is refused."""

    # Pickled by numpy 1.x under Python 2: the module was numpy.core.multiarray
    # (renamed numpy._core in numpy 2); map both names to the same function.
    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"): _multiarray._reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): _multiarray._reconstruct,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
    }

    def find_class(self, module, name):
        try:
            return self.ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"refused to load {module}.{name} (not part of a CIFAR-10 batch)")

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("refused a persistent id (not part of a CIFAR-10 batch)")


def safe_load_batch(raw: bytes, where: str) -> dict:
    """Unpickle one batch with only the allowed globals; returns a dict with str keys."""
    try:
        obj = _BatchUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError, MemoryError, OverflowError) as exc:
        raise DataError(f"{where}: not a valid CIFAR-10 batch: {exc}") from None
    if not isinstance(obj, dict):
        raise DataError(f"{where}: not a valid CIFAR-10 batch: expected a dict, got {type(obj).__name__}")
    return {(k.decode("latin1") if isinstance(k, bytes) else str(k)): v for k, v in obj.items()}


def _parse_batch(raw: bytes, where: str) -> tuple[np.ndarray, np.ndarray]:
    """One batch -> (X (n, 32, 32, 3) uint8, y (n,) int64), after checking shape, type and labels."""
    d = safe_load_batch(raw, where)
    if "data" not in d or "labels" not in d:
        raise DataError(f"{where}: batch has no 'data' or 'labels' entry (keys: {sorted(d)})")
    data = d["data"]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8:
        kind = data.dtype if isinstance(data, np.ndarray) else type(data).__name__
        raise DataError(f"{where}: data must be a uint8 array, got {kind}")
    if data.ndim != 2 or data.shape[1] != 3072 or data.shape[0] == 0:
        raise DataError(f"{where}: data has shape {data.shape}, expected (n, 3072)")
    labels = d["labels"]
    if not isinstance(labels, (list, np.ndarray)) or not all(
            isinstance(v, (int, np.integer)) for v in labels):
        raise DataError(f"{where}: labels must be a list of integers")
    y = np.asarray(labels, dtype=np.int64).reshape(-1)
    if len(y) != len(data):
        raise DataError(f"{where}: {len(y)} labels for {len(data)} images")
    bad = (y < 0) | (y >= NUM_CLASSES)
    if bad.any():
        raise DataError(f"{where}: label {y[bad][0]} out of range 0..{NUM_CLASSES - 1}")
    # rows are stored channel-major (1024 red, 1024 green, 1024 blue): to NHWC
    X = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(X), y


def _parse_meta(raw: bytes, where: str) -> list[str]:
    d = safe_load_batch(raw, where)
    names = d.get("label_names")
    if not isinstance(names, list) or len(names) != NUM_CLASSES:
        raise DataError(f"{where}: expected {NUM_CLASSES} label_names")
    return [n.decode("utf-8", "replace") if isinstance(n, bytes) else str(n) for n in names]


def _read_archive(path: Path, progress, cancel) -> dict[str, bytes]:
    """Stream the tar.gz once and return the raw bytes of the members we need, by base name."""
    total = max(1, path.stat().st_size)
    found: dict[str, bytes] = {}
    current = "the archive header"
    try:
        with open(path, "rb") as raw, tarfile.open(fileobj=raw, mode="r|gz") as tar:
            for member in tar:
                base = member.name.rsplit("/", 1)[-1]
                if not member.isfile() or base not in MEMBERS or base in found:
                    continue
                current = member.name
                f = tar.extractfile(member)
                parts = []
                while True:
                    check_cancel(cancel, "loading CIFAR-10")
                    chunk = f.read(_CHUNK)
                    if not chunk:
                        break
                    parts.append(chunk)
                    report(progress, min(raw.tell(), total - 1), total, f"reading {base}")
                data = b"".join(parts)
                if len(data) != member.size:
                    raise EOFError(f"{len(data)} of {member.size} bytes")
                found[base] = data
    except Cancelled:
        raise
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise DataError(f"{path}: truncated or corrupt archive (while reading {current}): {exc}") from None
    missing = [m for m in MEMBERS if m not in found]
    if missing:
        raise DataError(f"{path}: not a CIFAR-10 archive, missing {', '.join(missing)}")
    return found


def _read_folder(path: Path, progress, cancel) -> dict[str, bytes]:
    folder = path / FOLDER if (path / FOLDER).is_dir() else path
    missing = [m for m in MEMBERS if not (folder / m).is_file()]
    if missing:
        raise DataError(f"{folder}: not a CIFAR-10 folder, missing {', '.join(missing)}")
    total = max(1, sum((folder / m).stat().st_size for m in MEMBERS))
    done = 0
    found = {}
    for m in MEMBERS:
        check_cancel(cancel, "loading CIFAR-10")
        try:
            found[m] = (folder / m).read_bytes()
        except OSError as exc:
            raise DataError(f"{folder / m}: cannot read: {exc}") from None
        done += len(found[m])
        report(progress, min(done, total - 1), total, f"reading {m}")
    return found


def load_cifar10(path, progress=None, cancel=None) -> Cifar10:
    """Load all of CIFAR-10 from the archive or folder at ``path`` (see the module docstring)."""
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(f"CIFAR-10 not found: {path} does not exist")
    if path.is_dir():
        raw, prefix = _read_folder(path, progress, cancel), str(path)
    else:
        raw, prefix = _read_archive(path, progress, cancel), f"{path}:{FOLDER}"
    class_names = _parse_meta(raw.pop(META), f"{prefix}/{META}")
    xs, ys = [], []
    for name in TRAIN_BATCHES:
        check_cancel(cancel, "loading CIFAR-10")
        X, y = _parse_batch(raw.pop(name), f"{prefix}/{name}")
        xs.append(X)
        ys.append(y)
    X_test, y_test = _parse_batch(raw.pop(TEST_BATCH), f"{prefix}/{TEST_BATCH}")
    X_train, y_train = np.concatenate(xs), np.concatenate(ys)
    report(progress, 1, 1, "CIFAR-10 loaded")
    return Cifar10(X_train, y_train, X_test, y_test, class_names, str(path))


_cache: dict = {}


def load_cifar10_cached(path, progress=None, cancel=None) -> Cifar10:
    """Like :func:`load_cifar10` but keeps the last loaded set in memory (arrays read-only).

    The app switches labs and datasets often; re-reading 180 MB each time
    would cost seconds. The key includes size and mtime, so a replaced file
    is reloaded. Arrays are marked read-only so no caller can corrupt the
    shared copy.
    """
    p = Path(path).expanduser()
    try:
        st = p.stat()
    except OSError:
        raise DataError(f"CIFAR-10 not found: {p} does not exist") from None
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    if _cache.get("key") != key:
        data = load_cifar10(p, progress, cancel)
        for arr in (data.X_train, data.y_train, data.X_test, data.y_test):
            arr.flags.writeable = False
        _cache.clear()
        _cache.update(key=key, data=data)
    else:
        report(progress, 1, 1, "CIFAR-10 loaded (cached)")
    return _cache["data"]


def default_path() -> Path | None:
    """Where to look when no path is given: $VISUALDL_CIFAR10, else ~/.visualdl/data/<archive>, if present."""
    env = os.environ.get("VISUALDL_CIFAR10")
    candidates = [Path(env)] if env else []
    candidates.append(Path.home() / ".visualdl" / "data" / "cifar-10-python.tar.gz")
    for c in candidates:
        if c.exists():
            return c
    return None
