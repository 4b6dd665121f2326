"""A short seeded monkey run over every lab: random clicks, drags, wheel turns, keys, menus, Run, tabs.

The long runs are ``bench/monkey.py`` (see its docstring); this one keeps the cheap guarantee in CI:
nothing the monkey throws at the real window may end in a traceback, the window is still up at the
end, and closing it leaves no worker thread. A failure prints the seed and the events that led to it;
replay with ``python bench/monkey.py --seconds 25 --seed 7 --verbose``.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "monkey.py"


def _monkey_module():
    spec = importlib.util.spec_from_file_location("visualdl_bench_monkey", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_random_use_of_every_lab_leaves_no_traceback_and_no_thread(qapp):
    monkey = _monkey_module()
    report = monkey.run(seconds=25, seed=7, quiet=True)

    assert report["found"] == [], f"seed {report['seed']}: " + "\n".join(report["found"][:3])
    assert report["threads_left"] == []
    assert report["alive"]
    assert len(report["labs"]) == 7
    # The run really exercised the window: every kind of input, labs switched, Run pressed, tabs clicked.
    for kind in ("click", "drag", "wheel", "key", "menu", "lab", "run", "tab"):
        assert report["counts"].get(kind, 0) > 0, f"no {kind} event thrown: {report['counts']}"
    visited, total = report["tabs"]  # how many depends on the machine's speed; the long runs reach them all
    assert total >= visited >= 3
