"""Shared helpers for the nowcasting tests: course-format pickles and one torch thread."""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tests run on a shared 2-core machine; one thread avoids contention and restores after."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def write_pickle(path: Path, obj, protocol: int = 4) -> Path:
    path.write_bytes(pickle.dumps(obj, protocol=protocol))
    return path


def write_month(data_dir: Path, month: int, features, labels, protocol: int = 4) -> None:
    """One month in the course's format: features-m{M}.pk and labels-m{M}.pk."""
    write_pickle(data_dir / f"features-m{month}.pk", features, protocol)
    write_pickle(data_dir / f"labels-m{month}.pk", labels, protocol)


def random_month(entries: int = 8, seed: int = 0):
    rng = np.random.default_rng(seed)
    features = rng.normal(250, 20, size=(entries, 5, 5, 5, 3)).astype(np.float32)
    labels = np.round(rng.exponential(1.0, size=(entries, 5)) * rng.binomial(1, 0.3, size=(entries, 5)), 1)
    return features, labels.astype(np.float32)


def write_course_dir(data_dir: Path, entries: int = 8, months=(6, 7, 8, 9, 10)) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    for month in months:
        write_month(data_dir, month, *random_month(entries, seed=month))
    return data_dir
