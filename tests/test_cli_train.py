"""``visualdl train`` end to end on tiny data: output, JSON, saved model, and one-line errors."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from visualdl.cli import main
from visualdl.cli.train import _Progress

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--data", "builtin", "--data-param", "n_train=60", "--data-param", "n_val=20",
        "--data-param", "n_test=20", "--batch-size", "20"]


def test_train_tiny_images_writes_json(tmp_path, capsys):
    out = tmp_path / "result.json"
    code = main(["train", "--model", "two_layer", *TINY, "--epochs", "2", "--hidden", "16",
                 "--json", str(out)])
    stdout = capsys.readouterr().out
    assert code == 0
    assert "final: train acc" in stdout and "val acc" in stdout and "test acc" in stdout
    report = json.loads(out.read_text())
    assert report["model"] == "two_layer" and report["data"] == "builtin"
    assert report["config"]["model"]["hidden"] == [16] and report["config"]["batch_size"] == 20
    assert report["epochs"] == 2 and report["iterations"] == 6 and report["time_limited"] is False
    assert report["stopped_reason"] is None and report["diverged"] is False
    assert report["diverged_at_iteration"] is None
    for key in ("train_acc", "val_acc", "test_acc"):
        assert 0 <= report[key] <= 1
    # the final validation accuracy is that of the weights after the last epoch
    assert [e["epoch"] for e in report["history_epochs"]] == [1, 2]
    assert report["history_epochs"][-1]["val_acc"] == report["val_acc"]


def test_json_to_stdout_is_only_json(capsys):
    assert main(["train", "--model", "linear", *TINY, "--epochs", "1", "--json", "-"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)  # nothing else on stdout: it can be piped into another program
    assert report["model"] == "linear" and report["iterations"] == 3
    assert "final: train acc" in captured.err


def test_train_toy_points_and_save(tmp_path, capsys):
    from visualdl.engine.trainer import load_model

    code = main(["train", "--model", "three_layer", "--data", "spiral", "--epochs", "3", "--optimizer", "sgd",
                 "--lr", "0.1", "--reg", "l1", "--reg-strength", "1e-4", "--save", str(tmp_path / "net"),
                 "--quiet"])
    stdout = capsys.readouterr().out
    assert code == 0 and stdout.startswith("final:")
    model, config, extra = load_model(tmp_path / "net")
    assert config["model"]["preset"] == "three_layer" and config["optim"] == {"name": "sgd", "lr": 0.1}
    assert config["reg"]["kind"] == "l1" and extra["input_shape"] == [2]


def test_cnn_options_reach_the_config(tmp_path):
    out = tmp_path / "r.json"
    assert main(["train", "--model", "small_cnn", *TINY, "--epochs", "1", "--batchnorm", "--dropout", "0.2",
                 "--augment", "--lr-decay", "0.5", "--quiet", "--json", str(out)]) == 0
    cfg = json.loads(out.read_text())["config"]
    assert cfg["model"]["batchnorm"] is True and cfg["model"]["dropout"] == 0.2
    assert cfg["augment"] is True and cfg["lr_decay"] == 0.5


def test_time_limit_stops_early(tmp_path):
    out = tmp_path / "r.json"
    assert main(["train", "--model", "linear", *TINY, "--epochs", "1000", "--time-limit", "0.2",
                 "--quiet", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["time_limited"] is True and report["epochs"] < 1000
    assert report["train_seconds"] < 10


def test_divergence_is_reported_not_crashed(tmp_path, capsys):
    out = tmp_path / "r.json"
    code = main(["train", "--model", "two_layer", "--data", "spiral", "--epochs", "100", "--optimizer", "sgd",
                 "--lr", "1e6", "--quiet", "--json", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert "learning rate" in err and "Traceback" not in err
    assert "diverged" in json.loads(out.read_text())["stopped_reason"]


@pytest.mark.parametrize("argv, message", [
    (["--model", "resnet", "--data", "spiral"], "unknown model preset 'resnet'"),
    (["--data", "cifar10", "--data-path", "/no/such/cifar"], "/no/such/cifar"),
    (["--data", "spiral", "--lr", "0"], "invalid learning rate: 0"),
    (["--data", "spiral", "--lr", "-1"], "invalid learning rate: -1"),
    (["--data", "spiral", "--lr", "fast"], "not a number: 'fast'"),
    (["--data", "spiral", "--epochs", "0"], "must be at least 1"),
    (["--data", "mnist"], "Unknown dataset: 'mnist'"),
    (["--data", "spiral", "--model", "standard_cnn"], "needs image input"),
    (["--data", "spiral", "--optimizer", "lbfgs"], "lbfgs"),
    (["--data", "spiral", "--dropout", "2"], "model.dropout"),
    (["--data", "spiral", "--data-param", "colour=red"], "colour"),
    (["--data", "spiral", "--data-param", "n_points"], "KEY=VALUE"),
    (["--data", "spiral", "--time-limit", "-5"], "invalid time limit"),
    (["--model", "linear"], "--data"),
    (["--data", "spiral", "--save", "out/m", "--json", "out/m.json"], "would overwrite the checkpoint"),
    (["--data", "spiral", "--learning-rate", "0.1"], "visualdl train: error: unrecognized arguments: --learning-rate 0.1"),
])
def test_bad_arguments_give_one_line_and_status_2(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        raise SystemExit(main(["train", *argv]))
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_unknown_command_is_one_line(capsys):
    with pytest.raises(SystemExit) as info:
        main(["trian", "--data", "spiral"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.count("\n") == 1 and "invalid choice: 'trian'" in err


def test_missing_cifar_path(monkeypatch, capsys):
    monkeypatch.delenv("VISUALDL_CIFAR10", raising=False)
    assert main(["train", "--data", "cifar10"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "CIFAR-10" in err


def test_module_entry_point_prints_plain_lines(tmp_path):
    """Through `python -m visualdl` with output to pipes: plain lines, no carriage-return bar.

    With --json - the lines go to stderr and stdout is the JSON alone."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "visualdl", "train", "--model", "linear", *TINY, "--epochs", "2",
                           "--json", "-"], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr
    assert "epoch 1 done" in proc.stderr and "epoch 2 done" in proc.stderr
    report = json.loads(proc.stdout)
    assert report["model"] == "linear" and report["iterations"] == 6


