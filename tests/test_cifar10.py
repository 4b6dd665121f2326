"""CIFAR-10 loading: archive and folder, safe unpickling, clear errors, never half-loaded."""
from __future__ import annotations

import io
import os
import pickle
import subprocess
import tarfile
import threading

import numpy as np
import pytest

from visualdl.data import Cancelled, DataError, load_dataset
from visualdl.data.cifar10 import FOLDER, TRAIN_BATCHES, load_cifar10

NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def _batch_bytes(data, labels, py2_module_name=False) -> bytes:
    """Pickle a batch like the official files: bytes keys, a uint8 (n, 3072) array, a label list.

    Protocol 3 names exactly the numpy globals the real Python 2 batches use;
    ``py2_module_name`` rewrites numpy._core to numpy.core as in the real files.
    """
    raw = pickle.dumps({b"data": data, b"labels": labels, b"batch_label": b"fake"}, protocol=3)
    if py2_module_name:
        raw = raw.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    return raw


def _fake_members(n=20, seed=0, py2=False, override=None):
    """name -> bytes for a small but complete CIFAR-10; images encode (batch, index) for checking."""
    rng = np.random.default_rng(seed)
    members = {"batches.meta": pickle.dumps({b"label_names": [s.encode() for s in NAMES]}, protocol=3)}
    for i, name in enumerate(TRAIN_BATCHES + ["test_batch"]):
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, n)]
        members[name] = _batch_bytes(data, labels, py2)
    members.update(override or {})
    return members


def _write_archive(path, members, order=None):
    with tarfile.open(path, "w:gz") as tar:
        for name in order or members:
            info = tarfile.TarInfo(f"{FOLDER}/{name}")
            info.size = len(members[name])
            tar.addfile(info, io.BytesIO(members[name]))
    return path


def _write_folder(root, members):
    folder = root / FOLDER
    folder.mkdir(parents=True)
    for name, raw in members.items():
        (folder / name).write_bytes(raw)
    return folder


