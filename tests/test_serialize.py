"""Checkpoints: .npz + .json, atomic, never pickled, and refused when damaged or foreign."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from visualdl import atomic
from visualdl.engine.serialize import CheckpointError, check_params, load_checkpoint, save_checkpoint


def _params(seed=0):
    rng = np.random.default_rng(seed)
    return {"0.W": rng.standard_normal((4, 3)).astype(np.float32), "0.b": np.zeros(4, np.float32),
            "2.W": rng.standard_normal((2, 4)).astype(np.float32)}


CONFIG = {"model": {"preset": "two_layer", "hidden": [4]}, "optim": {"name": "adam", "lr": 0.001}}


def test_round_trip(tmp_path):
    params = _params()
    history = {"iterations": [{"iteration": 1, "loss": 2.3}], "epochs": []}
    base = save_checkpoint(tmp_path / "run" / "model", CONFIG, params, history=history,
                           extra={"classes": ["a", "b"], "shape": np.array([2, 3])})
    assert base == tmp_path / "run" / "model"
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["model.json", "model.npz"]
    config, loaded, hist, extra = load_checkpoint(tmp_path / "run" / "model")
    assert config == CONFIG and hist == history
    assert extra == {"classes": ["a", "b"], "shape": [2, 3]}
    assert loaded.keys() == params.keys()
    for name in params:
        assert loaded[name].dtype == params[name].dtype
        assert np.array_equal(loaded[name], params[name])


def test_suffix_names_the_same_checkpoint(tmp_path):
    save_checkpoint(tmp_path / "m.npz", CONFIG, _params())
    for name in ("m", "m.npz", "m.json"):
        assert load_checkpoint(tmp_path / name)[0] == CONFIG


def test_weights_file_is_plain_npz_without_pickle(tmp_path):
    save_checkpoint(tmp_path / "m", CONFIG, _params())
    with np.load(tmp_path / "m.npz", allow_pickle=False) as npz:
        assert sorted(npz.files) == ["0.W", "0.b", "2.W"]
    meta = json.loads((tmp_path / "m.json").read_text())
    assert meta["params"]["0.W"] == {"shape": [4, 3], "dtype": "float32"}


def test_object_arrays_are_refused(tmp_path):
    with pytest.raises(CheckpointError, match="not a numeric array"):
        save_checkpoint(tmp_path / "m", CONFIG, {"0.W": np.array([{"a": 1}], dtype=object)})
    assert not list(tmp_path.iterdir())


def test_nonfinite_history_values_become_null(tmp_path):
    save_checkpoint(tmp_path / "m", CONFIG, _params(), history={"iterations": [{"loss": float("nan")}]})
    assert load_checkpoint(tmp_path / "m")[2] == {"iterations": [{"loss": None}]}
    # NumPy scalars and arrays too (a float64 NaN is not a Python float)
    extra = {"acc": np.float64("nan"), "curve": np.array([1.0, np.inf]), "n": np.int64(3)}
    save_checkpoint(tmp_path / "m", CONFIG, _params(), extra=extra)
    assert load_checkpoint(tmp_path / "m")[3] == {"acc": None, "curve": [1.0, None], "n": 3}


def test_failed_write_leaves_old_checkpoint_and_no_temp_files(tmp_path, monkeypatch):
    save_checkpoint(tmp_path / "m", CONFIG, _params(0))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(tmp_path / "m", CONFIG, _params(1))
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_missing_file(tmp_path):
    save_checkpoint(tmp_path / "m", CONFIG, _params())
    os.remove(tmp_path / "m.npz")
    with pytest.raises(CheckpointError, match="not found.*m.npz"):
        load_checkpoint(tmp_path / "m")
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "nothing")


def test_truncated_npz_is_refused(tmp_path):
    save_checkpoint(tmp_path / "m", CONFIG, _params())
    data = (tmp_path / "m.npz").read_bytes()
    (tmp_path / "m.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="m.npz"):
        load_checkpoint(tmp_path / "m")


def test_npz_swapped_from_another_checkpoint_is_refused(tmp_path):
    save_checkpoint(tmp_path / "a", CONFIG, _params(0))
    save_checkpoint(tmp_path / "b", CONFIG, _params(1))
    os.replace(tmp_path / "b.npz", tmp_path / "a.npz")
    with pytest.raises(CheckpointError, match="does not belong"):
        load_checkpoint(tmp_path / "a")


@pytest.mark.parametrize("text, message", [
    ("{not json", "not valid JSON"),
    ('{"hello": 1}', "not a VisualDL checkpoint"),
    ('[1, 2]', "not a VisualDL checkpoint"),
])
def test_foreign_json_is_refused(tmp_path, text, message):
    save_checkpoint(tmp_path / "m", CONFIG, _params())
    (tmp_path / "m.json").write_text(text)
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(tmp_path / "m")


def test_json_shapes_that_disagree_with_the_npz_are_refused(tmp_path):
    save_checkpoint(tmp_path / "m", CONFIG, _params())
    meta = json.loads((tmp_path / "m.json").read_text())
    meta["params"]["0.W"]["shape"] = [5, 3]
    (tmp_path / "m.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match=r"0.W has shape \(4, 3\), expected \(5, 3\)"):
        load_checkpoint(tmp_path / "m")


def test_check_params_names_missing_unexpected_and_shape():
    params = _params()
    with pytest.raises(CheckpointError, match="missing 4.W"):
        check_params(params, {"0.W": (4, 3), "0.b": (4,), "2.W": (2, 4), "4.W": (1,)})
    with pytest.raises(CheckpointError, match="unexpected 2.W"):
        check_params(params, {"0.W": (4, 3), "0.b": (4,)})
    with pytest.raises(CheckpointError, match="0.b has shape"):
        check_params(params, {"0.W": (4, 3), "0.b": (5,), "2.W": (2, 4)})
    check_params(params, {"0.W": (4, 3), "0.b": (4,), "2.W": (2, 4)})  # exact match passes


@pytest.mark.parametrize("damage", [[], {"0.W": 3}, {"0.W": {"size": [4, 3]}}, {"0.W": {"shape": ["a"]}}])
def test_damaged_params_table_in_json_is_a_checkpoint_error(tmp_path, damage):
    save_checkpoint(tmp_path / "m", CONFIG, _params())
    meta = json.loads((tmp_path / "m.json").read_text())
    meta["params"] = damage
    (tmp_path / "m.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="m.json is damaged: field 'params'"):
        load_checkpoint(tmp_path / "m")


def test_saved_files_get_the_usual_permissions_not_mkstemps_0600(tmp_path):
    import stat

    old = os.umask(0o022)
    try:
        save_checkpoint(tmp_path / "model", {"x": 1}, {"W": np.zeros((2, 2), np.float32)})
    finally:
        os.umask(old)
    for name in ("model.npz", "model.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json", "model.npz"]  # no temporaries left
