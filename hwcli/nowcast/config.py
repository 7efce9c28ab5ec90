"""The training configuration in one place: plain data, so the command line can show its
defaults without importing torch."""
from __future__ import annotations

import math
from dataclasses import dataclass

from hwcli.errors import InputError
from hwcli.nowcast import MODEL_NAMES


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a run's result. Saved in each checkpoint; `--resume` insists on
    the same values except `epochs`. Field `x_y` is the command's option `--x-y`."""

    model: str = "gru"
    epochs: int = 20
    batch_size: int = 1024
    lr: float = 1e-3
    scheduler: str = "plateau"  # ReduceLROnPlateau on validation loss, or "custom": custom_lr(epoch)
    plateau_factor: float = 0.2
    plateau_patience: int = 2
    min_lr: float = 1e-4
    warmup_epochs: int = 2  # custom: linear warm-up to lr over these epochs,
    decay: str = "cosine"  # then cosine down to min_lr at decay_epochs, or "step":
    decay_epochs: int = 20
    step_epochs: int = 5  # times step_gamma every step_epochs
    step_gamma: float = 0.5
    noise: float = 0.0  # std of Gaussian noise added to the normalised training inputs
    seed: int = 0
    data: str = "synthetic"  # what was trained on; resume checks it is the same


_RULES = {  # field: (holds, what it must be)
    "epochs": (lambda v: v >= 1, "at least 1"),
    "batch_size": (lambda v: v >= 1, "at least 1"),
    "lr": (lambda v: v > 0, "positive"),
    "scheduler": (lambda v: v in ("plateau", "custom"), "plateau or custom"),
    "plateau_factor": (lambda v: 0 < v < 1, "between 0 and 1"),
    "plateau_patience": (lambda v: v >= 0, "0 or more"),
    "min_lr": (lambda v: v >= 0, "0 or more"),
    "warmup_epochs": (lambda v: v >= 0, "0 or more"),
    "decay": (lambda v: v in ("cosine", "step"), "cosine or step"),
    "decay_epochs": (lambda v: v >= 1, "at least 1"),
    "step_epochs": (lambda v: v >= 1, "at least 1"),
    "step_gamma": (lambda v: 0 < v <= 1, "in (0, 1]"),
    "noise": (lambda v: 0 <= v < math.inf, "0 or more"),
}


def check_config(config: TrainConfig) -> None:
    """Values the option types alone do not rule out, as one line naming the option."""
    for name, (holds, rule) in _RULES.items():
        value = getattr(config, name)
        if not holds(value):
            raise InputError(f"--{name.replace('_', '-')} {value}: must be {rule}")


def model_names(choice: str) -> tuple[str, ...]:
    """`--model`: one of MODEL_NAMES, or all of them."""
    if choice == "all":
        return MODEL_NAMES
    if choice not in MODEL_NAMES:
        raise InputError(f"--model {choice}: expected one of {', '.join(MODEL_NAMES)} or all")
    return (choice,)


def custom_lr(epoch: int, config: TrainConfig) -> float:
    """The `--scheduler custom` learning rate of 0-based `epoch`: a function of the epoch alone."""
    if epoch < config.warmup_epochs:
        return config.lr * (epoch + 1) / config.warmup_epochs
    if config.decay == "step":
        return max(config.min_lr, config.lr * config.step_gamma ** ((epoch - config.warmup_epochs) // config.step_epochs))
    progress = min(1.0, (epoch - config.warmup_epochs) / max(1, config.decay_epochs - config.warmup_epochs))
    return config.min_lr + 0.5 * (config.lr - config.min_lr) * (1 + math.cos(math.pi * progress))
