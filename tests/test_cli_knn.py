"""``visualdl knn`` from the command line: results, JSON, CV, linear mode and one-line errors."""
from __future__ import annotations

import json

import numpy as np
import pytest

from visualdl.cli import main
from visualdl.data import load_dataset
from visualdl.engine.classifiers import KNearestNeighbor


def test_knn_on_builtin_prints_and_writes_the_real_accuracy(tmp_path, capsys):
    out = tmp_path / "r.json"
    code = main(["knn", "--data", "builtin", "--num-train", "400", "--num-test", "60", "--k", "3",
                 "--metric", "l1", "--json", str(out)])
    assert code == 0
    res = json.loads(out.read_text())
    d = load_dataset("builtin", n_train=400, n_test=60)
    expected = np.mean(KNearestNeighbor(3, "l1").fit(d.X_train, d.y_train).predict(d.X_test) == d.y_test)
    assert res["test_accuracy"] == pytest.approx(expected)
    assert res["k"] == 3 and res["metric"] == "l1" and res["num_train"] == 400 and res["num_test"] == 60
    assert f"{100 * expected:.2f}%" in capsys.readouterr().out


def test_cross_validation_picks_and_tests_the_best_k(tmp_path, capsys):
    out = tmp_path / "cv.json"
    assert main(["knn", "--data", "blobs", "--num-train", "150", "--cv-ks", "1,5,15", "--folds", "3",
                 "--json", str(out)]) == 0
    res = json.loads(out.read_text())
    cv = res["cv"]
    assert cv["ks"] == [1, 5, 15] and len(cv["accuracies"]) == 3 and len(cv["accuracies"][0]) == 3
    assert res["k"] == cv["best_k"] == cv["ks"][int(np.argmax(cv["mean"]))]
    text = capsys.readouterr().out
    assert f"best k = {res['k']}" in text


def test_linear_mode_trains_and_reports_train_val_test(tmp_path, capsys):
    out = tmp_path / "lin.json"
    assert main(["knn", "--data", "builtin", "--num-train", "500", "--num-val", "100", "--num-test", "100",
                 "--linear", "softmax", "--lr", "1e-6", "--reg", "1e-3", "--iters", "60",
                 "--batch-size", "100", "--json", str(out)]) == 0
    res = json.loads(out.read_text())
    assert res["method"] == "linear-softmax"
    assert res["val_accuracy"] > 0.3 and res["test_accuracy"] > 0.3  # 10 classes: chance is 0.1
    assert "val accuracy" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--data", "mnist"], "unknown dataset 'mnist'"),
    (["--data", "cifar10", "--data-path", "/nonexistent/c.tar.gz"], "does not exist"),
    (["--data", "builtin", "--num-train", "50", "--k", "51"], "--k 51"),
    (["--data", "builtin", "--num-train", "20", "--cv-ks", "1,30"], "--cv-ks up to 30"),
    (["--data", "spiral", "--num-test", "5000"], "--num-test 5000"),
])
def test_user_mistakes_are_one_line_errors(argv, message, capsys):
    assert main(["knn", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [["--k", "0"], ["--metric", "l3"], ["--cv-ks", "1,x"], ["--folds", "1"]])
def test_bad_argument_values_exit_2_with_one_line(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["knn", "--data", "builtin", *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("visualdl knn: error:") and "\n" not in err


@pytest.mark.cifar
def test_real_cifar_knn_small(cifar_path, tmp_path):
    out = tmp_path / "c.json"
    assert main(["knn", "--data", "cifar10", "--data-path", str(cifar_path), "--num-train", "1000",
                 "--num-test", "100", "--json", str(out)]) == 0
    res = json.loads(out.read_text())
    assert 0.15 < res["test_accuracy"] < 0.4  # well above chance (10%), far from perfect


def test_unwritable_json_fails_before_any_work(tmp_path, capsys):
    (tmp_path / "file.txt").write_text("x")
    target = tmp_path / "file.txt" / "r.json"
    code = main(["knn", "--data", "builtin", "--num-train", "400", "--num-test", "60", "--json", str(target)])
    captured = capsys.readouterr()
    assert code == 2 and f"cannot write {target}" in captured.err
    assert captured.out == ""  # nothing loaded, nothing classified