def _expected(members, name):
    d = pickle.loads(members[name])
    return d[b"data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), np.array(d[b"labels"])


@pytest.mark.parametrize("py2", [False, True])
def test_archive_loads_all_batches_in_nhwc_with_class_names(tmp_path, py2):
    members = _fake_members(py2=py2)
    # members stored out of order, as in the official archive
    order = ["batches.meta", "data_batch_4", "data_batch_2", "data_batch_5", "data_batch_1", "test_batch",
             "data_batch_3"]
    data = load_cifar10(_write_archive(tmp_path / "c.tar.gz", members, order))
    assert data.class_names == NAMES
    assert data.X_train.shape == (100, 32, 32, 3) and data.X_train.dtype == np.uint8
    assert data.y_train.dtype == np.int64 and data.X_test.shape == (20, 32, 32, 3)
    X1, y1 = _expected(members, "data_batch_1")
    X5, y5 = _expected(members, "data_batch_5")
    np.testing.assert_array_equal(data.X_train[:20], X1)  # batch 1 first, whatever the archive order
    np.testing.assert_array_equal(data.X_train[80:], X5)
    np.testing.assert_array_equal(data.y_train[80:], y5)
    Xt, yt = _expected(members, "test_batch")
    np.testing.assert_array_equal(data.X_test, Xt)
    np.testing.assert_array_equal(data.y_test, yt)
    # NHWC: pixel (0, 1) of image 0 takes red, green, blue from offsets 1, 1025, 2049 of the row
    row = pickle.loads(members["data_batch_1"])[b"data"][0]
    assert list(data.X_train[0, 0, 1]) == [row[1], row[1025], row[2049]]


def test_folder_and_parent_folder_give_the_same_arrays(tmp_path):
    members = _fake_members()
    folder = _write_folder(tmp_path, members)
    a = load_cifar10(folder)
    b = load_cifar10(tmp_path)  # the folder that contains cifar-10-batches-py/
    c = load_cifar10(_write_archive(tmp_path / "c.tar.gz", members))
    for x, y in ((a, b), (a, c)):
        np.testing.assert_array_equal(x.X_train, y.X_train)
        np.testing.assert_array_equal(x.y_test, y.y_test)


def test_progress_reaches_the_end_and_cancel_leaves_nothing(tmp_path):
    path = _write_archive(tmp_path / "c.tar.gz", _fake_members())
    calls = []
    load_cifar10(path, progress=lambda done, total, msg: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1]
    assert all(d <= t for d, t in calls)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        load_cifar10(path, cancel=cancel)


class _Exploit:
    """Unpickling this with plain pickle runs a shell command that creates a file."""

    def __init__(self, target, how):
        self.target, self.how = str(target), how

    def __reduce__(self):
        if self.how == "os.system":
            return (os.system, (f"touch '{self.target}'",))
        if self.how == "exec":
            return (exec, (f"open({self.target!r}, 'w').close()",))
        return (subprocess.call, (["touch", self.target],))


@pytest.mark.parametrize("how", ["os.system", "exec", "subprocess"])
@pytest.mark.parametrize("where", ["batch", "data"])
def test_crafted_batch_that_would_create_a_file_is_refused_and_runs_nothing(tmp_path, how, where):
    proof = tmp_path / "pwned"
    exploit = _Exploit(proof, how)
    payload = (pickle.dumps(exploit, protocol=3) if where == "batch"
               else pickle.dumps({b"data": exploit, b"labels": [0]}, protocol=3))
    # control: the payload is real (plain pickle runs it)
    pickle.loads(payload)
    assert proof.exists()
    proof.unlink()
    path = _write_archive(tmp_path / "evil.tar.gz", _fake_members(override={"data_batch_3": payload}))
    with pytest.raises(DataError) as err:
        load_cifar10(path)
    assert "data_batch_3" in str(err.value) and str(path) in str(err.value)
    assert "refused" in str(err.value)
    assert not proof.exists()


def test_missing_path_names_it(tmp_path):
    with pytest.raises(DataError, match="does not exist") as err:
        load_cifar10(tmp_path / "nope.tar.gz")
    assert "nope.tar.gz" in str(err.value)


def test_truncated_archive_names_file_and_problem(tmp_path):
    full = _write_archive(tmp_path / "full.tar.gz", _fake_members(n=200)).read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(full[: len(full) // 2])
    with pytest.raises(DataError, match="truncated or corrupt") as err:
        load_cifar10(cut)
    assert "cut.tar.gz" in str(err.value)


def test_garbage_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"this is not an archive" * 100)
    with pytest.raises(DataError, match="bad.tar.gz"):
        load_cifar10(bad)


def test_missing_member_is_named(tmp_path):
    members = _fake_members()
    del members["data_batch_2"]
    with pytest.raises(DataError, match="missing data_batch_2"):
        load_cifar10(_write_archive(tmp_path / "c.tar.gz", members))


@pytest.mark.parametrize("bad, message", [
    (lambda: _batch_bytes(np.zeros((5, 1000), np.uint8), [0] * 5), r"shape \(5, 1000\)"),
    (lambda: _batch_bytes(np.zeros((5, 3072), np.float32), [0] * 5), "uint8"),
    (lambda: _batch_bytes(np.zeros((5, 3072), np.uint8), [0, 1, 2, 10, 3]), "label 10 out of range"),
    (lambda: _batch_bytes(np.zeros((5, 3072), np.uint8), [0, -1, 2, 1, 3]), "label -1 out of range"),
    (lambda: _batch_bytes(np.zeros((5, 3072), np.uint8), [0, 1]), "2 labels for 5 images"),
    (lambda: pickle.dumps([1, 2, 3], protocol=3), "expected a dict"),
    (lambda: b"\x80\x03}q\x00(X", "not a valid CIFAR-10 batch"),
])
def test_bad_batch_contents_name_the_batch_and_problem(tmp_path, bad, message):
    path = _write_archive(tmp_path / "c.tar.gz", _fake_members(override={"test_batch": bad()}))
    with pytest.raises(DataError, match=message) as err:
        load_cifar10(path)
    assert "test_batch" in str(err.value)


def test_load_dataset_cifar10_splits_in_file_order(tmp_path):
    members = _fake_members()
    path = _write_archive(tmp_path / "c.tar.gz", members)
    d = load_dataset("cifar10", path=path, num_train=70, num_val=20, num_test=15)
    full = load_cifar10(path)
    assert d.kind == "image" and d.class_names == NAMES and d.input_shape == (3, 32, 32)
    np.testing.assert_array_equal(d.X_train, full.X_train[:70])
    np.testing.assert_array_equal(d.X_val, full.X_train[70:90])
    np.testing.assert_array_equal(d.y_test, full.y_test[:15])
    with pytest.raises(DataError, match="num_val"):
        load_dataset("cifar10", path=path, num_train=49000, num_val=2000)
    with pytest.raises(DataError, match="missing.tar.gz"):
        load_dataset("cifar10", path=tmp_path / "missing.tar.gz")


@pytest.mark.cifar
def test_real_cifar10_archive(cifar_path):
    d = load_dataset("cifar10", path=cifar_path)
    assert d.X_train.shape == (49000, 32, 32, 3) and d.X_val.shape == (1000, 32, 32, 3)
    assert d.X_test.shape == (10000, 32, 32, 3) and d.X_train.dtype == np.uint8
    assert d.class_names == NAMES
    assert np.bincount(d.y_test, minlength=10).tolist() == [1000] * 10
    # the first training images are a frog, a truck, a truck, a deer, a car (the known file order)
    assert d.y_train[:5].tolist() == [6, 9, 9, 4, 1]
    # mean pixel of the training set, known to be about 120.7
    assert 119 < d.X_train[:5000].mean() < 122


def test_cached_loader_shares_read_only_arrays_and_reloads_a_replaced_file(tmp_path):
    from visualdl.data.cifar10 import load_cifar10_cached

    path = _write_archive(tmp_path / "c.tar.gz", _fake_members(seed=1))
    a = load_cifar10_cached(path)
    assert load_cifar10_cached(path) is a
    with pytest.raises(ValueError, match="read-only"):
        a.X_train[0, 0, 0, 0] = 1  # nobody can corrupt the shared copy
    _write_archive(path, _fake_members(seed=2))  # replaced: new mtime, read again
    b = load_cifar10_cached(path)
    assert b is not a and not np.array_equal(a.X_train, b.X_train)


def test_every_dataset_is_described_for_the_gui():
    from visualdl.data import DATASETS

    assert {"builtin", "cifar10", "spiral", "circles", "moons", "xor", "blobs", "linear", "overlap"} <= set(DATASETS)
    for name, desc in DATASETS.items():
        assert desc["title"] and desc["kind"] in ("image", "points") and isinstance(desc["params"], dict)
        assert desc["needs_path"] == (name == "cifar10")
