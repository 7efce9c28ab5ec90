"""T1: the homework's simplified residual connection, as a scalar program."""
from __future__ import annotations

from hwcli.basics.program import GradResult, gradients

T1_PROGRAM = "x1 = relu(x0*w0 + b0); y1 = x1*w1 + b1; z = relu(y1 + x0)"
T1_DEFAULTS = {"x0": 1.0, "w0": 0.5, "w1": -0.2, "b0": 0.1, "b1": 0.15}
T1_OTHER_YEAR = {**T1_DEFAULTS, "w0": 0.3, "b1": -0.3}  # another year of the course


def residual_pass(**values: float) -> GradResult:
    """The T1 forward pass and gradients; keyword arguments override the homework's values."""
    unknown = set(values) - set(T1_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown T1 values: {sorted(unknown)}")
    return gradients(T1_PROGRAM, {**T1_DEFAULTS, **values})
