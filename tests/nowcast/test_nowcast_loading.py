"""The course's pickles: the restricted unpickler, validation, splits, normalisation, synthetic data."""
from __future__ import annotations

import os
import pickle

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from conftest import assert_user_error, run_hw4
from nowcast_helpers import one_torch_thread, random_month, write_course_dir, write_month, write_pickle  # noqa: F401

from hwcli.errors import InputError
from hwcli.nowcast.data import (
    Split, fit_normalisation, load_data, load_month, majority_value, parse_months, check_disjoint,
)
from hwcli.nowcast.safe_pickle import load_array
from hwcli.nowcast.synthetic import make_data, write_dataset


class RunsCommand:
    """A pickle whose loading would run a shell command that creates `marker`."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


# ---------------------------------------------------------------- the restricted unpickler


@given(
    array=hnp.arrays(
        dtype=st.sampled_from([np.float32, np.float64, np.int64, np.uint8, ">f4"]),
        shape=hnp.array_shapes(min_dims=1, max_dims=5, min_side=0, max_side=4),
    ),
    protocol=st.integers(0, pickle.HIGHEST_PROTOCOL),
    fortran=st.booleans(),
)
def test_any_numeric_array_round_trips_under_every_protocol(tmp_path_factory, array, protocol, fortran):
    if fortran:
        array = np.asfortranarray(array)
    path = write_pickle(tmp_path_factory.mktemp("p") / "a.pk", array, protocol)
    loaded = load_array(path)
    np.testing.assert_array_equal(loaded, array)
    assert loaded.shape == array.shape


@pytest.mark.parametrize("protocol", [0, 1, 2, 3])
def test_pickles_written_by_numpy_1_load_too(tmp_path, protocol):
    """numpy 1 named its module numpy.core, and the course's files may well come from it.
    (Protocols up to 3 name globals as plain text, so the rename is a byte replacement.)"""
    array = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    numpy_1 = pickle.dumps(array, protocol=protocol).replace(b"numpy._core", b"numpy.core")
    assert b"numpy.core.multiarray" in numpy_1
    path = tmp_path / "features-m6.pk"
    path.write_bytes(numpy_1)
    np.testing.assert_array_equal(load_array(path), array)


def test_a_pickle_that_would_run_a_command_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = write_pickle(tmp_path / "features-m6.pk", RunsCommand(marker))
    with pytest.raises(InputError, match="features-m6.pk: refused: it asks for (posix|os).system"):
        load_array(path)
    assert not marker.exists()


def test_the_command_refuses_a_malicious_features_file_and_nothing_runs(tmp_path):
    data_dir = write_course_dir(tmp_path / "data")
    marker = tmp_path / "pwned"
    write_pickle(data_dir / "features-m7.pk", RunsCommand(marker))
    result = run_hw4("train-nowcast", "--data-dir", data_dir, "--model", "ff", "--epochs", "1")
    assert_user_error(result, "features-m7.pk", "refused", "system")
    assert not marker.exists()


class CallsEval:
    def __reduce__(self):
        return (eval, ("1 + 1",))


@pytest.mark.parametrize(
    "payload, fragment",
    [
        (CallsEval(), "builtins.eval"),
        (np.array([1, "x", None], dtype=object), "dtype object is not admitted"),
        (np.zeros(2, dtype=[("a", "f4"), ("b", "i4")]), "is not admitted"),
        (np.array(["rain"]), "is not admitted"),
        (np.float32(3.0), "numpy._core.multiarray.scalar"),
    ],
    ids=["eval", "object-array", "structured", "strings", "numpy-scalar"],
)
def test_anything_but_an_array_of_numbers_is_refused(tmp_path, payload, fragment):
    path = write_pickle(tmp_path / "labels-m6.pk", payload)
    with pytest.raises(InputError, match="labels-m6.pk: refused") as error:
        load_array(path)
    assert fragment in str(error.value)


def test_hand_written_payloads_are_refused(tmp_path):
    # protocol-0 opcodes: a persistent id; a non-latin-1 codec; bytes(n) that would fill memory
    persistent = b"Pfoo\n."
    codec = b"c_codecs\nencode\n(Vabc\nVrot13\ntR."
    bytes_bomb = b"c__builtin__\nbytes\n(I10000000000\ntR."
    # a few bytes asking for 80 GB of uninitialised memory, two ways
    huge_array = b"cnumpy\nndarray\n((I10000000000\nttR."
    huge_reconstruct = b"cnumpy._core.multiarray\n_reconstruct\n(cnumpy\nndarray\n(I10000000000\ntVb\ntR."
    for name, stream, fragment in [
        ("persistent", persistent, "persistent ids"),
        ("codec", codec, "codec 'rot13'"),
        ("bytes", bytes_bomb, "bytes() with arguments"),
        ("ndarray", huge_array, "numpy.ndarray(...) is not admitted"),
        ("reconstruct", huge_reconstruct, "_reconstruct is admitted only"),
    ]:
        path = tmp_path / f"{name}.pk"
        path.write_bytes(stream)
        with pytest.raises(InputError, match="refused") as error:
            load_array(path)
        assert fragment in str(error.value)


def test_out_of_band_buffers_are_not_followed(tmp_path):
    buffers = []
    data = pickle.dumps(np.zeros(3, np.float32), protocol=5, buffer_callback=buffers.append)
    assert buffers, "the array's data went out of band"
    path = tmp_path / "oob.pk"
    path.write_bytes(data)
    with pytest.raises(InputError, match="oob.pk: .*out-of-band"):
        load_array(path)


@pytest.mark.parametrize(
    "content, fragment",
    [
        (pickle.dumps({"features": 1}), "holds a dict, expected a numpy array"),
        (pickle.dumps(np.zeros(3, np.float32))[:40], "not a readable pickle"),
        (b"time,rain\n1,0.0\n", "not a readable pickle"),
        (b"", "not a readable pickle"),
    ],
    ids=["dict", "truncated", "text", "empty"],
)
def test_files_that_are_not_array_pickles(tmp_path, content, fragment):
    path = tmp_path / "features-m6.pk"
    path.write_bytes(content)
    with pytest.raises(InputError, match="features-m6.pk") as error:
        load_array(path)
    assert fragment in str(error.value)


# ---------------------------------------------------------------- validation, through the command


def _train(cli, data_dir, *extra):
    return cli("train-nowcast", "--data-dir", data_dir, "--model", "ff", "--epochs", "1", "--threads", "1", *extra)


@pytest.mark.parametrize(
    "month_7, fragments",
    [
        ((np.zeros((4, 5, 5, 3), np.float32), np.zeros((4, 5), np.float32)),
         ("features-m7.pk", "shape (4, 5, 5, 3), expected (N, 5, 5, 5, 3)")),
        ((np.zeros((4, 5, 5, 5, 3), np.float32), np.zeros((4, 4), np.float32)),
         ("labels-m7.pk", "shape (4, 4), expected (N, 5)")),
        ((np.zeros((4, 5, 5, 5, 3), np.float32), np.zeros((3, 5), np.float32)),
         ("labels-m7.pk", "3 entries, but features-m7.pk has 4")),
        ((np.zeros((4, 5, 5, 5, 3), np.int32), np.zeros((4, 5), np.float32)),
         ("features-m7.pk", "dtype int32, expected floating-point")),
        ((np.zeros((4, 5, 5, 5, 3), np.float32), np.zeros((4, 5), np.bool_)),
         ("labels-m7.pk", "dtype bool, expected real numbers")),
        ((np.zeros((0, 5, 5, 5, 3), np.float32), np.zeros((0, 5), np.float32)),
         ("features-m7.pk", "no entries")),
    ],
    ids=["features-shape", "labels-shape", "counts", "features-dtype", "labels-dtype", "empty"],
)
def test_each_validation_error_is_one_line_naming_the_file(cli, tmp_path, month_7, fragments):
    data_dir = write_course_dir(tmp_path)
    write_month(data_dir, 7, *month_7)
    assert_user_error(_train(cli, data_dir), *fragments)


def test_a_missing_month_and_a_missing_directory(cli, tmp_path):
    data_dir = write_course_dir(tmp_path / "d", months=(6, 7, 8, 9))
    assert_user_error(_train(cli, data_dir), "features-m10.pk: no such file")
    assert_user_error(_train(cli, tmp_path / "nowhere"), "--data-dir", "no such directory")


def test_non_finite_entries_are_counted_and_refused_or_dropped(cli, tmp_path):
    data_dir = write_course_dir(tmp_path, entries=10)
    features, labels = random_month(10, seed=7)
    features[1, 2, 3, 4, 0] = np.nan
    features[4, 0, 0, 0, 2] = np.inf
    labels[6, 3] = np.nan
    write_month(data_dir, 7, features, labels)
    assert_user_error(_train(cli, data_dir), "features-m7.pk: 2 of 10 entries hold NaN or infinite", "--drop-nonfinite")

    data = load_data(data_dir, drop_nonfinite=True)
    assert data.train.dropped == 3 and data.train.entries == 27
    assert np.isfinite(data.train.features).all() and np.isfinite(data.train.labels).all()
    assert "3 non-finite entries dropped" in data.describe()


def test_a_month_with_nothing_finite_left_is_refused_even_when_dropping(tmp_path):
    features, labels = random_month(3)
    features[:, 0, 0, 0, 0] = np.nan
    write_month(tmp_path, 6, features, labels)
    with pytest.raises(InputError, match="features-m6.pk: every entry holds NaN or infinite values"):
        load_month(tmp_path, 6, drop_nonfinite=True)


def test_nan_labels_alone_name_the_labels_file(tmp_path):
    features, labels = random_month(5)
    labels[0, 0] = np.inf
    write_month(tmp_path, 6, features, labels)
    with pytest.raises(InputError, match="labels-m6.pk: 1 of 5 entries"):
        load_month(tmp_path, 6)


@pytest.mark.parametrize(
    "options, fragments",
    [
        (("--train-months", "6,x"), ("--train-months", "'x' is not a month")),
        (("--train-months", "8-6"), ("--train-months", "'8-6'")),
        (("--val-months", "13"), ("--val-months", "'13'")),
        (("--test-months", "8"), ("--test-months", "month 8 is already in --train-months")),
        (("--train-months", "6,6"), ("--train-months", "listed twice")),
        (("--model", "svm"), ("--model svm", "expected one of ff, ff-dropout")),
        (("--lr", "0"), ("--lr 0.0", "positive")),
        (("--scheduler", "linear"), ("--scheduler linear", "plateau or custom")),
        (("--decay", "exp"), ("--decay exp", "cosine or step")),
        (("--plateau-factor", "1.5"), ("--plateau-factor 1.5", "between 0 and 1")),
        (("--noise", "-1"), ("--noise -1.0", "0 or more")),
        (("--epochs", "0"), ("--epochs 0", "at least 1")),
        (("--batch-size", "0"), ("--batch-size 0", "at least 1")),
        (("--device", "tpu"), ("--device tpu", "auto, cpu or cuda")),
        (("--resume",), ("--resume", "needs --out")),
    ],
)
def test_bad_options_are_one_line_errors(cli, tmp_path, options, fragments):
    result = cli("train-nowcast", "--data-dir", tmp_path / "unused", *options)
    assert_user_error(result, *fragments)


def test_an_out_folder_that_cannot_be_made_is_a_one_line_error(cli, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert_user_error(cli("nowcast-data", "--out", blocker / "data"), "--out", "cannot create the folder")
    result = cli("train-nowcast", "--model", "ff", "--epochs", "1", "--out", blocker)
    assert_user_error(result, "--out", "a-file", "cannot create the folder")


def test_asking_for_cuda_without_it_is_a_clear_error(cli):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert_user_error(cli("train-nowcast", "--device", "cuda"), "--device cuda", "CUDA is not available")


def test_parse_months_accepts_lists_and_ranges():
    assert parse_months("6-8", "--train-months") == (6, 7, 8)
    assert parse_months("6, 7,8", "--train-months") == (6, 7, 8)
    assert parse_months("9", "--val-months") == (9,)
    check_disjoint({"--train-months": (6, 7), "--val-months": (8,), "--test-months": (9, 10)})


# ---------------------------------------------------------------- normalisation


def _split(features, labels=None):
    labels = np.zeros((len(features), 5), np.float32) if labels is None else labels
    return Split("train", (6,), features, labels)


@given(
    scale=st.tuples(*[st.floats(0.01, 100)] * 3),
    shift=st.tuples(*[st.floats(-300, 300)] * 3),
)
def test_normalised_bands_do_not_depend_on_units(scale, shift):
    """Dividing by the standard deviation (not the variance) makes each band unit-free."""
    features, _ = random_month(6)
    rescaled = (features * np.float32(scale) + np.float32(shift)).astype(np.float32)
    plain = fit_normalisation(_split(features)).features(features)
    converted = fit_normalisation(_split(rescaled)).features(rescaled)
    np.testing.assert_allclose(converted, plain, atol=2e-3)


def test_training_bands_come_out_with_mean_0_and_std_1():
    features, labels = random_month(50)
    features[..., 1] = features[..., 1] * 40 + 7  # bands on very different scales
    norm = fit_normalisation(_split(features, labels))
    normalised = norm.features(features)
    np.testing.assert_allclose(normalised.mean(axis=(0, 1, 2, 3)), 0, atol=1e-4)
    np.testing.assert_allclose(normalised.std(axis=(0, 1, 2, 3)), 1, atol=1e-4)
    assert norm.rain_std == pytest.approx(float(labels.std()), rel=1e-5)


def test_statistics_come_from_the_training_months_only(tmp_path):
    write_course_dir(tmp_path)
    before = fit_normalisation(load_data(tmp_path).train)
    features, labels = random_month(8, seed=9)
    write_month(tmp_path, 9, features * 3 + 100, labels * 10)  # validation month changes
    assert fit_normalisation(load_data(tmp_path).train) == before


def test_majority_value_is_the_most_frequent_label():
    assert majority_value(np.array([[0, 0, 1.5], [0, 2, 2]], np.float32)) == 0.0
    assert majority_value(np.array([[3, 3, 1.5]], np.float32)) == 3.0


# ---------------------------------------------------------------- synthetic data


def test_nowcast_data_writes_the_course_format_and_says_it_is_synthetic(cli, tmp_path):
    result = cli("nowcast-data", "--out", tmp_path, "--samples-per-month", 30, "--seed", 3)
    assert result.code == 0, result.err
    assert "synthetic" in result.out.lower() and "not the course's" in result.out
    for month in (6, 7, 8, 9, 10):
        features = load_array(tmp_path / f"features-m{month}.pk")
        labels = load_array(tmp_path / f"labels-m{month}.pk")
        assert features.dtype == np.float32 and features.shape == (30, 5, 5, 5, 3)
        assert labels.dtype == np.float32 and labels.shape == (30, 5)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left
    assert "not the course's data" in (tmp_path / "SYNTHETIC.txt").read_text()
    assert load_data(tmp_path).synthetic  # trained on later, it is still labelled synthetic

    summary = cli("nowcast-data", "--out", tmp_path, "--samples-per-month", 30, "--seed", 3, "--json").json()
    assert summary["synthetic"] is True and [m["month"] for m in summary["months"]] == [6, 7, 8, 9, 10]


def test_the_built_in_default_is_what_nowcast_data_writes(tmp_path):
    write_dataset(tmp_path, samples_per_month=20, seed=5)
    from_files, in_memory = load_data(tmp_path), make_data(20, 5)
    for a, b in zip(from_files.splits, in_memory.splits):
        np.testing.assert_array_equal(a.features, b.features)
        np.testing.assert_array_equal(a.labels, b.labels)
    assert in_memory.synthetic and "synthetic" in in_memory.describe()
    assert not load_data(write_course_dir(tmp_path / "course")).synthetic


def test_synthetic_rain_is_mostly_zero_heavy_tailed_and_persistent():
    labels = make_data(1000, 0).train.labels
    assert 0.6 < np.mean(labels == 0) < 0.95
    assert labels.max() > 10 * labels[labels > 0].mean() / 2  # a heavy tail
    now, next_hour = labels[:, :-1].ravel(), labels[:, 1:].ravel()
    assert np.corrcoef(now, next_hour)[0, 1] > 0.5
    assert make_data(50, 1).train.features.dtype == np.float32
