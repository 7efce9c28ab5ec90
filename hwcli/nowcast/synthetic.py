"""A synthetic stand-in for the course's nowcasting data, which is not public.

It is made up, not observed: cloud blobs drift across the 5x5 grid with a per-entry wind and
grow or decay over the 5 hours; the three bands are brightness temperatures (K) of a water-vapour
band and two infrared cloud bands; rainfall at the centre station is mostly zero with a heavy
tail, heavier under cold, moist cloud nearby, lagging the cloud by an hour and persisting in
time. So the grid and the time steps both carry information a model can learn.
"""
from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hwcli.files import atomic_write, make_out_dir, write_text
from hwcli.nowcast import DEFAULT_SAMPLES_PER_MONTH, DEFAULT_SEED
from hwcli.nowcast.data import (
    GRID, STEPS, SYNTHETIC_MARKER, TEST_MONTHS, TRAIN_MONTHS, VAL_MONTHS, NowcastData, Split, features_path,
    labels_path,
)

MONTHS = TRAIN_MONTHS + VAL_MONTHS + TEST_MONTHS
BLOBS = 3
CENTRE = GRID // 2


def make_month(samples: int, month: int, seed: int = DEFAULT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Features (samples, 5, 5, 5, 3) float32 and labels (samples, 5) float32 for one month."""
    rng = np.random.default_rng([seed, month])
    n = samples
    season = 1.0 + 0.1 * (8 - abs(month - 8))  # a little wetter in high summer
    hours = np.arange(STEPS, dtype=np.float64)

    # Cloud blobs: start position, size, peak thickness, growth rate; one wind per entry.
    start = rng.uniform(-3.0, GRID + 2.0, size=(n, BLOBS, 2))
    size = rng.uniform(0.8, 2.2, size=(n, BLOBS, 1, 1, 1))
    peak = rng.gamma(2.0, 0.35, size=(n, BLOBS, 1)) * rng.binomial(1, 0.6, size=(n, BLOBS, 1))
    growth = rng.normal(0.0, 0.25, size=(n, BLOBS, 1))
    wind = rng.normal(0.0, 0.8, size=(n, 1, 2))

    centre = start[:, :, None, :] + wind[:, :, None, :] * hours[None, None, :, None]  # (n, blobs, steps, 2)
    thickness = peak * np.exp(growth * hours)  # (n, blobs, steps)
    cells = np.arange(GRID, dtype=np.float64)
    dy = cells[None, None, None, :, None] - centre[..., 0, None, None]
    dx = cells[None, None, None, None, :] - centre[..., 1, None, None]
    blob_fields = thickness[..., None, None] * np.exp(-(dy**2 + dx**2) / (2 * size**2))
    cloud = np.minimum(blob_fields.sum(axis=1), 1.6)  # (n, steps, grid, grid)

    humidity = rng.beta(2.0, 2.0, size=(n, 1, 1, 1)) * season
    moisture = np.clip(0.6 * humidity + 0.4 * np.tanh(2 * cloud), 0.0, None)

    noise = rng.normal(0.0, 1.0, size=(3, n, STEPS, GRID, GRID))
    water_vapour = 252.0 - 28.0 * moisture + 0.8 * noise[0]
    infrared = 294.0 - 82.0 * cloud + 1.5 * noise[1]
    infrared_2 = infrared - 1.0 - 3.0 * moisture + 0.6 * noise[2]
    features = np.stack([water_vapour, infrared, infrared_2], axis=-1).astype(np.float32)

    # Rain follows cold cloud over the station's neighbourhood, an hour late, where it is moist.
    near = cloud[:, :, CENTRE - 1 : CENTRE + 2, CENTRE - 1 : CENTRE + 2].mean(axis=(2, 3))
    at_station = cloud[:, :, CENTRE, CENTRE]
    drive = 0.5 * at_station + 0.3 * near + 0.2 * np.concatenate([near[:, :1], near[:, :-1]], axis=1)
    wet = humidity[:, :, 0, 0] * season
    burst = rng.lognormal(0.0, 0.6, size=(n, STEPS))
    rain = np.zeros((n, STEPS))
    previous = rng.exponential(0.3, size=n) * (drive[:, 0] > 0.5)
    for t in range(STEPS):
        fresh = 5.0 * np.maximum(drive[:, t] - 0.45, 0.0) * wet[:, 0] * burst[:, t]
        previous = 0.55 * previous + fresh
        rain[:, t] = previous
    labels = np.round(rain, 1)  # a rain gauge's 0.1 mm resolution: small amounts read as zero
    return features, labels.astype(np.float32)


def make_data(
    samples_per_month: int = DEFAULT_SAMPLES_PER_MONTH,
    seed: int = DEFAULT_SEED,
    train_months: tuple[int, ...] = TRAIN_MONTHS,
    val_months: tuple[int, ...] = VAL_MONTHS,
    test_months: tuple[int, ...] = TEST_MONTHS,
) -> NowcastData:
    """The synthetic data set in memory, the same as `write_dataset` writes, split by month."""

    def split(name: str, months: tuple[int, ...]) -> Split:
        parts = [make_month(samples_per_month, m, seed) for m in months]
        return Split(name, months, np.concatenate([f for f, _ in parts]), np.concatenate([lab for _, lab in parts]))

    return NowcastData(
        train=split("train", train_months),
        val=split("validation", val_months),
        test=split("test", test_months),
        source=f"synthetic (hw4 nowcast-data --samples-per-month {samples_per_month} --seed {seed})",
        synthetic=True,
    )


@dataclass(frozen=True)
class MonthWritten:
    month: int
    features_file: Path
    labels_file: Path
    entries: int
    rain_fraction_zero: float
    rain_mean: float
    rain_max: float


def write_dataset(
    out_dir: Path, samples_per_month: int = DEFAULT_SAMPLES_PER_MONTH, seed: int = DEFAULT_SEED
) -> list[MonthWritten]:
    """Write the synthetic set in the course's format: plain pickles of float32 numpy arrays."""
    make_out_dir(out_dir)
    note = (f"Synthetic nowcasting data made by `hw4 nowcast-data --samples-per-month {samples_per_month}"
            f" --seed {seed}`.\nIt is made up, not observed: not the course's data.\n")
    write_text(out_dir / SYNTHETIC_MARKER, note)
    written = []
    for month in MONTHS:
        features, labels = make_month(samples_per_month, month, seed)
        for path, array in ((features_path(out_dir, month), features), (labels_path(out_dir, month), labels)):
            with atomic_write(path) as f:
                pickle.dump(array, f, protocol=4)
        written.append(
            MonthWritten(
                month=month,
                features_file=features_path(out_dir, month),
                labels_file=labels_path(out_dir, month),
                entries=samples_per_month,
                rain_fraction_zero=float(np.mean(labels == 0)),
                rain_mean=float(labels.mean()),
                rain_max=float(labels.max()),
            )
        )
    return written
