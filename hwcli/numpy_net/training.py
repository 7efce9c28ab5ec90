"""One training run of the numpy net on a dataset, with every setting in one place."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from hwcli.numpy_net.config import Hyperparameters
from hwcli.numpy_net.data import Dataset
from hwcli.numpy_net.net import Step, TwoLayerNet


@dataclass(frozen=True)
class TrainedNet:
    net: TwoLayerNet
    params: Hyperparameters
    history: dict  # TwoLayerNet.train's history
    num_iters: int  # iterations run
    train_acc: float  # of the final net on the whole training split
    val_acc: float
    seconds: float

    @property
    def epochs(self) -> int:
        """Epochs completed."""
        return len(self.history["val_acc_history"])

    @property
    def stopped(self) -> str | None:
        """Why training stopped early, if it did."""
        return self.history["stopped"]


def iterations_per_epoch(num_train: int, batch_size: int) -> int:
    return max(num_train // batch_size, 1)


def train_on(
    dataset: Dataset, params: Hyperparameters, seed: int = 0, on_step: Callable[[Step], None] | None = None
) -> TrainedNet:
    """Seed numpy's global generator, build a net and train it; the test split is not touched.

    Training runs on one BLAS thread: its matrices are small, and on shared cores a second
    thread spends more time waiting for its turn than it saves (8x slower, measured on 2 cores).
    """
    from threadpoolctl import threadpool_limits  # comes with scikit-learn

    np.random.seed(seed)
    train, val = dataset.train, dataset.val
    std = params.init_std if params.init_std is not None else float(np.sqrt(2.0 / dataset.input_size))
    net = TwoLayerNet(dataset.input_size, params.hidden, dataset.num_classes, std=std)
    num_iters = params.iters or params.epochs * iterations_per_epoch(len(train.y), params.batch_size)
    start = time.perf_counter()
    with threadpool_limits(1, user_api="blas"):
        history = net.train(
            train.X,
            train.y,
            val.X,
            val.y,
            learning_rate=params.learning_rate,
            learning_rate_decay=params.learning_rate_decay,
            reg=params.reg,
            num_iters=num_iters,
            batch_size=params.batch_size,
            momentum=params.momentum,
            on_step=on_step,
        )
    seconds = time.perf_counter() - start
    return TrainedNet(
        net=net,
        params=params,
        history=history,
        num_iters=len(history["loss_history"]),
        train_acc=net.accuracy(train.X, train.y),
        val_acc=net.accuracy(val.X, val.y),
        seconds=seconds,
    )
