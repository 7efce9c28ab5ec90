"""What a training run leaves under --out: weights, per-epoch metrics, and the course's plots.

Each file is written to a temporary file beside it and then renamed over it, so that an
interrupted run never leaves a half-written file behind.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import IO

import numpy as np

from hwcli.files import atomic_write, make_out_dir, save_png
from hwcli.numpy_net.data import Dataset
from hwcli.numpy_net.training import TrainedNet, iterations_per_epoch

WEIGHTS = "weights.npz"
METRICS = "metrics.csv"
LOSS_PLOT = "loss.png"
ACCURACY_PLOT = "accuracy.png"
WEIGHTS_PLOT = "first_layer_weights.png"


def write_outputs(out_dir: Path, trained: TrainedNet, dataset: Dataset) -> list[Path]:
    """Weights (.npz), metrics (.csv) and three PNG plots in out_dir; returns their paths."""
    out_dir = make_out_dir(out_dir)
    paths = [out_dir / name for name in (WEIGHTS, METRICS, LOSS_PLOT, ACCURACY_PLOT, WEIGHTS_PLOT)]
    weights_path, metrics_path, loss_path, accuracy_path, grid_path = paths
    with atomic_write(weights_path) as f:
        np.savez(f, **trained.net.params, mean_image=dataset.mean_image, pixel_scale=dataset.pixel_scale)
    with atomic_write(metrics_path, "w") as f:
        write_metrics_csv(f, trained, len(dataset.train.y))
    save_png(loss_path, loss_figure(trained.history["loss_history"]))
    save_png(accuracy_path, accuracy_figure(trained.history))
    save_png(grid_path, weights_figure(trained.net.params["W1"], dataset.image_shape))
    return paths


def write_metrics_csv(f: IO[str], trained: TrainedNet, num_train: int) -> None:
    """One row per completed epoch: the mean training loss over it, its learning rate, accuracies."""
    history = trained.history
    per_epoch = iterations_per_epoch(num_train, trained.params.batch_size)
    writer = csv.writer(f)
    writer.writerow(["epoch", "iteration", "mean_loss", "learning_rate", "train_acc", "val_acc"])
    for epoch, (lr, train_acc, val_acc) in enumerate(
        zip(history["learning_rate_history"], history["train_acc_history"], history["val_acc_history"]), start=1
    ):
        losses = history["loss_history"][(epoch - 1) * per_epoch : epoch * per_epoch]
        writer.writerow([epoch, epoch * per_epoch, f"{np.mean(losses):.6g}", f"{lr:.6g}", f"{train_acc:.6g}", f"{val_acc:.6g}"])


def loss_figure(loss_history: list[float]):
    fig, ax = _figure(7, 4)
    ax.plot(np.arange(1, len(loss_history) + 1), loss_history, linewidth=0.8)
    ax.set(title="Training loss", xlabel="iteration", ylabel="loss (cross-entropy + L2)")
    ax.grid(alpha=0.3)
    return fig


def accuracy_figure(history: dict):
    fig, ax = _figure(7, 4)
    epochs = np.arange(1, len(history["val_acc_history"]) + 1)
    ax.plot(epochs, history["train_acc_history"], marker=".", label="train (the epoch's last batch)")
    ax.plot(epochs, history["val_acc_history"], marker=".", label="validation")
    ax.set(title="Classification accuracy", xlabel="epoch", ylabel="accuracy")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def weights_figure(W1: np.ndarray, image_shape: tuple[int, int]):
    """Each hidden unit's input weights drawn as an image, in one grid, each scaled to its own range."""
    images = W1.T.reshape(-1, *image_shape)
    low = images.min(axis=(1, 2), keepdims=True)
    high = images.max(axis=(1, 2), keepdims=True)
    images = (images - low) / np.where(high > low, high - low, 1.0)
    columns = math.ceil(math.sqrt(len(images)))
    rows = math.ceil(len(images) / columns)
    h, w = image_shape
    grid = np.ones((rows * (h + 1) + 1, columns * (w + 1) + 1))  # 1-pixel white gutters
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        grid[1 + r * (h + 1) : (r + 1) * (h + 1), 1 + c * (w + 1) : (c + 1) * (w + 1)] = image
    fig, ax = _figure(6, 6 * grid.shape[0] / grid.shape[1] + 0.4)
    ax.imshow(grid, cmap="gray", interpolation="nearest")
    ax.set_title(f"First-layer weights: {len(images)} hidden units")
    ax.axis("off")
    return fig


def _figure(width: float, height: float):
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots()


