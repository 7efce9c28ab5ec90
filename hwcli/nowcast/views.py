"""What `hw4 nowcast-data` and `hw4 train-nowcast` show people: a progress bar per epoch and
result tables. With --json the progress goes to stderr and only the JSON reaches stdout."""
from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hwcli import render
from hwcli.nowcast.train import EpochMetrics, NowcastReport, Observer, TrainingInterrupted

SYNTHETIC_NOTE = "synthetic data made up by hw4 nowcast-data, not the course's (non-public) data"


class TrainingProgress(Observer):
    """A live bar for the current epoch; each finished epoch stays as one line above it."""

    def __init__(self, console: Console):
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=True,
        )
        self.task = None

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def model_started(self, model: str, params: int, epochs_done: int, epochs: int) -> None:
        resumed = f", resuming after epoch {epochs_done}" if epochs_done else ""
        self.progress.console.print(f"[bold]{model}[/]: {params:,} parameters, {epochs} epochs{resumed}")
        self.model, self.epoch, self.epochs = model, epochs_done + 1, epochs
        self._new_task()

    def _new_task(self) -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.task = self.progress.add_task(f"{self.model} epoch {self.epoch}/{self.epochs}", total=None)

    def batch_done(self, done: int, total: int) -> None:
        self.progress.update(self.task, completed=done, total=total)

    def epoch_done(self, model: str, metrics: EpochMetrics, epochs: int) -> None:
        self.progress.console.print(
            f"  epoch {metrics.epoch:>{len(str(epochs))}}/{epochs}  loss {metrics.train_loss:<8.4g} "
            f"val {metrics.val_loss:<8.4g} lr {metrics.lr:<7.2g} {metrics.seconds:.1f}s  "
            f"{metrics.samples_per_sec:,.0f} samples/s"
        )
        self.epoch = metrics.epoch + 1
        self._new_task()


def interrupted_line(stop: TrainingInterrupted) -> str:
    """What Ctrl-C left behind, and how to go on."""
    kept = ""
    if stop.out_dir is not None and stop.best_epoch:
        kept = (f"; kept {stop.out_dir / 'best.pt'} (epoch {stop.best_epoch}) and metrics.csv;"
                " run the same command with --resume to continue")
    return f"interrupted: {stop.model} after {stop.epochs_done} epochs{kept}"


def results_table(report: NowcastReport) -> Table:
    rows = [
        (r.model, r.params, r.train_mse, r.val_mse, r.test_mse, r.best_epoch, round(r.samples_per_sec))
        for r in report.models
    ]
    b = report.baseline
    rows.append(("baseline", "", b.train_mse, b.val_mse, b.test_mse, "", ""))
    caption = (f"MSE per (entry, time step), (mm/h)²; the baseline always predicts {render.fmt(b.majority_value)},"
               f" the training labels' majority value.\nData: {report.data}.")
    if report.synthetic:
        caption += f"\n{SYNTHETIC_NOTE}."
    caption += f"\nDevice {report.device}{', bf16 autocast' if report.amp else ''}; samples/s: training rows per second."
    right = "right"
    columns = ["model", ("params", right), ("train MSE", right), ("val MSE", right), ("test MSE", right),
               ("best epoch", right), ("samples/s", right)]
    return render.table("Rain nowcasting", columns, rows, caption)


def dataset_table(written, out_dir) -> Table:
    rows = [
        (w.month, w.features_file.name, w.labels_file.name, w.entries, f"{w.rain_fraction_zero:.0%}",
         w.rain_mean, w.rain_max)
        for w in written
    ]
    columns = [("month", "right"), "features", "labels", ("entries", "right"), ("rain = 0", "right"),
               ("mean mm/h", "right"), ("max mm/h", "right")]
    return render.table(f"Synthetic nowcasting data in {out_dir}", columns, rows, f"{SYNTHETIC_NOTE}.")
