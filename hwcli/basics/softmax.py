"""T3: the softmax cross-entropy gradient, derived step by step and checked numerically."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

from hwcli.errors import InputError


@dataclass(frozen=True)
class DerivationStep:
    title: str
    lines: list[str]


@dataclass(frozen=True)
class SoftmaxCheck:
    logits: list[float]
    label: int
    probabilities: list[float]
    loss: float
    analytic_gradient: list[float]  # P - y
    numeric_gradient: list[float]  # central differences of the loss
    max_abs_error: float


DERIVATION = [
    DerivationStep("Definitions", [
        "P_j = exp(h_j) / S,  with  S = Σ_k exp(h_k)",
        "L = -Σ_j y_j log P_j,  y one-hot: y_j = 1 for the true class, 0 otherwise",
    ]),
    DerivationStep("Step 1: dP_j/dh_i for j = i (quotient rule; dS/dh_i = exp(h_i))", [
        "dP_i/dh_i = (exp(h_i)·S - exp(h_i)·exp(h_i)) / S²",
        "          = exp(h_i)/S · (1 - exp(h_i)/S)",
        "          = P_i (1 - P_i)",
    ]),
    DerivationStep("Step 2: dP_j/dh_i for j ≠ i (exp(h_j) does not depend on h_i)", [
        "dP_j/dh_i = (0·S - exp(h_j)·exp(h_i)) / S²",
        "          = -P_j P_i",
        "Both cases at once: dP_j/dh_i = P_j (δ_ij - P_i)",
    ]),
    DerivationStep("Step 3: the chain rule through log P_j", [
        "dL/dh_i = -Σ_j y_j · (1/P_j) · dP_j/dh_i",
        "        = -Σ_j y_j (δ_ij - P_i)",
        "        = -y_i + P_i Σ_j y_j",
    ]),
    DerivationStep("Step 4: the labels sum to one (Σ_j y_j = 1)", [
        "dL/dh_i = P_i - y_i   for every i in 0..N-1        ∎",
    ]),
]


def softmax(logits: list[float]) -> list[float]:
    """Shifted by the largest logit first, so that exp never overflows."""
    top = max(logits)
    exps = [math.exp(h - top) for h in logits]
    total = sum(exps)
    return [e / total for e in exps]


def cross_entropy(logits: list[float], label: int) -> float:
    top = max(logits)
    return math.log(sum(math.exp(h - top) for h in logits)) + top - logits[label]


def random_logits(classes: int, seed: int) -> tuple[list[float], int]:
    rng = random.Random(seed)
    return [round(rng.gauss(0, 2), 3) for _ in range(classes)], rng.randrange(classes)


def check_gradient(logits: list[float], label: int, h: float = 1e-5) -> SoftmaxCheck:
    """P, the analytic gradient P - y, and central differences of L, side by side."""
    if len(logits) < 2:
        raise InputError(f"--logits: need at least 2 classes, got {len(logits)}")
    if not all(math.isfinite(x) for x in logits):
        raise InputError("--logits: every logit must be a finite number")
    if not 0 <= label < len(logits):
        raise InputError(f"--label: {label} is not a class of {len(logits)} logits (0..{len(logits) - 1})")
    probabilities = softmax(logits)
    analytic = [p - (1.0 if i == label else 0.0) for i, p in enumerate(probabilities)]
    numeric = []
    for i in range(len(logits)):
        up = [x + h if j == i else x for j, x in enumerate(logits)]
        down = [x - h if j == i else x for j, x in enumerate(logits)]
        numeric.append((cross_entropy(up, label) - cross_entropy(down, label)) / (2 * h))
    error = max(abs(a - n) for a, n in zip(analytic, numeric))
    return SoftmaxCheck(logits, label, probabilities, cross_entropy(logits, label), analytic, numeric, error)


def parse_logits(text: str) -> list[float]:
    values = []
    for item in text.split(","):
        try:
            values.append(float(item))
        except ValueError:
            raise InputError(f"--logits: {item.strip()!r} is not a number (write e.g. 2,1,0.1)") from None
    return values