def test_progress_bar_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    progress = _Progress(stream, quiet=False)
    metrics = {"iteration": 5, "epoch": 0.5, "loss": 1.0, "data_loss": 0.9, "reg_loss": 0.1, "batch_acc": 0.5,
               "lr": 1e-3, "update_ratio": 1e-3}
    progress.step(metrics, per_epoch=10, elapsed=1.0)
    assert stream.getvalue().startswith("\repoch 1 [" + "#" * 15 + "-" * 15 + "] 5/10")


def test_cosine_schedule_anneals_the_learning_rate(tmp_path):
    out = tmp_path / "r.json"
    assert main(["train", "--model", "linear", *TINY, "--epochs", "4", "--lr", "0.01", "--lr-schedule", "cosine",
                 "--quiet", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["lr_schedule"] == "cosine" and report["config"]["optim"]["lr"] == 0.01
    # the lr is set before each step: the 12th and last step starts 11/12 of the way through
    assert report["final_lr"] == pytest.approx(0.01 * (0.02 + 0.98 * 0.5 * (1 + np.cos(np.pi * 11 / 12))))


def test_cosine_lr_endpoints():
    from visualdl.cli.train import _cosine_lr

    assert _cosine_lr(0.1, 0.0) == pytest.approx(0.1)
    assert _cosine_lr(0.1, 0.5) == pytest.approx(0.1 * (0.02 + 0.98 * 0.5))
    assert _cosine_lr(0.1, 1.0) == pytest.approx(0.002)


def test_json_report_without_validation_split(tmp_path):
    """No validation data: accuracies that do not exist are null in the JSON, not NaN."""
    out = tmp_path / "r.json"
    assert main(["train", "--model", "linear", "--data", "builtin", "--data-param", "n_train=40",
                 "--data-param", "n_val=0", "--data-param", "n_test=10", "--batch-size", "20", "--epochs", "1",
                 "--quiet", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["val_acc"] is None and report["history_epochs"][0]["val_acc"] is None
    assert 0 <= report["test_acc"] <= 1


def test_optimizer_without_lr_uses_its_default_lr(tmp_path):
    from visualdl.engine.optim import OPTIMIZERS

    out = tmp_path / "r.json"
    assert main(["train", "--model", "linear", "--data", "spiral", "--epochs", "1", "--optimizer", "sgd",
                 "--quiet", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["config"]["optim"] == {"name": "sgd", "lr": OPTIMIZERS["sgd"]["lr"]}


@pytest.mark.parametrize("where", ["under_a_file", "folder_in_the_way"])
def test_unwritable_save_path_fails_before_training(tmp_path, capsys, where):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    if where == "under_a_file":
        save = blocker / "model"  # its folder cannot be made: a file has that name
    else:
        save = tmp_path / "model"
        (tmp_path / "model.npz").mkdir()  # the checkpoint's .npz name is taken by a folder
    code = main(["train", "--model", "two_layer", *TINY, "--epochs", "50", "--save", str(save)])
    captured = capsys.readouterr()
    assert code == 2
    assert f"cannot save the model to {save}" in captured.err and "Traceback" not in captured.err
    assert captured.out == ""  # nothing was loaded or trained: the first "data ..." line never came
    assert blocker.read_text() == "not a folder"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # the probe left nothing


def test_unwritable_json_path_fails_before_training(tmp_path, capsys):
    (tmp_path / "file.txt").write_text("x")
    code = main(["train", "--model", "two_layer", *TINY, "--json", str(tmp_path / "file.txt" / "r.json")])
    captured = capsys.readouterr()
    assert code == 2 and "cannot write" in captured.err and captured.out == ""


def test_writable_save_path_probe_leaves_only_the_checkpoint(tmp_path, capsys):
    code = main(["train", "--model", "linear", "--data", "spiral", "--epochs", "1", "--quiet",
                 "--save", str(tmp_path / "deep" / "net")])
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "deep").iterdir()) == ["net.json", "net.npz"]


def test_diverged_run_exits_non_zero_after_its_message_and_json_records_it(tmp_path):
    out = tmp_path / "r.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "visualdl", "train", "--model", "two_layer", "--data", "spiral",
                          "--epochs", "100", "--optimizer", "sgd", "--lr", "1e6", "--json", str(out)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1  # a script notices
    assert "diverged" in run.stderr and "Traceback" not in run.stderr
    assert "final:" in run.stdout  # the message and the final line still come, then the status
    report = json.loads(out.read_text())
    assert report["diverged"] is True and "diverged" in report["stopped_reason"]
    assert report["diverged_at_iteration"] == report["iterations"] + 1
