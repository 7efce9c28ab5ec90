"""Training end to end: beats the baseline, resumes exactly, stops cleanly, writes its files."""
from __future__ import annotations

import csv
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from conftest import REPO, assert_user_error
from nowcast_helpers import one_torch_thread  # noqa: F401

from hwcli.nowcast import MODEL_NAMES
from hwcli.nowcast.config import TrainConfig
from hwcli.nowcast.synthetic import make_data, write_dataset
from hwcli.nowcast.train import Observer, Run, TrainingInterrupted, baseline, prepare, train_model
SMALL = ("--samples-per-month", "60")


@pytest.fixture(scope="module")
def small_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("nowcast-data")
    write_dataset(data_dir, samples_per_month=60, seed=1)
    return data_dir


def test_a_short_run_beats_the_majority_baseline():
    data = make_data(300, seed=2)
    result = train_model(prepare(data), TrainConfig(model="gru", epochs=4, batch_size=128))
    base = baseline(data)
    assert base.majority_value == 0.0
    assert result.test_mse < 0.6 * base.test_mse, (result, base)
    assert result.val_mse < base.val_mse and result.train_mse < base.train_mse
    assert 1 <= result.best_epoch <= 4 and result.samples_per_sec > 0


def _train(cli, data_dir, out, epochs, *extra):
    return cli(
        "train-nowcast", "--data-dir", data_dir, "--out", out, "--epochs", epochs, "--batch-size", "64",
        "--threads", "1", "--json", *extra,
    )


@pytest.mark.parametrize(
    "model, options",
    [("ff-dropout", ("--noise", "0.3")), ("gru", ("--scheduler", "custom", "--lr", "3e-3", "--decay-epochs", "3"))],
)
def test_two_epochs_then_resume_to_four_ends_where_four_epochs_would(cli, small_dir, tmp_path, model, options):
    straight = _train(cli, small_dir, tmp_path / "a", 4, "--model", model, *options)
    first = _train(cli, small_dir, tmp_path / "b", 2, "--model", model, *options)
    resumed = _train(cli, small_dir, tmp_path / "b", 4, "--model", model, "--resume", *options)
    assert straight.code == first.code == resumed.code == 0, (first.err, resumed.err)

    a = torch.load(tmp_path / "a" / model / "last.pt", weights_only=True)
    b = torch.load(tmp_path / "b" / model / "last.pt", weights_only=True)
    assert a["epoch"] == b["epoch"] == 4
    for key in a["model"]:
        assert torch.equal(a["model"][key], b["model"][key]), key
    assert [m["val_loss"] for m in a["history"]] == [m["val_loss"] for m in b["history"]]
    assert [m["lr"] for m in a["history"]] == [m["lr"] for m in b["history"]]
    assert a["scheduler"] == b["scheduler"]
    expected, got = straight.json()["models"][0], resumed.json()["models"][0]
    for key in ("train_mse", "val_mse", "test_mse", "best_epoch", "params"):
        assert got[key] == expected[key], key
    assert "resuming after epoch 2" in resumed.err


def test_resume_refuses_different_options(cli, small_dir, tmp_path):
    assert _train(cli, small_dir, tmp_path, 1, "--model", "ff").code == 0
    result = _train(cli, small_dir, tmp_path, 2, "--model", "ff", "--resume", "--lr", "0.01")
    assert_user_error(result, "--resume", "last.pt was trained with --lr 0.001", "only --epochs may change")
    result = _train(cli, small_dir, tmp_path, 2, "--model", "cnn", "--resume")
    assert_user_error(result, "--resume", "cnn/last.pt: no checkpoint to resume from")


def test_resume_refuses_a_corrupt_or_malicious_checkpoint(cli, small_dir, tmp_path):
    assert _train(cli, small_dir, tmp_path, 1, "--model", "ff").code == 0
    last = tmp_path / "ff" / "last.pt"
    last.write_bytes(b"not a checkpoint")
    assert_user_error(_train(cli, small_dir, tmp_path, 2, "--model", "ff", "--resume"), "last.pt", "not a readable checkpoint")

    from test_nowcast_loading import RunsCommand

    marker = tmp_path / "pwned"
    torch.save({"model": RunsCommand(marker)}, last)
    result = _train(cli, small_dir, tmp_path, 2, "--model", "ff", "--resume")
    assert_user_error(result, "last.pt", "not a readable checkpoint", "system")
    assert "weights_only" not in result.err
    assert not marker.exists()


