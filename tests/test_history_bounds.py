"""Long runs stay bounded: the newest rows exact, older rows thinned to each bucket's extremes, spikes kept."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from visualdl.engine.nn.history import History
from visualdl.engine.nn.metrics import debiased_ema
from visualdl.engine.nn.thinning import Bound, thin_indices
from visualdl.labs.training.history import RunLog

SPIKE_AT, DIP_AT = 1234, 2345


def rows(start, n, per_epoch=7, seed=0):
    """Noisy decaying loss with one spike and one dip long before the end; an epoch every per_epoch rows."""
    rng = np.random.default_rng(seed + start)
    out = []
    for i in range(start, start + n):
        loss = 2.0 / np.sqrt(i) + 0.01 * rng.random()
        loss = 50.0 if i == SPIKE_AT else 1e-4 if i == DIP_AT else loss
        r = {"iteration": i, "epoch": i / per_epoch, "loss": loss, "data_loss": loss, "reg_loss": 0.0,
             "batch_acc": 0.5, "lr": 1e-3, "update_ratio": 1e-3}
        if i % per_epoch == 0:
            r.update(train_acc=0.99 if i == 7 * 300 else 0.5 + 0.01 * rng.random(), val_acc=0.4)
        out.append(r)
    return out


def test_thin_indices_keeps_the_min_and_max_of_every_group():
    rng = np.random.default_rng(1)
    v = rng.normal(size=1000)
    v[[10, 500]] = np.nan
    groups = np.arange(1000) // 16
    keep = thin_indices([v], groups)
    assert np.all(np.diff(keep) > 0) and len(keep) <= 2 * 63
    for g in range(63):
        idx = np.flatnonzero(groups == g)
        assert idx[np.nanargmin(v[idx])] in keep and idx[np.nanargmax(v[idx])] in keep
    assert 10 not in keep and 500 not in keep  # NaN never wins over a finite value
    assert thin_indices([np.full(4, np.nan)], np.zeros(4, int)).tolist() == [0]
    with pytest.raises(ValueError, match="non-decreasing"):
        thin_indices([v[:3]], np.array([1, 0, 2]))
    with pytest.raises(ValueError, match="exact"):
        Bound(100, 100)


class SmallLog(RunLog):
    ITERATIONS_EXACT, EPOCHS_EXACT = 1000, 300


class WideLog(RunLog):  # holds the whole 30,000-row reference run exactly
    ITERATIONS_EXACT, EPOCHS_EXACT = 20_000, 5_000


def test_runlog_stays_bounded_keeps_recent_rows_exact_and_spikes_visible():
    full, small = WideLog(smoothing=0.6), SmallLog(smoothing=0.6)
    for start in range(1, 30_001, 997):
        chunk = rows(start, min(997, 30_001 - start))
        full.append(chunk)
        small.append(chunk)
        assert len(small) <= 2 * 1000 and len(small.epochs) <= 2 * 300
    assert len(full) == 30_000 and full.thinned is None
    it = small.iterations["iteration"]
    assert np.all(np.diff(it) > 0)
    # the newest 1000 rows are exactly the full run's, every column including the smoothed loss
    for name in small.iterations.names:
        assert np.array_equal(small.iterations[name][-1000:], full.iterations[name][-1000:])
    # every older row kept is a real row of the full run, smoothed value included
    rows_kept = (it - 1).astype(int)
    assert np.array_equal(small.smoothed_loss, full.smoothed_loss[rows_kept])
    assert np.array_equal(small.iterations["loss"], full.iterations["loss"][rows_kept])
    # the spike and the dip long ago are still on the curve; the older part is evenly covered
    assert SPIKE_AT in it and DIP_AT in it and small.iterations["loss"].max() == 50.0
    old = it[:-1000]
    width = small._bounds[0].width
    assert np.diff(old).max() <= 2 * width and old[0] <= width
    assert 7 * 300 in small.epochs["iteration"]  # the train-accuracy spike of epoch 300
    info = small.thinned["iterations"]
    assert info["rows_dropped"] == 30_000 - len(small) and info["exact_recent_rows"] == 1000


def test_smoothing_continues_across_thinning_and_recomputes_over_kept_rows():
    log = SmallLog(smoothing=0.9)
    chunks = [rows(start, 500) for start in range(1, 5001, 500)]
    for chunk in chunks:
        log.append(chunk)
    ref = debiased_ema(np.array([r["loss"] for chunk in chunks for r in chunk]), 0.9)[0]
    assert np.array_equal(log.smoothed_loss[-1000:], ref[-1000:])
    log.set_smoothing(0.0)
    assert np.array_equal(log.smoothed_loss, log.iterations["loss"])


def test_exports_say_when_a_run_was_thinned(tmp_path):
    short = SmallLog()
    short.append(rows(1, 500))
    with open(short.write_csv(tmp_path / "short.csv"), newline="") as fh:
        assert next(csv.reader(fh))[0] == "iteration"  # below the bound: complete, no note
    assert "thinned" not in json.loads(short.write_json(tmp_path / "short.json").read_text())

    long = SmallLog()
    for start in range(1, 10_001, 1000):
        long.append(rows(start, 1000))
    text = long.write_csv(tmp_path / "long.csv").read_text().splitlines()
    assert text[0].startswith("# thinned: ") and json.loads(text[0][len("# thinned: "):]) == long.thinned
    table = list(csv.reader(text[1:]))
    assert table[0][0] == "iteration" and len(table) == 1 + len(long)
    d = json.loads(long.write_json(tmp_path / "long.json").read_text())
    assert d["thinned"]["iterations"]["rows_dropped"] == 10_000 - len(long) and len(d["iterations"]) == len(long)


class SmallHistory(History):
    ITERATIONS_EXACT, EPOCHS_EXACT = 500, 100


def test_trainer_history_stays_bounded_and_round_trips():
    h = SmallHistory()
    appended = rows(1, 8000)
    for r in appended:
        h.add_iteration(r)
        if "train_acc" in r:
            h.add_epoch({"epoch": int(r["epoch"]), "iteration": r["iteration"], "train_acc": r["train_acc"],
                         "val_acc": r["val_acc"]})
        assert len(h.iterations) <= 1000 and len(h.epochs) <= 200
    assert all(a is b for a, b in zip(h.iterations[-500:], appended[-500:]))  # the newest rows, untouched
    its = [r["iteration"] for r in h.iterations]
    assert its == sorted(its) and SPIKE_AT in its and DIP_AT in its
    assert max(r["loss"] for r in h.iterations) == 50.0
    d = json.loads(json.dumps(h.to_dict()))
    assert d["thinned"]["iterations"]["rows_dropped"] == 8000 - len(h.iterations)
    back = SmallHistory.from_dict(d)
    assert back.iterations == h.iterations and back.thinned == h.thinned
    short = History()
    short.add_iteration(appended[0])
    assert "thinned" not in short.to_dict() and short.thinned is None


def test_default_histories_reach_their_bound_and_then_stop_growing():
    """The soak's memory target rests on this: an hour of the dashboard (~75,000 iterations) must
    not keep growing a run's history; the column buffer is sized once and never reallocated."""
    log, hist = RunLog(), History()
    buffer = log.iterations._data
    for start in range(1, 60_001, 500):
        chunk = rows(start, 500)
        log.append(chunk)
        for r in chunk:
            hist.add_iteration(r)
        assert len(log) <= 2 * RunLog.ITERATIONS_EXACT + RunLog.SLACK
        assert len(hist.iterations) <= 2 * History.ITERATIONS_EXACT
    assert log.iterations._data is buffer
    assert log.thinned["iterations"]["rows_dropped"] == 60_000 - len(log)
    assert log.iterations["iteration"][-1] == 60_000 and SPIKE_AT in log.iterations["iteration"]
    assert hist.iterations[-1]["iteration"] == 60_000 and max(r["loss"] for r in hist.iterations) == 50.0
