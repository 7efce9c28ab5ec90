"""The course's numerical gradient check, and the same check run on a small net."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from hwcli.numpy_net.net import PARAM_NAMES, TwoLayerNet

TOLERANCE = 1e-8  # the course's bar for a correct backward pass


def eval_numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5, *, verbose: bool = False
) -> np.ndarray:
    """Central differences of f at x, one entry of x at a time (x is changed, then restored).

    `verbose=True` prints each entry's gradient, as the course's version does by default.
    """
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        f_plus = f(x)
        x[ix] = old - h
        f_minus = f(x)
        x[ix] = old
        grad[ix] = (f_plus - f_minus) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def rel_error(x, y) -> float:
    """The largest relative difference between two arrays, safe where both are near zero."""
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


@dataclass(frozen=True)
class ParamCheck:
    name: str
    shape: tuple[int, ...]
    rel_error: float
    passed: bool


@dataclass(frozen=True)
class GradientCheck:
    """Analytic against numerical gradients of every parameter of a small net."""

    input_size: int
    hidden_size: int
    num_classes: int
    num_inputs: int
    reg: float
    tolerance: float
    params: list[ParamCheck]

    @property
    def passed(self) -> bool:
        return all(p.passed for p in self.params)


def check_gradients(
    input_size: int = 4, hidden_size: int = 10, num_classes: int = 3, num_inputs: int = 5, reg: float = 0.05, seed: int = 0
) -> GradientCheck:
    """The course's toy check: a small net with random data, and both gradients of each parameter."""
    np.random.seed(seed)
    net = TwoLayerNet(input_size, hidden_size, num_classes, std=1e-1)
    X = 10 * np.random.randn(num_inputs, input_size)
    y = np.random.randint(num_classes, size=num_inputs)
    _, grads = net.loss(X, y, reg=reg)

    def loss_at(_):  # eval_numerical_gradient nudges the parameter in place
        return net.loss(X, y, reg=reg)[0]

    checks = []
    for name in PARAM_NAMES:
        numerical = eval_numerical_gradient(loss_at, net.params[name])
        error = rel_error(numerical, grads[name])
        checks.append(ParamCheck(name, net.params[name].shape, error, error < TOLERANCE))
    return GradientCheck(input_size, hidden_size, num_classes, num_inputs, reg, TOLERANCE, checks)
