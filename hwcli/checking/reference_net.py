"""The two-layer net's numbers, computed independently of any implementation under test.

`hw4 check-net` grades a student's `TwoLayerNet` against these, and against the common
mistakes built from the same pieces, so the check stands on its own (it does not trust
`hwcli.numpy_net` any more than the student's file).
"""
from __future__ import annotations

import numpy as np

PARAM_NAMES = ("W1", "b1", "W2", "b2")
WEIGHTS = ("W1", "W2")  # the regularised parameters


def hidden_and_scores(params: dict, X: np.ndarray, relu: bool = True) -> tuple[np.ndarray, np.ndarray]:
    pre = X @ params["W1"] + params["b1"]
    hidden = np.maximum(pre, 0) if relu else pre
    return hidden, hidden @ params["W2"] + params["b2"]


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def data_loss_and_grads(params: dict, X: np.ndarray, y: np.ndarray) -> tuple[float, dict]:
    """Softmax cross-entropy averaged over the batch, and its gradients, without regularisation."""
    hidden, scores = hidden_and_scores(params, X)
    probs = softmax(scores)
    rows = np.arange(len(y))
    loss = float(-np.mean(np.log(probs[rows, y])))
    dscores = probs
    dscores[rows, y] -= 1
    dscores /= len(y)
    dhidden = (dscores @ params["W2"].T) * (hidden > 0)
    grads = {
        "W1": X.T @ dhidden,
        "b1": dhidden.sum(axis=0),
        "W2": hidden.T @ dscores,
        "b2": dscores.sum(axis=0),
    }
    return loss, grads


def sum_of_squares(params: dict) -> float:
    return float(sum(np.sum(params[name] ** 2) for name in WEIGHTS))


def loss(params: dict, X: np.ndarray, y: np.ndarray, reg: float) -> float:
    """The course's loss: data loss + 0.5 * reg * (sum W1^2 + sum W2^2)."""
    return data_loss_and_grads(params, X, y)[0] + 0.5 * reg * sum_of_squares(params)


def grads(params: dict, X: np.ndarray, y: np.ndarray, reg: float) -> dict:
    data_grads = data_loss_and_grads(params, X, y)[1]
    return {name: g + reg * params[name] if name in WEIGHTS else g for name, g in data_grads.items()}


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """The course's measure: max |a - b| / max(1e-8, |a| + |b|)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)), initial=0.0))
