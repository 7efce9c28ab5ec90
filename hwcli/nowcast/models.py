"""The nowcasting regressors, at the course's reference sizes, and the inputs each one sees.

`ff` and `cnn` see one time step at a time, as in the course: their rows are (entry, time step)
pairs. The others see the 5 steps of an entry in order and predict every step, each step from
that step and the ones before it only. `transformer` and `best` also get the previous step's
rainfall as a 76th input per step (unknown before the first step: set to the training mean).
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from hwcli.nowcast.data import BANDS, GRID, STEPS, Normalisation

STEP_VALUES = GRID * GRID * BANDS  # 75: one time step flattened as (row, column, band)
HIDDEN = 200


def _mlp(sizes: list[int], dropout: float = 0.0) -> nn.Sequential:
    """Linear layers with ReLU (and dropout) between them, none after the last."""
    layers: list[nn.Module] = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()] + ([nn.Dropout(dropout)] if dropout else [])
    return nn.Sequential(*layers[: -2 if dropout else -1])


class FeedForward(nn.Module):
    """One time step's 75 values -> 200 -> 200 -> 200 -> 1 (95,801 parameters)."""

    per_step, uses_previous_rain = True, False

    def __init__(self, dropout: float = 0.0):
        super().__init__()
        self.layers = _mlp([STEP_VALUES, HIDDEN, HIDDEN, HIDDEN, 1], dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (rows, 75) -> (rows,)
        return self.layers(x).squeeze(-1)


class GridCNN(nn.Module):
    """One time step's 5x5x3 grid -> 200 3x3 filters -> 1800 -> 200 -> 200 -> 1 (406,201 parameters)."""

    per_step, uses_previous_rain = True, False

    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(BANDS, HIDDEN, kernel_size=3), nn.ReLU(), nn.Flatten())
        self.head = _mlp([HIDDEN * (GRID - 2) ** 2, HIDDEN, HIDDEN, 1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (rows, 3, 5, 5) -> (rows,)
        return self.head(self.conv(x)).squeeze(-1)


class SequenceGRU(nn.Module):
    """The 5 steps' 75 values -> GRU 200 -> per-step 200 -> per-step 1 (206,601 parameters)."""

    per_step, uses_previous_rain = False, False

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(STEP_VALUES, HIDDEN, batch_first=True)
        self.head = _mlp([HIDDEN, HIDDEN, 1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (entries, 5, 75) -> (entries, 5)
        return self.head(self.gru(x)[0]).squeeze(-1)


class CausalSelfAttention(nn.Module):
    """Single-head self-attention, written out; step t attends to steps 0..t only, so the
    previous-rainfall input of step t+1 (the answer for step t) is hidden from step t."""

    def __init__(self, width: int):
        super().__init__()
        self.query, self.key, self.value = (nn.Linear(width, width) for _ in range(3))
        self.out = nn.Linear(width, width)
        self.register_buffer("future", torch.ones(STEPS, STEPS, dtype=torch.bool).triu(1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (entries, steps, width)
        steps = x.shape[1]
        scores = self.query(x) @ self.key(x).transpose(1, 2) / math.sqrt(x.shape[-1])
        scores = scores.masked_fill(self.future[:steps, :steps], float("-inf"))
        return self.out(torch.softmax(scores, dim=-1) @ self.value(x))


def sinusoidal_positions(steps: int, width: int) -> torch.Tensor:
    """The original transformer's fixed positional encoding, (steps, width)."""
    position = torch.arange(steps, dtype=torch.float32)[:, None]
    frequency = torch.exp(torch.arange(0, width, 2, dtype=torch.float32) * (-math.log(10_000.0) / width))
    encoding = torch.zeros(steps, width)
    encoding[:, 0::2] = torch.sin(position * frequency)
    encoding[:, 1::2] = torch.cos(position * frequency)
    return encoding


class Transformer(nn.Module):
    """One encoder layer over the 5 steps of 76 inputs (75 values and the previous rainfall):
    embedding + positions -> self-attention -> add & norm -> feed-forward -> add & norm -> 1."""

    per_step, uses_previous_rain = False, True

    def __init__(self, width: int = 128, ff_width: int = 256, dropout: float = 0.1):
        super().__init__()
        self.embed = nn.Linear(STEP_VALUES + 1, width)
        self.register_buffer("positions", sinusoidal_positions(STEPS, width), persistent=False)
        self.attention = CausalSelfAttention(width)
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.feed_forward = nn.Sequential(nn.Linear(width, ff_width), nn.ReLU(), nn.Linear(ff_width, width))
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(width, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (entries, 5, 76) -> (entries, 5)
        h = self.embed(x) + self.positions[: x.shape[1]]
        h = self.norm1(h + self.dropout(self.attention(h)))
        h = self.norm2(h + self.dropout(self.feed_forward(h)))
        return self.head(h).squeeze(-1)


class GridGRU(nn.Module):
    """The project's own: a small CNN reads each step's grid, a GRU carries it through time
    together with the previous step's rainfall, a per-step head predicts rainfall."""

    per_step, uses_previous_rain = False, True

    def __init__(self, filters: int = 64, width: int = 128):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(BANDS, filters, kernel_size=3), nn.ReLU(), nn.Flatten(),
            nn.Linear(filters * (GRID - 2) ** 2, width), nn.ReLU(),
        )
        self.gru = nn.GRU(width + 1, width, batch_first=True)
        self.head = _mlp([width, width, 1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (entries, 5, 76) -> (entries, 5)
        entries, steps = x.shape[:2]
        grids = x[..., :STEP_VALUES].reshape(entries * steps, GRID, GRID, BANDS).permute(0, 3, 1, 2)
        per_step = self.conv(grids).reshape(entries, steps, -1)
        hidden = self.gru(torch.cat([per_step, x[..., STEP_VALUES:]], dim=-1))[0]
        return self.head(hidden).squeeze(-1)


BUILDERS = {  # in the order of hwcli.nowcast.MODEL_NAMES
    "ff": FeedForward,
    "ff-dropout": lambda: FeedForward(dropout=0.2),
    "cnn": GridCNN,
    "gru": SequenceGRU,
    "transformer": Transformer,
    "best": GridGRU,
}
REFERENCE_PARAMS = {"ff": 95_801, "ff-dropout": 95_801, "cnn": 406_201, "gru": 206_601}


def build_model(name: str) -> nn.Module:
    return BUILDERS[name]()


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def previous_rain(labels: np.ndarray, norm: Normalisation) -> np.ndarray:
    """Each step's previous rainfall, normalised; the first step's is unknown (the mean, 0)."""
    shifted = norm.rain(labels)
    return np.concatenate([np.zeros_like(shifted[:, :1]), shifted[:, :-1]], axis=1)


def model_inputs(model: nn.Module, features: np.ndarray, labels: np.ndarray, norm: Normalisation):
    """(inputs, targets) as tensors laid out for `model`, built once so batches are slices.

    `features` are normalised (N, 5, 5, 5, 3); `labels` are raw rainfall (N, 5).
    """
    entries = len(features)
    if isinstance(model, GridCNN):
        x = features.reshape(entries * STEPS, GRID, GRID, BANDS).transpose(0, 3, 1, 2)
    elif model.per_step:
        x = features.reshape(entries * STEPS, STEP_VALUES)
    else:
        x = features.reshape(entries, STEPS, STEP_VALUES)
        if model.uses_previous_rain:
            x = np.concatenate([x, previous_rain(labels, norm)[..., None]], axis=-1)
    y = labels.reshape(-1) if model.per_step else labels
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)), torch.from_numpy(
        np.ascontiguousarray(y, dtype=np.float32)
    )
