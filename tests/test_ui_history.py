"""RunLog: columns grow without losing rows, smoothing follows debiased_ema, files round-trip."""
from __future__ import annotations

import csv
import json
import math

import numpy as np

from visualdl.engine.metrics import debiased_ema
from visualdl.labs.training.history import RunLog


def rows(start, n, per_epoch=10):
    out = []
    for i in range(start, start + n):
        r = {"iteration": i, "epoch": i / per_epoch, "loss": 2.0 / i, "data_loss": 1.9 / i, "reg_loss": 0.1 / i,
             "batch_acc": 0.5, "lr": 1e-3, "update_ratio": 1e-3}
        if i % per_epoch == 0:
            r.update(train_acc=i / 1e5, val_acc=i / 2e5)
        out.append(r)
    return out


def test_appending_in_chunks_keeps_every_row_and_smooths_like_one_pass():
    log = RunLog(smoothing=0.6)
    for start in range(1, 5001, 700):
        log.append(rows(start, min(700, 5001 - start)))
    assert log.iterations["iteration"].tolist() == list(range(1, 5001))
    assert np.array_equal(log.smoothed_loss, debiased_ema(2.0 / np.arange(1, 5001), 0.6)[0])
    assert log.epochs["iteration"].tolist() == list(range(10, 5001, 10))
    log.set_smoothing(0.0)
    assert np.array_equal(log.smoothed_loss, log.iterations["loss"])


def test_minibatch_accuracy_is_smoothed_like_the_loss_from_the_first_iteration():
    """The accuracy plot's early trend: each minibatch's accuracy, debiased-EMA smoothed (checked by hand)."""
    log = RunLog(smoothing=0.5)
    data = rows(1, 3)
    for r, acc in zip(data, (0.25, 0.75, float("nan"))):
        r["batch_acc"] = acc
    log.append(data[:1])
    log.append(data[1:])
    # by hand: avg1 = 0.5*0.25 = 0.125 -> /(1-0.5) = 0.25; avg2 = 0.0625+0.375 = 0.4375 -> /(1-0.25) = 0.58333..
    np.testing.assert_allclose(log.smoothed_batch_acc[:2], [0.25, 0.4375 / 0.75])
    assert math.isnan(log.smoothed_batch_acc[2])  # a step without an accuracy leaves a gap
    log.set_smoothing(0.0)
    np.testing.assert_allclose(log.smoothed_batch_acc[:2], [0.25, 0.75])
    assert "smoothed_batch_acc" not in log.to_dict()["iterations"][0]  # derived, never saved


def test_copy_is_independent():
    log = RunLog("a")
    log.append(rows(1, 20))
    kept = log.copy("kept")
    log.append(rows(21, 5))
    assert len(kept) == 20 and kept.label == "kept" and kept.epochs.n == 2


def test_csv_and_json(tmp_path):
    log = RunLog("run", {"optim": {"name": "sgd"}})
    data = rows(1, 12)
    data[4]["loss"] = math.inf  # a diverged step: "inf" in CSV, null in JSON (JSON has no inf)
    log.append(data)
    with open(log.write_csv(tmp_path / "h.csv"), newline="") as fh:
        got = list(csv.DictReader(fh))
    assert [int(r["iteration"]) for r in got] == list(range(1, 13))
    assert got[9]["val_acc"] == repr(10 / 2e5) and got[0]["val_acc"] == ""
    assert float(got[1]["loss"]) == 1.0 and got[4]["loss"] == "inf"
    doc = json.loads(log.write_json(tmp_path / "h.json").read_text())
    assert doc["config"] == {"optim": {"name": "sgd"}}
    assert doc["iterations"][4]["loss"] is None and len(doc["epochs"]) == 1
