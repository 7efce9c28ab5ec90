"""Handwritten digits for the numpy net: MNIST's IDX files or scikit-learn's 8x8 digits, split and scaled.

Every split is carved with one seeded shuffle; preprocessing statistics (the mean image) come
from the training split alone, so the validation and test splits stay unseen.
"""
from __future__ import annotations

import gzip
import importlib.util
import math
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hwcli.errors import InputError

MNIST_FILES = {  # (images, labels) of each pair, each gzipped (.gz) or not
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "t10k": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
TEST_FRACTION = 0.2  # of the data held out as the test split, where no official test set exists

# The third byte of an IDX file's magic number names the element type; the data is big-endian.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@dataclass(frozen=True)
class Split:
    X: np.ndarray  # (N, D) float64, scaled and centred
    y: np.ndarray  # (N,) class indices


@dataclass(frozen=True)
class Dataset:
    name: str
    source: str  # where the three splits came from, in words
    train: Split
    val: Split
    test: Split
    image_shape: tuple[int, int]
    num_classes: int
    pixel_scale: float  # raw pixels are divided by this ...
    mean_image: np.ndarray  # ... then the training split's mean image is subtracted

    @property
    def input_size(self) -> int:
        return self.train.X.shape[1]


def read_idx(path: Path) -> np.ndarray:
    """The array in one IDX file, gzipped or raw; InputError naming the file if it is not sound."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as e:
            raise InputError(f"{path}: corrupt or truncated gzip data ({e})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise InputError(f"{path}: not an IDX file (magic number {raw[:4].hex() or 'missing'})")
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    ndim = raw[3]
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise InputError(f"{path}: truncated header ({len(raw)} bytes, {header_size} expected)")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = header_size + math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    if len(raw) != expected:
        problem = "truncated" if len(raw) < expected else "has trailing bytes"
        dims = " x ".join(map(str, shape))
        raise InputError(f"{path}: {problem}: {len(raw):,} bytes for a {dims} array, {expected:,} expected")
    return np.frombuffer(raw, dtype, offset=header_size).reshape(shape)


def find_idx(data_dir: Path, stem: str) -> Path | None:
    """The file `stem` or `stem.gz` in data_dir, if there is one."""
    for name in (stem, stem + ".gz"):
        if (data_dir / name).is_file():
            return data_dir / name
    return None


def read_mnist_pair(data_dir: Path, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, rows, cols) and labels (N,) of the 'train' or 't10k' pair, checked against each other."""
    found = [find_idx(data_dir, stem) for stem in MNIST_FILES[kind]]
    if None in found:
        missing = " and ".join(f"{stem}[.gz]" for stem, path in zip(MNIST_FILES[kind], found) if path is None)
        hint = ""
        if kind == "train" and all(find_idx(data_dir, stem) for stem in MNIST_FILES["t10k"]):
            hint = "; it holds only the test pair: add --only-test-files to carve all three splits from it"
        raise InputError(f"--data-dir {data_dir}: missing {missing}{hint}")
    images_path, labels_path = found
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise InputError(f"{images_path}: holds a {images.ndim}-D {images.dtype.name} array, "
                         "images (N, rows, cols) of bytes expected")
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise InputError(f"{labels_path}: holds a {labels.ndim}-D {labels.dtype.name} array, integer labels (N,) expected")
    if len(images) != len(labels):
        raise InputError(
            f"{data_dir}: {images_path.name} holds {len(images):,} images but {labels_path.name} {len(labels):,} labels"
        )
    if len(labels) == 0:
        raise InputError(f"{images_path}: holds no images")
    if labels.min() < 0:
        raise InputError(f"{labels_path}: holds a negative label ({labels.min()})")
    return images, labels.astype(np.intp)


def read_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 8x8 digits (pixels 0 to 16) and their labels.

    Read from the CSV file that scikit-learn ships, as its load_digits does, but without
    importing scikit-learn, which takes seconds.
    """
    spec = importlib.util.find_spec("sklearn")  # finds the package without running it
    csv_path = Path(spec.submodule_search_locations[0], "datasets", "data", "digits.csv.gz") if spec else None
    if csv_path is None or not csv_path.is_file():  # laid out otherwise: ask scikit-learn itself
        from sklearn.datasets import load_digits

        digits = load_digits()
        return digits.images, digits.target.astype(np.intp)
    table = np.loadtxt(csv_path, delimiter=",")
    return table[:, :-1].reshape(-1, 8, 8), table[:, -1].astype(np.intp)


def load_dataset(
    name: str, data_dir: Path | None = None, val_size: float = 0.1, only_test_files: bool = False, seed: int = 0
) -> Dataset:
    """The digits ('digits') or MNIST ('mnist', from data_dir) as train, validation and test splits.

    MNIST's t10k files are the test split. The digits have no test set, and with only_test_files
    the t10k files are all there is: then the test split (TEST_FRACTION) is carved out first.
    The validation split is carved from what is left: val_size is a fraction (below 1) or a count.
    """
    rng = np.random.default_rng(seed)
    if name == "digits":
        if data_dir is not None or only_test_files:
            option = "--data-dir" if data_dir is not None else "--only-test-files"
            raise InputError(f"{option}: for --dataset mnist; the digits (the default data set) need no files")
        images, labels = read_digits()
        pixel_scale = 16.0
        source = f"scikit-learn's 8x8 digits: {len(labels):,}, with a test split carved out"
        (images, labels), test = _carve(images, labels, round(TEST_FRACTION * len(labels)), rng)
    elif name == "mnist":
        if data_dir is None:
            raise InputError("--dataset mnist: needs --data-dir DIR, the folder with the MNIST IDX files")
        data_dir = Path(data_dir)
        if not data_dir.is_dir():
            raise InputError(f"--data-dir {data_dir}: no such directory")
        pixel_scale = 255.0
        test = read_mnist_pair(data_dir, "t10k")
        if only_test_files:
            if len(test[1]) < 1 / TEST_FRACTION:
                raise InputError(f"--data-dir {data_dir}: {len(test[1])} test images are too few to split three ways")
            (images, labels), test = _carve(*test, round(TEST_FRACTION * len(test[1])), rng)
            source = f"MNIST's test files in {data_dir}: {len(labels) + len(test[1]):,}, all three splits carved from them"
        else:
            images, labels = read_mnist_pair(data_dir, "train")
            if images.shape[1:] != test[0].shape[1:]:
                raise InputError(f"--data-dir {data_dir}: train images are {images.shape[1:]}, test images {test[0].shape[1:]}")
            source = f"MNIST in {data_dir}: the train files, and the official test set"
    else:
        raise InputError(f"--dataset {name}: unknown, choose digits or mnist")

    (images, labels), val = _carve(images, labels, _val_count(val_size, len(labels)), rng)
    # A constant scale, then centring on the mean image of the training split alone.
    train_X = images.reshape(len(images), -1) / pixel_scale
    mean_image = train_X.mean(axis=0)
    train_X -= mean_image

    def prepare(split_images, split_labels) -> Split:
        X = split_images.reshape(len(split_images), -1) / pixel_scale
        X -= mean_image
        return Split(X, split_labels)

    return Dataset(
        name=name,
        source=source,
        train=Split(train_X, labels),
        val=prepare(*val),
        test=prepare(*test),
        image_shape=tuple(images.shape[1:]),
        num_classes=int(max(labels.max(), val[1].max(), test[1].max())) + 1,
        pixel_scale=pixel_scale,
        mean_image=mean_image,
    )


def _val_count(val_size: float, n: int) -> int:
    whole = val_size >= 1 and math.isfinite(val_size) and val_size == int(val_size)
    if not (0 < val_size < 1 or whole):
        raise InputError(f"--val-size {val_size:g}: give a fraction between 0 and 1, or a whole number of samples")
    count = round(val_size * n) if val_size < 1 else int(val_size)
    if count < 1:
        raise InputError(f"--val-size {val_size:g}: leaves no validation samples of {n:,}")
    if count >= n:
        raise InputError(f"--val-size {val_size:g}: {count:,} validation samples of {n:,} leave none to train on")
    return count


def _carve(images, labels, count: int, rng: np.random.Generator):
    """Split `count` random samples off: ((images, labels) left, (images, labels) taken)."""
    order = rng.permutation(len(labels))
    taken, left = order[:count], order[count:]
    return (images[left], labels[left]), (images[taken], labels[taken])
