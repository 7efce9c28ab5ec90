"""The course's nowcasting files: load, validate, split by month and normalise.

Files per month M: `features-m{M}.pk`, float32 (N, 5, 5, 5, 3) (entries, 5 hourly time steps,
5x5 grid around the station, 3 satellite bands), and `labels-m{M}.pk`, (N, 5) rainfall at the
station per time step.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hwcli.errors import InputError
from hwcli.nowcast.safe_pickle import load_array

STEPS, GRID, BANDS = 5, 5, 3
FEATURE_SHAPE = (STEPS, GRID, GRID, BANDS)
TRAIN_MONTHS, VAL_MONTHS, TEST_MONTHS = (6, 7, 8), (9,), (10,)
SYNTHETIC_MARKER = "SYNTHETIC.txt"  # `hw4 nowcast-data` leaves it, so its data is never taken for real


def features_path(data_dir: Path, month: int) -> Path:
    return data_dir / f"features-m{month}.pk"


def labels_path(data_dir: Path, month: int) -> Path:
    return data_dir / f"labels-m{month}.pk"


@dataclass(frozen=True)
class Split:
    """The entries of some months, validated: float32 features and labels, all finite."""

    name: str
    months: tuple[int, ...]
    features: np.ndarray  # (N, 5, 5, 5, 3) float32
    labels: np.ndarray  # (N, 5) float32
    dropped: int = 0  # entries dropped for non-finite values (--drop-nonfinite)

    @property
    def entries(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class NowcastData:
    train: Split
    val: Split
    test: Split
    source: str  # the directory, or how the synthetic set was made
    synthetic: bool

    @property
    def splits(self) -> tuple[Split, Split, Split]:
        return (self.train, self.val, self.test)

    def describe(self) -> str:
        """Where the data came from and how it was split, in one line."""
        months = "; ".join(f"{s.name} {','.join(map(str, s.months))}" for s in self.splits)
        dropped = sum(s.dropped for s in self.splits)
        return f"{self.source}; months {months}" + (f"; {dropped} non-finite entries dropped" if dropped else "")


def parse_months(text: str, option: str) -> tuple[int, ...]:
    """'6,7,8' or '6-8' as (6, 7, 8); InputError naming the option otherwise."""
    months: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        low, _, high = part.partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise InputError(f"{option}: {part!r} is not a month number or range like 6-8") from None
        if not 1 <= first <= last <= 12:
            raise InputError(f"{option}: {part!r} is not a month (1 to 12) or an ascending range")
        months.extend(range(first, last + 1))
    if not months:
        raise InputError(f"{option}: no months given")
    if len(set(months)) != len(months):
        raise InputError(f"{option}: a month is listed twice")
    return tuple(months)


def check_disjoint(months_by_option: dict[str, tuple[int, ...]]) -> None:
    """Training, validation and test months must not overlap: that would leak answers."""
    seen: dict[int, str] = {}
    for option, months in months_by_option.items():
        for month in months:
            if month in seen:
                raise InputError(f"{option}: month {month} is already in {seen[month]}")
            seen[month] = option


def _as_float32(array: np.ndarray, path: Path, kinds: str, expected: str) -> np.ndarray:
    if array.dtype.kind not in kinds:
        raise InputError(f"{path}: dtype {array.dtype}, expected {expected}")
    return np.ascontiguousarray(array, dtype=np.float32)


def _nonfinite_entries(array: np.ndarray) -> np.ndarray:
    return ~np.isfinite(array).reshape(len(array), -1).all(axis=1)


def load_month(data_dir: Path, month: int, drop_nonfinite: bool = False) -> tuple[np.ndarray, np.ndarray, int]:
    """One month's validated features and labels, and how many entries were dropped."""
    f_path, l_path = features_path(data_dir, month), labels_path(data_dir, month)
    features = load_array(f_path)
    labels = load_array(l_path)
    if features.ndim != 5 or features.shape[1:] != FEATURE_SHAPE:
        raise InputError(
            f"{f_path}: shape {features.shape}, expected (N, 5, 5, 5, 3): entries, time steps, 5x5 grid, bands"
        )
    if labels.ndim != 2 or labels.shape[1] != STEPS:
        raise InputError(f"{l_path}: shape {labels.shape}, expected (N, 5): rainfall per entry and time step")
    if len(labels) != len(features):
        raise InputError(f"{l_path}: {len(labels)} entries, but {f_path.name} has {len(features)}")
    if len(features) == 0:
        raise InputError(f"{f_path}: no entries")
    features = _as_float32(features, f_path, "f", "floating-point numbers (float32)")
    labels = _as_float32(labels, l_path, "fiu", "real numbers (rainfall)")
    bad_features, bad_labels = _nonfinite_entries(features), _nonfinite_entries(labels)
    bad = bad_features | bad_labels
    if bad.any() and not drop_nonfinite:
        path, count = (f_path, bad_features.sum()) if bad_features.any() else (l_path, bad_labels.sum())
        raise InputError(
            f"{path}: {count} of {len(bad)} entries hold NaN or infinite values; "
            "pass --drop-nonfinite to drop them"
        )
    if not bad.any():
        return features, labels, 0
    if bad.all():
        raise InputError(f"{f_path}: every entry holds NaN or infinite values")
    return features[~bad], labels[~bad], int(bad.sum())


