"""Points CSV: round trip, and bad rows reported by line number with nothing loaded."""
from __future__ import annotations

import numpy as np
import pytest

from visualdl.data import DataError
from visualdl.engine.playground.points_csv import read_points_csv, write_points_csv


def test_round_trip(tmp_path):
    X = np.array([[0.1, -0.25], [1e-3, 2.5], [-1.0, 0.0]], np.float32)
    y = np.array([0, 2, 1])
    path = write_points_csv(tmp_path / "pts.csv", X, y)
    assert path.read_text().splitlines()[0] == "x1,x2,label"
    X2, y2 = read_points_csv(path)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)


def test_bad_rows_are_reported_by_line_number(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("x1,x2,label\n0.5,0.5,0\nabc,1,1\n\n0,0\n1,2,1.5\n1,nan,0\n3,3,12\n0.2,0.1,1\n")
    with pytest.raises(DataError) as info:
        read_points_csv(path)
    msg = str(info.value)
    assert "5 bad row(s), nothing loaded" in msg
    for part in ("line 3: x1 'abc' is not a number", "line 5: expected 3 values", "line 6: label '1.5'",
                 "line 7: x2 'nan' is not a finite number", "line 8: label 12 is outside 0..9"):
        assert part in msg
    assert "line 2" not in msg and "line 9" not in msg


def test_one_class_and_empty_files_are_refused(tmp_path):
    one = tmp_path / "one.csv"
    one.write_text("0,0,1\n1,1,1\n")
    with pytest.raises(DataError, match="need at least two classes"):
        read_points_csv(one)
    empty = tmp_path / "empty.csv"
    empty.write_text("x1,x2,label\n")
    with pytest.raises(DataError, match="no points"):
        read_points_csv(empty)
