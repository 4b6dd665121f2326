"""`visualdl` with no command or with the app's own options launches the app; commands go to the CLI."""
from __future__ import annotations

import pytest

import visualdl.cli as cli
import visualdl.ui.app as app


@pytest.fixture
def launched(monkeypatch):
    calls = []
    monkeypatch.setattr(app, "main", lambda argv=None: calls.append(list(argv)) or 0)
    return calls


@pytest.mark.parametrize("argv, app_argv", [
    ([], []),
    (["app", "--lab", "knn"], ["--lab", "knn"]),
    (["--lab", "training", "--play"], ["--lab", "training", "--play"]),
    (["--settings", "s.ini"], ["--settings", "s.ini"]),
])
def test_app_launches_with_its_options(launched, argv, app_argv):
    assert cli.main(argv) == 0
    assert launched == [app_argv]


def test_help_and_commands_do_not_launch_the_app(launched, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    assert "train" in capsys.readouterr().out
    assert cli.main(["train", "--data", "builtin", "--model", "nope"]) == 2
    assert launched == []
