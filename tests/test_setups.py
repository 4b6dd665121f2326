"""Setup files: round trip, and every broken or foreign file refused with a message."""
from __future__ import annotations

import json

import pytest

from visualdl.setups import SetupError, read_setup, save_setup


def test_round_trip(tmp_path):
    state = {"model": "two_layer", "lr": 0.001, "hidden": [100, 50], "seed": 3, "batchnorm": False}
    path = save_setup(tmp_path / "a.json", "training", state)
    assert read_setup(path, known_labs={"training"}) == ("training", state)


@pytest.mark.parametrize("text, reason", [
    ("{not json", "broken JSON at line 1"),
    ('{"format": "something-else"}', "not a VisualDL setup file"),
    ('{"format": "visualdl-setup", "version": 99, "lab": "knn", "state": {}}', "written by a newer VisualDL"),
    ('{"format": "visualdl-setup", "version": "1", "lab": "knn", "state": {}}', "version '1' is not valid"),
    ('{"format": "visualdl-setup", "version": 1, "lab": "knn"}', "needs a lab name and a state"),
    ('{"format": "visualdl-setup", "version": 1, "lab": "chess", "state": {}}', "lab 'chess'"),
])
def test_refused_with_reason(tmp_path, text, reason):
    path = tmp_path / "s.json"
    path.write_text(text)
    with pytest.raises(SetupError, match=reason):
        read_setup(path, known_labs={"knn", "training"})


def test_missing_file_and_unsaveable_values(tmp_path):
    with pytest.raises(SetupError, match="no such file"):
        read_setup(tmp_path / "nope.json")
    with pytest.raises(SetupError, match="nan is not a number"):
        save_setup(tmp_path / "x.json", "knn", {"k": float("nan")})
    with pytest.raises(SetupError, match="object cannot be saved"):
        save_setup(tmp_path / "x.json", "knn", {"k": object()})
    assert not (tmp_path / "x.json").exists()


def test_written_file_is_plain_json_with_version(tmp_path):
    path = save_setup(tmp_path / "b.json", "knn", {"k": 5})
    doc = json.loads(path.read_text())
    assert doc == {"format": "visualdl-setup", "version": 1, "lab": "knn", "state": {"k": 5}}
