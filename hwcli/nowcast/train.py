"""Train the nowcasting models: one loop (`train_model`), checkpoints you can resume.

Batches are slices of tensors built once and kept in memory (on the GPU when they fit), never
per-sample `Dataset.__getitem__` calls. Every file is written atomically; the checkpoint with the
best validation loss is `best.pt`, the state to resume from is `last.pt`.
"""
from __future__ import annotations

import csv
import io
import math
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from hwcli.errors import InputError
from hwcli.files import atomic_write, make_out_dir, write_text
from hwcli.nowcast.config import TrainConfig, custom_lr
from hwcli.nowcast.data import Normalisation, NowcastData, baseline_mse, fit_normalisation, majority_value
from hwcli.nowcast.models import build_model, count_params, model_inputs

EVAL_BATCH = 8192


@dataclass(frozen=True)
class EpochMetrics:
    epoch: int  # 1-based
    train_loss: float
    val_loss: float
    lr: float
    seconds: float  # training time of the epoch, validation excluded
    samples_per_sec: float


@dataclass(frozen=True)
class ModelResult:
    model: str
    params: int
    train_mse: float
    val_mse: float
    test_mse: float
    best_epoch: int
    samples_per_sec: float  # training samples (the model's rows) per second of training
    epochs: int
    out_dir: str | None


@dataclass(frozen=True)
class Baseline:
    """Always predicting the training labels' majority value, on the same targets."""

    majority_value: float
    train_mse: float
    val_mse: float
    test_mse: float


@dataclass(frozen=True)
class NowcastReport:
    models: list[ModelResult]
    baseline: Baseline
    data: str
    synthetic: bool
    device: str
    amp: bool


@dataclass(frozen=True)
class Run:
    """Where and how to train, as opposed to what (TrainConfig): results do not depend on it,
    bar bf16 rounding under `amp`."""

    device: torch.device = torch.device("cpu")
    amp: bool = False  # bf16 autocast
    out_dir: Path | None = None  # checkpoints, metrics.csv and plots; none kept when None
    resume: bool = False  # continue from out_dir/last.pt


class TrainingInterrupted(Exception):
    """Ctrl-C during training: what was kept, for the message."""

    def __init__(self, model: str, epochs_done: int, best_epoch: int, out_dir: Path | None):
        super().__init__(f"{model}: interrupted after {epochs_done} epochs")
        self.model, self.epochs_done, self.best_epoch, self.out_dir = model, epochs_done, best_epoch, out_dir


class Observer:
    """Hooks for a progress display; the defaults do nothing."""

    def model_started(self, model: str, params: int, epochs_done: int, epochs: int) -> None: ...

    def batch_done(self, done: int, total: int) -> None: ...

    def epoch_done(self, model: str, metrics: EpochMetrics, epochs: int) -> None: ...


def resolve_device(name: str) -> torch.device:
    """`auto`: cuda when available. Asking for cuda without it is a user error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError(f"--device cuda: CUDA is not available to this torch ({torch.__version__}); use --device cpu")
    if name not in ("cpu", "cuda"):
        raise InputError(f"--device {name}: expected auto, cpu or cuda")
    return torch.device(name)


def place(tensors: list[torch.Tensor], device: torch.device) -> list[torch.Tensor]:
    """On cuda, everything on the GPU when it fits in half the free memory; otherwise pinned host
    memory, copied batch by batch without blocking. On the CPU, as they are."""
    if device.type != "cuda":
        return tensors
    free, _ = torch.cuda.mem_get_info(device)
    if sum(t.numel() * t.element_size() for t in tensors) < free // 2:
        return [t.to(device) for t in tensors]
    return [t.pin_memory() for t in tensors]


def train_batches(x: torch.Tensor, y: torch.Tensor, batch_size: int, device: torch.device) -> Iterator:
    """Shuffled minibatches as slices of tensors already in memory. The order comes from the CPU
    random generator, so it is the same on every device and is saved in checkpoints."""
    order = torch.randperm(len(x))
    if x.device.type == device.type:  # on the CPU, or resident on the GPU
        order = order.to(device)
        for start in range(0, len(x), batch_size):
            rows = order[start : start + batch_size]
            yield x.index_select(0, rows), y.index_select(0, rows)  # 4x faster than x[rows] on the CPU
    else:  # pinned host memory: gather one shuffled pinned copy per epoch, then contiguous slices
        x = torch.index_select(x, 0, order, out=torch.empty_like(x, pin_memory=True))
        y = torch.index_select(y, 0, order, out=torch.empty_like(y, pin_memory=True))
        for start in range(0, len(x), batch_size):
            end = start + batch_size
            yield x[start:end].to(device, non_blocking=True), y[start:end].to(device, non_blocking=True)


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, device: torch.device, amp: bool = False) -> torch.Tensor:
    """The model's predictions for every row of `x`, as float32 on the CPU."""
    model.eval()
    outputs = []
    for start in range(0, len(x), EVAL_BATCH):
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            outputs.append(model(x[start : start + EVAL_BATCH].to(device, non_blocking=True)).float())
    return torch.cat(outputs).cpu()


