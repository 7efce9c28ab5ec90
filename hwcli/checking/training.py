"""`hw4 report --train`: the trainers' results as report sections, their plots beside the report.

The trainers are issue 3's and issue 4's; this only runs them on their defaults (or on the
data folders given) and writes what they return as Markdown.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hwcli.checking.report import TrainingSection, markdown_table
from hwcli.nowcast import DEFAULT_SAMPLES_PER_MONTH, DEFAULT_SEED, MODEL_NAMES  # constants only


def numpy_section(folder: Path, mnist_dir: Path | None = None, seed: int = 0) -> TrainingSection:
    """Part 2: the numpy net at `hw4 train-numpy`'s defaults, on the digits or on MNIST."""
    from hwcli.files import make_out_dir
    from hwcli.numpy_net.config import DEFAULTS
    from hwcli.numpy_net.data import find_idx, load_dataset
    from hwcli.numpy_net.outputs import write_outputs
    from hwcli.numpy_net.training import train_on
    from hwcli.numpy_net.views import summary

    out = make_out_dir(folder / "numpy")
    # A folder with MNIST's test pair alone (as the course hands out, and ../shared/data has) is
    # carved into all three splits; the report's data line says so.
    only_test_files = mnist_dir is not None and find_idx(mnist_dir, "train-images-idx3-ubyte") is None
    data = load_dataset("digits" if mnist_dir is None else "mnist", mnist_dir, seed=seed,
                        only_test_files=only_test_files)
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


def nowcast_section(folder: Path, data_dir: Path | None = None, observer=None, models: tuple[str, ...] = MODEL_NAMES,
                    epochs: int | None = None, samples_per_month: int = DEFAULT_SAMPLES_PER_MONTH) -> TrainingSection:
    """Part 3: the nowcasting models at `hw4 train-nowcast`'s defaults, on synthetic data unless
    the course's files are given; each model's curves and predictions beside the report."""
    from hwcli.nowcast.config import TrainConfig
    from hwcli.nowcast.data import load_data
    from hwcli.nowcast.synthetic import make_data
    from hwcli.nowcast.train import Observer, Run, resolve_device, train_models
    from hwcli.nowcast.views import SYNTHETIC_NOTE

    data = make_data(samples_per_month, DEFAULT_SEED) if data_dir is None else load_data(data_dir)
    out = folder / "nowcast"
    config = TrainConfig(data=data.describe())
    if epochs is not None:
        config = replace(config, epochs=epochs)
    report = train_models(data, list(models), config, Run(device=resolve_device("auto"), out_dir=out),
                          observer or Observer())
    b = report.baseline
    rows = [[r.model, f"{r.params:,}", f"{r.train_mse:.4g}", f"{r.val_mse:.4g}", f"{r.test_mse:.4g}",
             str(r.best_epoch), f"{r.samples_per_sec:,.0f}"] for r in report.models]
    rows.append([f"baseline (always {b.majority_value:g})", "", f"{b.train_mse:.4g}", f"{b.val_mse:.4g}",
                 f"{b.test_mse:.4g}", "", ""])
    best = min(report.models, key=lambda r: r.val_mse)
    text = "\n\n".join([
        f"Data: {report.data}." + (f" **{SYNTHETIC_NOTE}.**" if report.synthetic else ""),
        f"Each model trained for {config.epochs} epochs with Adam (learning rate {config.lr:g}, batch "
        f"{config.batch_size}, scheduler {config.scheduler}) on {report.device}, keeping the epoch with the best "
        "validation loss; MSE per (entry, time step) in (mm/h)².",
        markdown_table(["model", "params", "train MSE", "val MSE", "test MSE", "best epoch", "samples/s"],
                       rows, "lrrrrrr"),
        f"Lowest validation MSE: {best.model} ({best.val_mse:.4g}; test {best.test_mse:.4g}, "
        f"against {b.test_mse:.4g} for the baseline).",
    ])
    plots = [plot for model in models for plot in sorted((out / model).glob("*.png"))]
    return TrainingSection("Part 3: rain nowcasting (`hw4 train-nowcast`)", text, report, plots)
