"""The course's two-layer classifier, input -> FC -> ReLU -> FC -> softmax, in plain numpy.

The interface (constructor, `loss`, `train`, `predict`, the order in which the weights are drawn
from numpy's global generator) is the course's own, so that `np.random.seed` reproduces its runs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

PARAM_NAMES = ("W1", "b1", "W2", "b2")
DIVERGED = 1e6  # a loss this many times the first one has diverged, even while still finite


@dataclass(frozen=True)
class Step:
    """Where training stands after one iteration, for a progress display."""

    iteration: int  # iterations done, 1 to num_iters
    num_iters: int
    epoch: int  # epochs completed
    loss: float
    learning_rate: float  # the rate the next step will use
    train_acc: float | None  # of the last completed epoch
    val_acc: float | None


class TwoLayerNet:
    """A two-layer fully connected net: scores = ReLU(X W1 + b1) W2 + b2.

    Trained with softmax cross-entropy plus 0.5 * reg * (sum(W1**2) + sum(W2**2)).
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int, std: float = 1e-4):
        self.params = {
            "W1": std * np.random.randn(input_size, hidden_size),
            "b1": np.zeros(hidden_size),
            "W2": std * np.random.randn(hidden_size, output_size),
            "b2": np.zeros(output_size),
        }

    def loss(self, X, y=None, reg: float = 0.0):
        """Class scores (N, C) without `y`; with `y`, the tuple (loss, grads)."""
        if y is None:
            return self._scores(X)
        return self._loss_and_grads(X, y, reg)

    def predict(self, X) -> np.ndarray:
        """The most likely class of each row of X."""
        return self._scores(X).argmax(axis=1)

    def train(
        self,
        X,
        y,
        X_val,
        y_val,
        learning_rate: float = 1e-3,
        learning_rate_decay: float = 0.95,
        reg: float = 5e-6,
        num_iters: int = 100,
        batch_size: int = 200,
        verbose: bool = False,
        momentum: float = 0.0,
        on_step: Callable[[Step], None] | None = None,
    ) -> dict:
        """Minibatch SGD (with momentum if asked), the learning rate decayed once per epoch.

        Each step calls `self.loss`, as the course's loop does (so a subclass, or `hw4 check-net`,
        sees every step). Returns the course's history dict: `loss_history` (every iteration),
        `train_acc_history` (on the epoch's last batch, as the course measures it) and
        `val_acc_history` (at each epoch's end),
        plus `learning_rate_history` (per epoch) and `stopped`: None, or why training stopped early.
        A loss that turns NaN or infinite, or grows DIVERGED-fold, stops training and puts back the
        weights of the epoch with the best validation accuracy so far (the initial weights before
        the first epoch ends).
        """
        num_train = X.shape[0]
        iterations_per_epoch = max(num_train // batch_size, 1)
        velocity = {name: np.zeros_like(p) for name, p in self.params.items()}
        best_val_acc, best_params = -1.0, self._copy_params()
        loss_history: list[float] = []
        train_acc_history: list[float] = []
        val_acc_history: list[float] = []
        learning_rate_history: list[float] = []
        stopped = None
        batches = _minibatches(num_train, batch_size)

        for it in range(num_iters):
            batch = next(batches)
            X_batch, y_batch = X[batch], y[batch]
            with np.errstate(over="ignore", invalid="ignore"):  # checked just below
                loss, grads = self.loss(X_batch, y_batch, reg=reg)
            if not np.isfinite(loss) or (loss_history and loss > DIVERGED * loss_history[0]):
                first = f", from {loss_history[0]:.3g} at the first" if loss_history else ""
                stopped = (f"the loss became {loss:.3g} at iteration {it + 1} of {num_iters}{first} "
                           f"(learning rate {learning_rate:.3g}): the steps are too large")
                self.params = best_params
                break
            loss_history.append(float(loss))

            for name, param in self.params.items():
                step = grads[name]
                step *= learning_rate  # the gradients are scratch now: scale them in place
                if momentum:
                    velocity[name] *= momentum
                    velocity[name] -= step
                    param += velocity[name]
                else:
                    param -= step

            if (it + 1) % iterations_per_epoch == 0:
                train_acc_history.append(self.accuracy(X_batch, y_batch))
                val_acc_history.append(self.accuracy(X_val, y_val))
                learning_rate_history.append(learning_rate)
                if val_acc_history[-1] > best_val_acc:
                    best_val_acc, best_params = val_acc_history[-1], self._copy_params()
                learning_rate *= learning_rate_decay

            if verbose and it % 100 == 0:
                print(f"iteration {it} / {num_iters}: loss {loss:f}")  # the course's opt-in log
            if on_step is not None:
                on_step(
                    Step(
                        iteration=it + 1,
                        num_iters=num_iters,
                        epoch=len(val_acc_history),
                        loss=float(loss),
                        learning_rate=learning_rate,
                        train_acc=train_acc_history[-1] if train_acc_history else None,
                        val_acc=val_acc_history[-1] if val_acc_history else None,
                    )
                )

        return {
            "loss_history": loss_history,
            "train_acc_history": train_acc_history,
            "val_acc_history": val_acc_history,
            "learning_rate_history": learning_rate_history,
            "stopped": stopped,
        }

    def accuracy(self, X, y) -> float:
        """The fraction of rows of X whose predicted class is y."""
        return float(np.mean(self.predict(X) == y))

    def _scores(self, X) -> np.ndarray:
        p = self.params
        hidden = X @ p["W1"]
        hidden += p["b1"]
        np.maximum(hidden, 0, out=hidden)
        scores = hidden @ p["W2"]
        scores += p["b2"]
        return scores

    def _loss_and_grads(self, X, y, reg):
        """One forward and backward pass."""
        W1, b1, W2, b2 = (self.params[name] for name in PARAM_NAMES)
        n = X.shape[0]
        rows = np.arange(n)

        hidden = X @ W1
        hidden += b1
        np.maximum(hidden, 0, out=hidden)
        scores = hidden @ W2
        scores += b2

        # Softmax cross-entropy on scores shifted by their row maximum, so exp cannot overflow.
        shifted = scores - scores.max(axis=1, keepdims=True)
        exp_shifted = np.exp(shifted)
        sum_exp = exp_shifted.sum(axis=1)
        data_loss = np.mean(np.log(sum_exp) - shifted[rows, y])
        loss = data_loss + 0.5 * reg * (np.vdot(W1, W1) + np.vdot(W2, W2))

        dscores = exp_shifted
        dscores /= sum_exp[:, None]  # the softmax probabilities
        dscores[rows, y] -= 1.0
        dscores /= n
        dhidden = dscores @ W2.T
        dhidden *= hidden > 0  # ReLU passes gradient only where it was active
        grads = {
            "W1": X.T @ dhidden,
            "b1": dhidden.sum(axis=0),
            "W2": hidden.T @ dscores,
            "b2": dscores.sum(axis=0),
        }
        if reg:
            grads["W1"] += reg * W1
            grads["W2"] += reg * W2
        return loss, grads

    def _copy_params(self) -> dict[str, np.ndarray]:
        return {name: p.copy() for name, p in self.params.items()}


def _minibatches(num_train: int, batch_size: int) -> Iterator[np.ndarray]:
    """Endless random minibatch indices: a fresh shuffle each epoch, each sample at most once in it.

    When the batch is larger than the data, each batch is drawn with replacement instead.
    """
    if batch_size > num_train:
        while True:
            yield np.random.choice(num_train, batch_size)
    while True:
        order = np.random.permutation(num_train)
        for start in range(0, num_train - batch_size + 1, batch_size):
            yield order[start : start + batch_size]