def mse(predictions: torch.Tensor, targets: torch.Tensor) -> float:
    """Mean squared error per (entry, time step), summed in float64."""
    return float(((predictions.double() - targets.cpu().double()) ** 2).mean())


def train_epoch(model, optimizer, x, y, config: TrainConfig, device, amp: bool, observer: Observer) -> tuple[float, float]:
    """One pass over the training rows: (mean training loss, seconds)."""
    model.train()
    loss_sum = torch.zeros((), device=device)
    n_batches = math.ceil(len(x) / config.batch_size)
    start = time.perf_counter()
    for done, (xb, yb) in enumerate(train_batches(x, y, config.batch_size, device), 1):
        if config.noise:
            noise = torch.randn_like(xb) * config.noise
            if model.uses_previous_rain:
                noise[..., -1] = 0  # augment what the satellite saw, not the rain gauge
            xb = xb + noise
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            predictions = model(xb)
        loss = F.mse_loss(predictions.float(), yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss_sum += loss.detach() * len(xb)
        observer.batch_done(done, n_batches)
    loss_mean = loss_sum.item() / len(x)  # .item() waits for the device: the timing is honest
    return loss_mean, time.perf_counter() - start


def save_checkpoint(path: Path, checkpoint: dict) -> None:
    with atomic_write(path) as f:
        torch.save(checkpoint, f)


def _load_failure(error: Exception) -> str:
    """The first sentence of torch's reason, without its boilerplate (which suggests
    `weights_only=False`: the one thing not to do with a file of unknown origin)."""
    boilerplate = ("Weights only load failed", "Please file an issue", "Check the documentation")
    lines = [line.removeprefix("WeightsUnpickler error:").strip() for line in str(error).splitlines()]
    reasons = [line for line in lines if line and not line.startswith(boilerplate)]
    return reasons[0].split(". ")[0] if reasons else type(error).__name__


def load_checkpoint(path: Path) -> dict:
    """A checkpoint read with `weights_only=True`: tensors and plain data, never code."""
    if not path.is_file():
        raise InputError(f"--resume: {path}: no checkpoint to resume from")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise InputError(f"{path}: not a readable checkpoint ({_load_failure(e)})") from None
    expected = {"model", "optimizer", "scheduler", "epoch", "config", "history", "rng"}
    if not isinstance(checkpoint, dict) or not expected <= set(checkpoint):
        raise InputError(f"{path}: not an hw4 train-nowcast checkpoint")
    return checkpoint


def check_same_config(path: Path, saved: dict, config: TrainConfig) -> None:
    differ = [f.name for f in fields(config) if f.name != "epochs" and saved.get(f.name) != getattr(config, f.name)]
    if differ:
        was = ", ".join(f"--{name.replace('_', '-')} {saved.get(name)}" for name in differ if name != "data")
        if "data" in differ:
            was = ", ".join(filter(None, [was, f"data {saved.get('data')}"]))
        raise InputError(f"--resume: {path} was trained with {was}; repeat its options (only --epochs may change)")


def write_metrics_csv(path: Path, history: list[EpochMetrics]) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([f.name for f in fields(EpochMetrics)])
    writer.writerows([getattr(m, f.name) for f in fields(EpochMetrics)] for m in history)
    write_text(path, text.getvalue())


@dataclass
class Prepared:
    """Normalised inputs of the three splits and the statistics that made them."""

    norm: Normalisation
    features: dict[str, np.ndarray] = field(default_factory=dict)
    labels: dict[str, np.ndarray] = field(default_factory=dict)


def prepare(data: NowcastData) -> Prepared:
    norm = fit_normalisation(data.train)
    prepared = Prepared(norm)
    for split in data.splits:
        prepared.features[split.name] = norm.features(split.features)
        prepared.labels[split.name] = split.labels
    return prepared


def restore(out_dir: Path, config: TrainConfig, model, optimizer, scheduler, device: torch.device):
    """Put a stopped run back as `last.pt` left it: (history, best validation loss, best epoch,
    best weights). Random state included, so the run goes on exactly as if never stopped."""
    checkpoint = load_checkpoint(out_dir / "last.pt")
    check_same_config(out_dir / "last.pt", checkpoint["config"], config)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    if scheduler is not None:
        scheduler.load_state_dict(checkpoint["scheduler"])
    torch.set_rng_state(checkpoint["rng"])
    if device.type == "cuda" and checkpoint.get("cuda_rng") is not None:
        torch.cuda.set_rng_state(checkpoint["cuda_rng"], device)
    history = [EpochMetrics(**m) for m in checkpoint["history"]]
    best_state = load_checkpoint(out_dir / "best.pt")["model"]
    return history, checkpoint["best_val_loss"], checkpoint["best_epoch"], best_state


def train_model(
    prepared: Prepared, config: TrainConfig, run: Run = Run(), observer: Observer = Observer()
) -> ModelResult:
    """Train one model, keep its best validation checkpoint, evaluate the test split once with it."""
    device, amp, out_dir = run.device, run.amp, run.out_dir
    if out_dir is not None:
        make_out_dir(out_dir)
    torch.manual_seed(config.seed)
    model = build_model(config.model).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, fused=device.type == "cuda")
    scheduler = None
    if config.scheduler == "plateau":
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, factor=config.plateau_factor, patience=config.plateau_patience, min_lr=config.min_lr
        )
    inputs = {
        name: place(list(model_inputs(model, prepared.features[name], prepared.labels[name], prepared.norm)), device)
        for name in ("train", "validation", "test")
    }
    (x_train, y_train), (x_val, y_val) = inputs["train"], inputs["validation"]

    history: list[EpochMetrics] = []
    best_val, best_epoch, best_state = math.inf, 0, None
    if run.resume:
        history, best_val, best_epoch, best_state = restore(out_dir, config, model, optimizer, scheduler, device)

    observer.model_started(config.model, count_params(model), len(history), config.epochs)
    try:
        for epoch in range(len(history), config.epochs):
            if config.scheduler == "custom":
                for group in optimizer.param_groups:
                    group["lr"] = custom_lr(epoch, config)
            lr = optimizer.param_groups[0]["lr"]
            train_loss, seconds = train_epoch(model, optimizer, x_train, y_train, config, device, amp, observer)
            val_loss = mse(predict(model, x_val, device, amp), y_val)
            if scheduler is not None:
                scheduler.step(val_loss)
            metrics = EpochMetrics(epoch + 1, train_loss, val_loss, lr, seconds, len(x_train) / seconds)
            history.append(metrics)
            if val_loss < best_val:
                best_val, best_epoch = val_loss, epoch + 1
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            if out_dir is not None:
                checkpoint = {
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict() if scheduler is not None else None,
                    "epoch": epoch + 1,
                    "best_val_loss": best_val,
                    "best_epoch": best_epoch,
                    "history": [asdict(m) for m in history],
                    "normalisation": asdict(prepared.norm),
                    "config": asdict(config),
                    "rng": torch.get_rng_state(),
                    "cuda_rng": torch.cuda.get_rng_state(device) if device.type == "cuda" else None,
                }
                if best_epoch == epoch + 1:
                    save_checkpoint(out_dir / "best.pt", checkpoint)
                save_checkpoint(out_dir / "last.pt", checkpoint)
                write_metrics_csv(out_dir / "metrics.csv", history)
            observer.epoch_done(config.model, metrics, config.epochs)
    except KeyboardInterrupt:
        raise TrainingInterrupted(config.model, len(history), best_epoch, out_dir) from None

    if best_state is not None:
        model.load_state_dict(best_state)
    predictions = {name: predict(model, x, device, amp) for name, (x, _) in inputs.items()}
    targets = {name: y for name, (_, y) in inputs.items()}
    if out_dir is not None and history:
        from hwcli.nowcast.plots import plot_curves, plot_predictions

        plot_curves(out_dir / "curves.png", config.model, history)
        plot_predictions(out_dir / "test-predictions.png", config.model, predictions["test"], targets["test"].cpu())
    trained = [m for m in history if m.seconds > 0]
    return ModelResult(
        model=config.model,
        params=count_params(model),
        train_mse=mse(predictions["train"], targets["train"]),
        val_mse=mse(predictions["validation"], targets["validation"]),
        test_mse=mse(predictions["test"], targets["test"]),
        best_epoch=best_epoch,
        samples_per_sec=len(x_train) * len(trained) / sum(m.seconds for m in trained) if trained else 0.0,
        epochs=len(history),
        out_dir=str(out_dir) if out_dir is not None else None,
    )


def baseline(data: NowcastData) -> Baseline:
    majority = majority_value(data.train.labels)
    return Baseline(majority, *(baseline_mse(split.labels, majority) for split in data.splits))


def train_models(
    data: NowcastData,
    models: Sequence[str],
    config: TrainConfig,
    run: Run = Run(),
    observer: Observer = Observer(),
) -> NowcastReport:
    """Train each model in turn on the same normalised data; each one's files under OUT/<model>/."""
    if run.device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.set_float32_matmul_precision("high")  # TF32 matmuls where the GPU has them
    if run.out_dir is not None:
        make_out_dir(run.out_dir)
    prepared = prepare(data)
    results = []
    for name in models:
        model_config = replace(config, model=name)
        model_dir = run.out_dir / name if run.out_dir is not None else None
        results.append(train_model(prepared, model_config, replace(run, out_dir=model_dir), observer))
    return NowcastReport(results, baseline(data), data.describe(), data.synthetic, str(run.device), run.amp)
