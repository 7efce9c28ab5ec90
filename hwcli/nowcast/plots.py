"""PNG plots of a training run, written atomically. Matplotlib without a display."""
from __future__ import annotations

from pathlib import Path

from hwcli.files import save_png


def _figure(columns: int):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # a bare Figure: no global pyplot state to leak

    return Figure(figsize=(5 * columns, 4), layout="constrained")


def plot_curves(path: Path, model: str, history) -> None:
    """Training and validation loss, and the learning rate, per epoch."""
    figure = _figure(2)
    loss_axes, lr_axes = figure.subplots(1, 2)
    epochs = [m.epoch for m in history]
    loss_axes.plot(epochs, [m.train_loss for m in history], marker="o", label="train")
    loss_axes.plot(epochs, [m.val_loss for m in history], marker="o", label="validation")
    loss_axes.set(title=f"{model}: MSE per epoch", xlabel="epoch", ylabel="MSE (mm/h)²")
    loss_axes.legend()
    lr_axes.plot(epochs, [m.lr for m in history], marker="o", color="tab:green")
    lr_axes.set(title="learning rate", xlabel="epoch", ylabel="lr", yscale="log")
    from matplotlib.ticker import MaxNLocator

    for axes in (loss_axes, lr_axes):
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    save_png(path, figure)


def plot_predictions(path: Path, model: str, predicted, true) -> None:
    """Predicted against true rainfall on the test split, one dot per (entry, time step)."""
    figure = _figure(1)
    axes = figure.subplots()
    true, predicted = true.reshape(-1).numpy(), predicted.reshape(-1).numpy()
    axes.scatter(true, predicted, s=4, alpha=0.3)
    top = float(max(true.max(), predicted.max(), 1e-3))
    axes.plot([0, top], [0, top], color="grey", linewidth=1, label="perfect")
    axes.set(title=f"{model}: test set", xlabel="true rainfall (mm/h)", ylabel="predicted rainfall (mm/h)")
    axes.legend()
    save_png(path, figure)