def load_split(data_dir: Path, name: str, months: tuple[int, ...], drop_nonfinite: bool = False) -> Split:
    parts = [load_month(data_dir, month, drop_nonfinite) for month in months]
    return Split(
        name=name,
        months=months,
        features=np.concatenate([f for f, _, _ in parts]),
        labels=np.concatenate([lab for _, lab, _ in parts]),
        dropped=sum(d for _, _, d in parts),
    )


def load_data(
    data_dir: Path,
    train_months: tuple[int, ...] = TRAIN_MONTHS,
    val_months: tuple[int, ...] = VAL_MONTHS,
    test_months: tuple[int, ...] = TEST_MONTHS,
    drop_nonfinite: bool = False,
) -> NowcastData:
    """The three splits from the course's files in `data_dir`."""
    if not data_dir.is_dir():
        raise InputError(f"--data-dir {data_dir}: no such directory")
    return NowcastData(
        train=load_split(data_dir, "train", train_months, drop_nonfinite),
        val=load_split(data_dir, "validation", val_months, drop_nonfinite),
        test=load_split(data_dir, "test", test_months, drop_nonfinite),
        source=str(data_dir.resolve()),  # resuming from another folder still matches
        synthetic=(data_dir / SYNTHETIC_MARKER).is_file(),
    )


@dataclass(frozen=True)
class Normalisation:
    """Per-band mean and standard deviation of the training features, and of its rainfall
    (the previous step's rainfall is an input to some models)."""

    band_mean: tuple[float, ...]
    band_std: tuple[float, ...]
    rain_mean: float
    rain_std: float

    def features(self, features: np.ndarray) -> np.ndarray:
        mean = np.asarray(self.band_mean, dtype=np.float32)
        std = np.asarray(self.band_std, dtype=np.float32)
        return (features - mean) / std

    def rain(self, labels: np.ndarray) -> np.ndarray:
        return ((labels - self.rain_mean) / self.rain_std).astype(np.float32)


def _std_or_one(values: np.ndarray) -> float:
    std = float(values.std(dtype=np.float64))
    return std if std > 1e-12 else 1.0  # a constant input carries nothing; centre it and move on


def fit_normalisation(train: Split) -> Normalisation:
    """Statistics of the training split alone, so validation and test stay unseen.

    Standardising divides by the standard deviation; the course's notebook divided by the
    variance, which scales each band by a different, unit-dependent factor.
    """
    bands = [train.features[..., b] for b in range(BANDS)]  # views: no float64 copy of the data
    return Normalisation(
        band_mean=tuple(float(x.mean(dtype=np.float64)) for x in bands),
        band_std=tuple(_std_or_one(x) for x in bands),
        rain_mean=float(train.labels.mean(dtype=np.float64)),
        rain_std=_std_or_one(train.labels),
    )


def majority_value(labels: np.ndarray) -> float:
    """The most frequent rainfall value in the training labels (0 for real rainfall)."""
    values, counts = np.unique(labels, return_counts=True)
    return float(values[np.argmax(counts)])


def baseline_mse(labels: np.ndarray, majority: float) -> float:
    """MSE per (entry, time step) of always predicting the majority value."""
    return float(np.mean((labels.astype(np.float64) - majority) ** 2))
