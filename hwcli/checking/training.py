"""`hw4 report --train`: the trainers' results as report sections, their plots beside the report.

The trainers are issue 3's and issue 4's; this only runs them on their defaults (or on the
data folders given) and writes what they return as Markdown.
"""
from __future__ import annotations

from pathlib import Path

from hwcli.checking.report import TrainingSection, markdown_table


def numpy_section(folder: Path, mnist_dir: Path | None = None, seed: int = 0) -> TrainingSection:
    """Part 2: the numpy net at `hw4 train-numpy`'s defaults, on the digits or on MNIST."""
    from hwcli.numpy_net.config import DEFAULTS
    from hwcli.numpy_net.data import load_dataset
    from hwcli.numpy_net.outputs import make_out_dir, write_outputs
    from hwcli.numpy_net.training import train_on
    from hwcli.numpy_net.views import summary

    out = make_out_dir(folder / "numpy")
    data = load_dataset("digits" if mnist_dir is None else "mnist", mnist_dir, seed=seed)
    trained = train_on(data, DEFAULTS, seed=seed)
    test_acc = trained.net.accuracy(data.test.X, data.test.y)  # once, at the end
    files = write_outputs(out, trained, data)
    results = summary(data, trained, test_acc, seed, files)
    p = trained.params
    text = "\n\n".join([
        f"Data: {data.source}; {len(data.train.y):,} training, {len(data.val.y):,} validation and "
        f"{len(data.test.y):,} test images. The net: {data.input_size} inputs, {p.hidden} hidden ReLU units, "
        f"{data.num_classes} classes; SGD with momentum {p.momentum:g}, learning rate {p.learning_rate:g} "
        f"decayed by {p.learning_rate_decay:g} per epoch, reg {p.reg:g}, batch {p.batch_size}, "
        f"{trained.epochs} epochs in {trained.seconds:.1f} s.",
        markdown_table(["split", "accuracy"], [["train", f"{trained.train_acc:.2%}"], ["validation", f"{trained.val_acc:.2%}"],
                                       ["test", f"{test_acc:.2%}"]], "lr"),
        *([f"Training stopped early: {trained.stopped}."] if trained.stopped else []),
    ])
    plots = [f for f in files if f.suffix == ".png"]
    return TrainingSection("Part 2: the numpy net (`hw4 train-numpy`)", text, results, plots)
