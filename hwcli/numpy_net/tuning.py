"""The eighth task: a random search of the hyperparameters on the validation split."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from hwcli.numpy_net.data import Dataset
from hwcli.numpy_net.net import Step
from hwcli.numpy_net.training import Hyperparameters, TrainedNet, train_on

# What the search draws from: a list is a choice, a (low, high) pair a log-uniform range.
SEARCH_SPACE: dict[str, list | tuple[float, float]] = {
    "hidden": [50, 100, 200, 300],
    "learning_rate": (0.1, 1.0),
    "reg": (1e-6, 1e-3),
    "learning_rate_decay": [0.9, 0.95, 0.98],
}


@dataclass(frozen=True)
class Trial:
    number: int  # 1-based, in the order run
    params: Hyperparameters
    train_acc: float
    val_acc: float
    epochs: int
    seconds: float
    stopped: str | None


@dataclass(frozen=True)
class Search:
    trials: list[Trial]  # in the order run
    best: TrainedNet  # the net of the trial with the best validation accuracy

    def ranked(self) -> list[Trial]:
        return rank(self.trials)


def rank(trials: list[Trial]) -> list[Trial]:
    """Best validation accuracy first; ties go to the earlier trial."""
    return sorted(trials, key=lambda t: (-t.val_acc, t.number))


def candidates(base: Hyperparameters, count: int, fixed: frozenset[str] = frozenset(), seed: int = 0) -> list[Hyperparameters]:
    """`count` settings to try: `base` itself first, then random draws from SEARCH_SPACE.

    The names in `fixed` keep base's value in every draw.
    """
    rng = np.random.default_rng(seed)
    drawn = [base]
    while len(drawn) < count:
        changes = {}
        for name, space in SEARCH_SPACE.items():
            if name in fixed:
                continue
            if isinstance(space, list):
                changes[name] = space[rng.integers(len(space))]
            else:
                low, high = np.log10(space)
                changes[name] = float(f"{10 ** rng.uniform(low, high):.2g}")  # round, for readable tables
        drawn.append(base.with_(**changes))
    return drawn


def search(
    dataset: Dataset,
    settings: list[Hyperparameters],
    seed: int = 0,
    on_trial: Callable[[Trial], None] | None = None,
    on_step: Callable[[Step], None] | None = None,
) -> Search:
    """Train one net per setting, each from the same seed; keep the best on validation accuracy."""
    if not settings:
        raise ValueError("search needs at least one setting")
    trials: list[Trial] = []
    best: TrainedNet | None = None
    for number, params in enumerate(settings, start=1):
        trained = train_on(dataset, params, seed=seed, on_step=on_step)
        trial = Trial(number, params, trained.train_acc, trained.val_acc, trained.epochs, trained.seconds, trained.stopped)
        trials.append(trial)
        if best is None or rank(trials)[0] is trial:
            best = trained
        if on_trial is not None:
            on_trial(trial)
    return Search(trials, best)
