"""How `hw4 train-numpy` shows its work: a live progress view, result tables, and the --json summary.

Nothing here trains or computes; it turns the core's dataclasses into Rich renderables and dicts.
"""
from __future__ import annotations

from pathlib import Path

from rich.console import Group
from rich.live import Live
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from hwcli import render
from hwcli.numpy_net.data import Dataset
from hwcli.numpy_net.gradcheck import GradientCheck
from hwcli.numpy_net.net import Step
from hwcli.numpy_net.training import TrainedNet
from hwcli.numpy_net.tuning import Trial, rank


def percent(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.2f}%"


class TrainingDisplay:
    """While training, on a terminal: a progress bar for the run, and under --tune the trials so far.

    It goes to stderr under --json (stdout holds only the JSON), and shows nothing where the
    output is not a terminal. It vanishes when training ends: the result tables replace it.
    """

    def __init__(self, quiet: bool, trials: int | None = None):
        console = render.err_console if quiet else render.console
        self.total_trials = trials  # None: one run, not a search
        self.trials: list[Trial] = []
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            TimeRemainingColumn(),
            console=console,
        )
        self.task = None
        self.live = Live(console=console, transient=True, refresh_per_second=8, get_renderable=self._renderable)
        self.enabled = console.is_terminal

    def __enter__(self):
        if self.enabled:
            self.live.start()
        return self

    def __exit__(self, *exc_info):
        if self.enabled:
            self.live.stop()

    def step(self, s: Step) -> None:
        if not self.enabled:
            return
        if s.iteration == 1:  # a new run
            if self.task is not None:
                self.progress.remove_task(self.task)
            name = f"trial {len(self.trials) + 1}/{self.total_trials}" if self.total_trials else "training"
            self.task = self.progress.add_task(name, total=s.num_iters, stats="")
        stats = f"loss {s.loss:.4f}  lr {s.learning_rate:.3g}  train {percent(s.train_acc)}  val {percent(s.val_acc)}"
        self.progress.update(self.task, completed=s.iteration, stats=stats)

    def trial_done(self, trial: Trial) -> None:
        self.trials.append(trial)

    def _renderable(self):
        if not self.trials:
            return self.progress
        return Group(trials_table(self.trials, title=f"Trials so far ({len(self.trials)})"), self.progress)


def trials_table(trials: list[Trial], title: str):
    rows = [
        [
            t.number,
            t.params.hidden,
            f"{t.params.learning_rate:g}",
            f"{t.params.reg:g}",
            f"{t.params.learning_rate_decay:g}",
            percent(t.train_acc),
            percent(t.val_acc),
            f"{t.seconds:.1f}",
            "diverged" if t.stopped else "",
        ]
        for t in rank(trials)
    ]
    columns = ["trial", ("hidden", "right"), ("lr", "right"), ("reg", "right"), ("lr decay", "right"),
               ("train", "right"), ("val", "right"), ("seconds", "right"), ""]
    return render.table(title, columns, rows, caption="sorted by validation accuracy; trial 1: the given settings")


def gradient_check_table(check: GradientCheck):
    rows = [[p.name, " x ".join(map(str, p.shape)), f"{p.rel_error:.2e}", "✓" if p.passed else "✗ FAILED"]
            for p in check.params]
    return render.table(
        f"Gradient check: a {check.input_size}-{check.hidden_size}-{check.num_classes} net, "
        f"{check.num_inputs} inputs, reg {check.reg:g}",
        ["parameter", "shape", ("relative error", "right"), f"below {check.tolerance:g}"],
        rows,
        caption="analytic gradients (backward pass) against central differences, h = 1e-5",
    )


def result_views(data: Dataset, trained: TrainedNet, test_acc: float, files: list[Path], trials=None) -> list:
    views = []
    if trials is not None:
        views.append(trials_table(trials, title=f"Tuning: {len(trials)} trials, best first"))
    p = trained.params
    shape = f"{data.input_size}-{p.hidden}-{data.num_classes}"
    rows = [
        ["train", len(data.train.y), percent(trained.train_acc)],
        ["validation", len(data.val.y), percent(trained.val_acc)],
        ["test", len(data.test.y), percent(test_acc)],
    ]
    seen = trained.num_iters * p.batch_size
    details = (
        f"lr {p.learning_rate:g} (x{p.learning_rate_decay:g} per epoch), reg {p.reg:g}, momentum {p.momentum:g}, "
        f"batch {p.batch_size}\n{trained.epochs} epochs, {trained.num_iters:,} iterations "
        f"in {trained.seconds:.1f} s ({seen / max(trained.seconds, 1e-9):,.0f} samples/s)"
    )
    views.append(f"[bold]A {shape} net[/] on {escape(data.source)}")
    views.append(render.table(None, ["split", ("samples", "right"), ("accuracy", "right")], rows))
    views.append(f"[dim]{details}[/]")
    if files:
        views.append(escape("wrote " + ", ".join(str(f) for f in files)))
    return views


def summary(data: Dataset, trained: TrainedNet, test_acc: float, seed: int, files: list[Path], trials=None) -> dict:
    """The --json answer."""
    history = trained.history
    result = {
        "train_acc": trained.train_acc,
        "val_acc": trained.val_acc,
        "test_acc": test_acc,
        "epochs": trained.epochs,
        "iterations": trained.num_iters,
        "seconds": trained.seconds,
        "params": trained.params,
        "seed": seed,
        "dataset": {
            "name": data.name,
            "source": data.source,
            "train": len(data.train.y),
            "val": len(data.val.y),
            "test": len(data.test.y),
            "input_size": data.input_size,
            "num_classes": data.num_classes,
        },
        "history": {
            "train_acc": history["train_acc_history"],
            "val_acc": history["val_acc_history"],
            "learning_rate": history["learning_rate_history"],
            "final_loss": history["loss_history"][-1] if history["loss_history"] else None,
        },
        "stopped": trained.stopped,
        "files": [str(f) for f in files],
    }
    if trials is not None:
        result["trials"] = trials
    return result


def divergence_advice(trained: TrainedNet) -> str:
    p = trained.params
    knobs = f"--lr (it was {p.learning_rate:g})" + (f" or --momentum ({p.momentum:g})" if p.momentum else "")
    return (f"training stopped: {trained.stopped}; lower {knobs}. "
            "Kept the weights of the epoch with the best validation accuracy so far")
