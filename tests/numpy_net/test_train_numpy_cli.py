"""`hw4 train-numpy` as a user runs it: on the digits, on MNIST files, with bad input."""
import csv
import gzip

import numpy as np
import pytest
from conftest import MNIST_DIR, assert_user_error, run_hw4

from test_idx import idx_bytes, write_mnist

needs_mnist = pytest.mark.skipif(
    not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").exists(), reason=f"the MNIST test files are not in {MNIST_DIR}"
)


def test_a_plain_run_on_the_digits_answers_as_json_and_writes_its_files(cli, tmp_path):
    out = tmp_path / "run"
    result = cli("train-numpy", "--out", out, "--json")
    assert result.code == 0, result.err
    answer = result.json()
    assert answer["test_acc"] >= 0.95 and answer["val_acc"] >= 0.95
    assert answer["epochs"] == 30 and answer["params"]["hidden"] == 100
    assert answer["dataset"]["train"] + answer["dataset"]["val"] + answer["dataset"]["test"] == 1797
    assert answer["stopped"] is None

    weights = np.load(out / "weights.npz")
    assert weights["W1"].shape == (64, 100) and weights["W2"].shape == (100, 10)
    assert weights["mean_image"].shape == (64,)
    with open(out / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 30
    assert float(rows[-1]["val_acc"]) == pytest.approx(answer["history"]["val_acc"][-1], abs=1e-6)
    for name in ("loss.png", "accuracy.png", "first_layer_weights.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["weights.npz", "metrics.csv", "loss.png", "accuracy.png", "first_layer_weights.png"])  # no temporary left


def test_the_saved_weights_and_mean_image_reproduce_the_test_accuracy(cli, tmp_path):
    from hwcli.numpy_net import TwoLayerNet
    from hwcli.numpy_net.data import load_dataset

    answer = cli("train-numpy", "--epochs", "5", "--seed", "4", "--out", tmp_path, "--json").json()
    saved = np.load(tmp_path / "weights.npz")
    net = TwoLayerNet(64, 100, 10)
    net.params = {k: saved[k] for k in ("W1", "b1", "W2", "b2")}
    test = load_dataset("digits", seed=4).test
    assert net.accuracy(test.X, test.y) == answer["test_acc"]


def test_people_get_a_table_of_accuracies(cli):
    result = cli("train-numpy", "--iters", "20", "--hidden", "16")
    assert result.code == 0, result.err
    for words in ("64-16-10 net", "train", "validation", "test", "20 iterations"):
        assert words in result.out


def test_help_shows_every_default(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # one line per option
    lines = cli("train-numpy", "--help").out.splitlines()
    for option, default in [("--hidden", "100"), ("--lr ", "0.3"), ("--lr-decay", "0.95"), ("--reg", "0.0005"),
                            ("--epochs", "30"), ("--batch-size", "200"), ("--momentum", "0.9"),
                            ("--init-std", "sqrt(2 / inputs)"), ("--val-size", "0.1")]:
        line = next(line for line in lines if f"│ {option}" in line)
        assert f"[default: {default}]" in line, line


def test_gradcheck(cli):
    result = cli("train-numpy", "--gradcheck", "--json")
    assert result.code == 0
    answer = result.json()
    assert answer["passed"] is True
    assert [p["name"] for p in answer["params"]] == ["W1", "b1", "W2", "b2"]
    assert all(p["rel_error"] < 1e-8 for p in answer["params"])
    assert "relative error" in cli("train-numpy", "--gradcheck").out


def test_tune_tries_the_defaults_first_and_keeps_the_best(cli):
    result = cli("train-numpy", "--tune", "--trials", "3", "--epochs", "8", "--json")
    assert result.code == 0, result.err
    answer = result.json()
    trials = answer["trials"]
    assert len(trials) == 3
    assert [t["val_acc"] for t in trials] == sorted((t["val_acc"] for t in trials), reverse=True)
    assert next(t for t in trials if t["number"] == 1)["params"]["hidden"] == 100  # the defaults
    assert answer["val_acc"] == trials[0]["val_acc"] and answer["params"] == trials[0]["params"]


def test_tune_keeps_what_the_user_fixed(cli):
    answer = cli("train-numpy", "--tune", "--trials", "3", "--iters", "10", "--hidden", "12", "--json").json()
    assert {t["params"]["hidden"] for t in answer["trials"]} == {12}
    assert len({t["params"]["learning_rate"] for t in answer["trials"]}) > 1
    assert "Tuning: 3 trials" in cli("train-numpy", "--tune", "--trials", "3", "--iters", "5").out


def test_a_diverging_run_stops_with_advice_and_keeps_its_results(cli, tmp_path):
    result = cli("train-numpy", "--lr", "1000", "--epochs", "3", "--out", tmp_path, "--json")
    assert result.code == 1
    assert "loss became" in result.err and "lower --lr (it was 1000)" in result.err
    assert "Traceback" not in result.err
    answer = result.json()
    assert answer["stopped"] and answer["test_acc"] is not None
    assert (tmp_path / "weights.npz").exists()


@pytest.mark.parametrize("args, fragments", [
    (["--hidden", "0"], ["--hidden", "greater than or equal to 1"]),
    (["--lr", "-1"], ["--lr", "must be positive"]),
    (["--lr-decay", "0"], ["--lr-decay", "in (0, 1]"]),
    (["--reg", "-0.1"], ["--reg", "0 or more"]),
    (["--momentum", "1"], ["--momentum", "in [0, 1)"]),
    (["--batch-size", "0"], ["--batch-size"]),
    (["--init-std", "0"], ["--init-std"]),
    (["--epochs", "3", "--iters", "5"], ["--epochs and --iters"]),
    (["--val-size", "0"], ["--val-size"]),
    (["--dataset", "cifar"], ["--dataset cifar", "digits or mnist"]),
    (["--dataset", "mnist"], ["--data-dir"]),
    (["--data-dir", "somewhere"], ["--data-dir", "for --dataset mnist"]),
    (["--only-test-files"], ["--only-test-files", "for --dataset mnist"]),
    (["--dataset", "mnist", "--data-dir", "/no/such/dir"], ["/no/such/dir", "no such directory"]),
])
def test_bad_options_are_one_line_errors(cli, args, fragments):
    assert_user_error(cli("train-numpy", *args), *fragments)


def test_an_out_path_that_is_a_file_fails_before_training(cli, tmp_path):
    (tmp_path / "taken").write_text("")
    assert_user_error(cli("train-numpy", "--out", tmp_path / "taken"), "--out", "taken")


def test_corrupt_mnist_files_are_one_line_errors(cli, tmp_path):
    write_mnist(tmp_path)
    images = tmp_path / "train-images-idx3-ubyte.gz"
    images.write_bytes(gzip.compress(idx_bytes(np.zeros((60, 28, 28), dtype=np.uint8))[:-100]))
    assert_user_error(cli("train-numpy", "--dataset", "mnist", "--data-dir", tmp_path), str(images), "truncated")


def test_mnist_files_train_end_to_end(cli, tmp_path):
    folder = tmp_path / "mnist [v1]"  # brackets are Rich markup: the name must still print as it is
    folder.mkdir()
    write_mnist(folder, n_train=300, n_test=50, gz=False)
    answer = cli("train-numpy", "--dataset", "mnist", "--data-dir", folder, "--iters", "3", "--json").json()
    assert answer["dataset"]["test"] == 50 and answer["dataset"]["input_size"] == 784
    result = cli("train-numpy", "--dataset", "mnist", "--data-dir", folder, "--iters", "3", "--out", folder / "[out]")
    assert result.code == 0, result.err
    assert "mnist [v1]" in result.out and "[out]/weights.npz" in result.out.replace("\n", "")


def test_a_user_error_in_a_real_process_has_no_traceback():
    assert_user_error(run_hw4("train-numpy", "--dataset", "mnist", "--data-dir", "/no/such/dir"), "no such directory")


@needs_mnist
def test_only_the_shared_test_files_point_to_the_option(cli):
    assert_user_error(cli("train-numpy", "--dataset", "mnist", "--data-dir", MNIST_DIR), "--only-test-files")


@needs_mnist
def test_the_defaults_reach_95_percent_on_real_mnist_digits(cli):
    result = cli("train-numpy", "--dataset", "mnist", "--data-dir", MNIST_DIR, "--only-test-files", "--json")
    assert result.code == 0, result.err
    answer = result.json()
    assert answer["dataset"]["test"] == 2000 and answer["dataset"]["input_size"] == 784
    assert answer["test_acc"] >= 0.95, answer["test_acc"]