class StopAfter(Observer):
    def __init__(self, epochs: int):
        self.epochs = epochs

    def epoch_done(self, model, metrics, epochs):
        if metrics.epoch == self.epochs:
            raise KeyboardInterrupt


def test_ctrl_c_keeps_the_best_checkpoint_and_the_metrics_so_far(tmp_path):
    prepared = prepare(make_data(40, seed=3))
    with pytest.raises(TrainingInterrupted) as stop:
        train_model(prepared, TrainConfig(model="ff", epochs=50, batch_size=32), Run(out_dir=tmp_path), StopAfter(3))
    assert stop.value.epochs_done == 3 and 1 <= stop.value.best_epoch <= 3
    best = torch.load(tmp_path / "best.pt", weights_only=True)
    assert best["epoch"] == best["best_epoch"] == stop.value.best_epoch
    assert set(best) >= {"model", "optimizer", "scheduler", "epoch", "normalisation", "config"}
    with open(tmp_path / "metrics.csv") as f:
        assert [row["epoch"] for row in csv.DictReader(f)] == ["1", "2", "3"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.pt", "last.pt", "metrics.csv"]

    resumed = train_model(prepared, TrainConfig(model="ff", epochs=5, batch_size=32), Run(out_dir=tmp_path, resume=True))
    straight = train_model(prepared, TrainConfig(model="ff", epochs=5, batch_size=32), Run(out_dir=tmp_path / "s"))
    assert (resumed.test_mse, resumed.best_epoch) == (straight.test_mse, straight.best_epoch)


def test_ctrl_c_on_the_real_command_exits_130_with_a_clean_message(small_dir, tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "hwcli", "train-nowcast", "--data-dir", small_dir, "--model", "ff", "--epochs",
         "100000", "--batch-size", "16", "--threads", "1", "--out", tmp_path],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
    )
    metrics = tmp_path / "ff" / "metrics.csv"
    deadline = time.monotonic() + 60
    while not metrics.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    assert metrics.exists(), process.communicate()
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("error: interrupted: ff after ")
    assert "--resume" in err
    torch.load(tmp_path / "ff" / "best.pt", weights_only=True)
    assert not [p for p in (tmp_path / "ff").iterdir() if p.name.endswith(".tmp")]


def test_every_model_end_to_end_with_json_and_files(cli, small_dir, tmp_path):
    result = _train(cli, small_dir, tmp_path, 1, "--model", "all")
    assert result.code == 0, result.err
    report = result.json()  # stdout is the JSON alone; progress went to stderr
    assert [m["model"] for m in report["models"]] == list(MODEL_NAMES)
    for model in report["models"]:
        assert set(model) >= {"model", "params", "train_mse", "val_mse", "test_mse", "best_epoch", "samples_per_sec"}
        assert model["best_epoch"] == 1 and model["samples_per_sec"] > 0
        files = {p.name for p in (tmp_path / model["model"]).iterdir()}
        assert files == {"best.pt", "last.pt", "metrics.csv", "curves.png", "test-predictions.png"}
        assert (tmp_path / model["model"] / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [m["params"] for m in report["models"][:4]] == [95_801, 95_801, 406_201, 206_601]
    assert set(report["baseline"]) >= {"train_mse", "val_mse", "test_mse"}
    assert report["synthetic"] is True and str(small_dir) in report["data"]  # nowcast-data's folder
    assert "epoch 1/1" in result.err

    checkpoint = torch.load(tmp_path / "cnn" / "best.pt", weights_only=True)
    assert checkpoint["config"]["model"] == "cnn" and len(checkpoint["normalisation"]["band_std"]) == 3
    with open(tmp_path / "gru" / "metrics.csv") as f:
        row = next(csv.DictReader(f))
    assert set(row) == {"epoch", "train_loss", "val_loss", "lr", "seconds", "samples_per_sec"}


def test_the_table_for_people_labels_synthetic_data(cli):
    result = cli("train-nowcast", "--model", "ff", "--epochs", "1", "--threads", "1")
    assert result.code == 0, result.err
    for text in ("Rain nowcasting", "baseline", "95,801", "synthetic", "not the course's", "epoch 1/1"):
        assert text in result.out, text


def test_amp_runs_on_the_cpu(cli, small_dir, tmp_path):
    result = _train(cli, small_dir, tmp_path, 1, "--model", "ff", "--amp", "--device", "cpu")
    assert result.code == 0, result.err
    assert result.json()["amp"] is True and result.json()["device"] == "cpu"
