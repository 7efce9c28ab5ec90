"""The IDX reader and the dataset splits, on files the tests write (gzipped and raw, good and corrupt)."""
import gzip
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hwcli.errors import InputError
from hwcli.numpy_net.data import load_dataset, read_idx, read_mnist_pair

CODES = {np.dtype(">u1"): 0x08, np.dtype(">i1"): 0x09, np.dtype(">i2"): 0x0B, np.dtype(">i4"): 0x0C,
         np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file's bytes, written from the format's description independently of the reader."""
    dtype = array.dtype.newbyteorder(">") if array.dtype.itemsize > 1 else array.dtype
    header = bytes([0, 0, CODES[np.dtype(dtype)], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(dtype).tobytes()


def write(path, data: bytes, gz: bool):
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def write_mnist(folder, n_train=60, n_test=20, pairs=("train", "t10k"), gz=True, seed=0):
    rng = np.random.default_rng(seed)
    suffix = ".gz" if gz else ""
    for kind, n in (("train", n_train), ("t10k", n_test)):
        if kind in pairs:
            write(folder / f"{kind}-images-idx3-ubyte{suffix}", idx_bytes(rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)), gz)
            write(folder / f"{kind}-labels-idx1-ubyte{suffix}", idx_bytes(np.arange(n, dtype=np.uint8) % 10), gz)
    return folder


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gzipped"])
@pytest.mark.parametrize("dtype", [">u1", ">i1", ">i2", ">i4", ">f4", ">f8"])
def test_read_idx_round_trips_every_element_type(tmp_path, gz, dtype):
    array = (np.arange(2 * 3 * 4) - 5).reshape(2, 3, 4).astype(dtype)
    if dtype == ">u1":
        array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    got = read_idx(write(tmp_path / "a-idx3", idx_bytes(array), gz))
    assert got.shape == (2, 3, 4)
    assert np.array_equal(got, array)


@given(shape=st.lists(st.integers(0, 5), min_size=1, max_size=4), gz=st.booleans())
def test_read_idx_round_trips_any_shape(tmp_path_factory, shape, gz):
    array = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    path = write(tmp_path_factory.mktemp("idx") / "f", idx_bytes(array), gz)
    assert np.array_equal(read_idx(path), array)


def corrupt_cases():
    good = idx_bytes(np.zeros((3, 2, 2), dtype=np.uint8))
    return {
        "wrong magic": (b"\x08\x03" + good[2:], "not an IDX file"),
        "unknown type": (good[:2] + b"\x07" + good[3:], "not an IDX file"),
        "empty": (b"", "not an IDX file"),
        "truncated header": (good[:10], "truncated header"),
        "truncated data": (good[:-1], "truncated"),
        "trailing bytes": (good + b"\x00", "trailing bytes"),
        "huge dimensions": (good[:4] + b"\xff" * 12 + good[16:], "truncated"),
    }


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gzipped"])
@pytest.mark.parametrize("case", list(corrupt_cases()))
def test_corrupt_idx_files_are_input_errors_naming_the_file(tmp_path, case, gz):
    data, fragment = corrupt_cases()[case]
    path = write(tmp_path / "bad-idx3-ubyte", data, gz)
    with pytest.raises(InputError, match=fragment) as e:
        read_idx(path)
    assert str(path) in str(e.value)


def test_a_truncated_gzip_stream_is_an_input_error(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((50, 28, 28), dtype=np.uint8)))[:-20])
    with pytest.raises(InputError, match="corrupt or truncated gzip"):
        read_idx(path)


def test_mismatched_image_and_label_counts(tmp_path):
    write_mnist(tmp_path, gz=False)
    write(tmp_path / "t10k-labels-idx1-ubyte", idx_bytes(np.zeros(19, dtype=np.uint8)), False)
    with pytest.raises(InputError, match="20 images but t10k-labels-idx1-ubyte 19 labels"):
        read_mnist_pair(tmp_path, "t10k")


def test_images_and_labels_must_have_their_shapes(tmp_path):
    write_mnist(tmp_path)
    write(tmp_path / "t10k-images-idx3-ubyte.gz", idx_bytes(np.zeros((20, 784), dtype=np.uint8)), True)
    with pytest.raises(InputError, match="2-D uint8 array, images"):
        read_mnist_pair(tmp_path, "t10k")
    write(tmp_path / "t10k-images-idx3-ubyte.gz", idx_bytes(np.zeros((20, 28, 28), dtype=">f4")), True)
    with pytest.raises(InputError, match="3-D float32 array, images .* of bytes expected"):
        read_mnist_pair(tmp_path, "t10k")


def test_the_four_files_make_train_val_and_the_official_test_split(tmp_path):
    data = load_dataset("mnist", write_mnist(tmp_path, n_train=60, n_test=20), val_size=0.25, seed=1)
    assert (len(data.train.y), len(data.val.y), len(data.test.y)) == (45, 15, 20)
    assert data.input_size == 784 and data.image_shape == (28, 28) and data.num_classes == 10
    # Scaled to [0, 1] and centred on the training split's mean image, and on nothing else.
    assert np.allclose(data.train.X.mean(axis=0), 0, atol=1e-12)
    raw_test = read_idx(tmp_path / "t10k-images-idx3-ubyte.gz").reshape(20, -1) / 255.0
    assert np.allclose(data.test.X, raw_test - data.mean_image)
    assert np.array_equal(data.test.y, np.arange(20) % 10)  # the official test set, in its order


def test_raw_and_gzipped_files_load_alike(tmp_path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "gz").mkdir()
    raw = load_dataset("mnist", write_mnist(tmp_path / "raw", gz=False))
    gz = load_dataset("mnist", write_mnist(tmp_path / "gz", gz=True))
    assert np.array_equal(raw.train.X, gz.train.X) and np.array_equal(raw.test.y, gz.test.y)


def test_only_the_test_pair_is_an_error_that_names_the_way_out(tmp_path):
    write_mnist(tmp_path, pairs=("t10k",))
    with pytest.raises(InputError, match=r"missing train-images-idx3-ubyte\[\.gz\] and train-labels.*--only-test-files"):
        load_dataset("mnist", tmp_path)


def test_only_test_files_carves_all_three_splits_from_the_test_pair(tmp_path):
    write_mnist(tmp_path, n_test=100, pairs=("t10k",))
    data = load_dataset("mnist", tmp_path, val_size=0.1, only_test_files=True)
    assert (len(data.train.y), len(data.val.y), len(data.test.y)) == (72, 8, 20)
    together = np.concatenate([data.train.X, data.val.X, data.test.X]) + data.mean_image
    assert len(np.unique(together.round(9), axis=0)) == 100  # every digit once, in exactly one split


def test_too_few_test_images_to_carve_from(tmp_path):
    write_mnist(tmp_path, n_test=4, pairs=("t10k",))
    with pytest.raises(InputError, match="4 test images are too few to split three ways"):
        load_dataset("mnist", tmp_path, only_test_files=True)


def test_the_digits_have_a_carved_test_split():
    data = load_dataset("digits", val_size=100, seed=3)
    assert (len(data.train.y), len(data.val.y), len(data.test.y)) == (1797 - 359 - 100, 100, 359)
    assert data.image_shape == (8, 8) and data.input_size == 64 and data.num_classes == 10
    assert data.train.X.min() >= -1 and data.train.X.max() <= 1


def test_splits_depend_on_the_seed():
    a, b = load_dataset("digits", seed=0), load_dataset("digits", seed=1)
    assert not np.array_equal(a.test.y, b.test.y)
    assert np.array_equal(a.test.y, load_dataset("digits", seed=0).test.y)


@pytest.mark.parametrize("val_size, fragment", [
    (0, "give a fraction"), (-0.5, "give a fraction"), (2.5, "give a fraction"), (1438, "leave none to train on"),
    (0.0001, "leaves no validation samples"), (float("nan"), "give a fraction"), (float("inf"), "give a fraction"),
])
def test_bad_validation_sizes(val_size, fragment):
    with pytest.raises(InputError, match=fragment):
        load_dataset("digits", val_size=val_size)


def test_missing_directory_and_missing_data_dir(tmp_path):
    with pytest.raises(InputError, match="no such directory"):
        load_dataset("mnist", tmp_path / "nowhere")
    with pytest.raises(InputError, match="needs --data-dir"):
        load_dataset("mnist", None)
    with pytest.raises(InputError, match=r"missing t10k-images-idx3-ubyte\[\.gz\] and t10k-labels"):
        load_dataset("mnist", tmp_path)


def test_the_digits_read_directly_are_scikit_learns_own():
    from sklearn.datasets import load_digits

    from hwcli.numpy_net.data import read_digits

    images, labels = read_digits()
    digits = load_digits()
    assert np.array_equal(images, digits.images) and np.array_equal(labels, digits.target)
