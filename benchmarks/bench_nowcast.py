"""Training samples/s of `hw4 train-nowcast` against the course notebook's input pipeline and a bare loop.

    .venv/bin/python benchmarks/bench_nowcast.py [--threads 1] [--device auto] [--samples-per-month 1000]

For ff, cnn and gru, side by side in one run on the same synthetic data and model sizes:
  notebook  a per-item Dataset whose __getitem__ scales one sample with a fitted StandardScaler,
            batched by a DataLoader (batch 1024, shuffled), as the course's notebook does;
  bare      forward/backward/step over slices of tensors already in memory: the limit;
  hw4       the command's own epoch loop (hwcli.nowcast.train.train_epoch).
Targets on the CPU: hw4 >= 20x notebook and >= 0.85x bare. Samples are the model's training rows
((entry, time step) pairs for ff and cnn, 5-step entries for gru). Figures are medians of
alternating rounds; on a shared machine expect +-15% between runs.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.preprocessing import StandardScaler
from torch.utils.data import DataLoader, Dataset

from hwcli.nowcast.config import TrainConfig
from hwcli.nowcast.data import BANDS, STEPS
from hwcli.nowcast.models import build_model, model_inputs
from hwcli.nowcast.synthetic import make_data
from hwcli.nowcast.train import Observer, place, prepare, resolve_device, train_epoch

BATCH = 1024


class NotebookDataset(Dataset):
    """The course notebook's pattern: raw features kept, each item scaled on access."""

    def __init__(self, features: np.ndarray, labels: np.ndarray, scaler: StandardScaler, per_step: bool, layout):
        self.features, self.labels, self.scaler, self.per_step, self.layout = features, labels, scaler, per_step, layout

    def __len__(self) -> int:
        return len(self.features) * (STEPS if self.per_step else 1)

    def __getitem__(self, i: int):
        if self.per_step:
            raw, target = self.features[i // STEPS, i % STEPS], self.labels[i // STEPS, i % STEPS]
        else:
            raw, target = self.features[i], self.labels[i]
        scaled = self.scaler.transform(raw.reshape(-1, BANDS)).reshape(raw.shape)
        return torch.tensor(self.layout(scaled), dtype=torch.float32), torch.tensor(target, dtype=torch.float32)


LAYOUTS = {
    "ff": lambda a: a.reshape(-1),
    "cnn": lambda a: a.transpose(2, 0, 1),
    "gru": lambda a: a.reshape(STEPS, -1),
}


def step(model, optimizer, xb, yb) -> None:
    loss = F.mse_loss(model(xb), yb)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def synchronize(device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def notebook_rate(model, optimizer, loader, device, batches: int) -> float:
    samples, start = 0, time.perf_counter()
    for i, (xb, yb) in enumerate(loader):
        step(model, optimizer, xb.to(device), yb.to(device))
        samples += len(xb)
        if i + 1 == batches:
            break
    synchronize(device)
    return samples / (time.perf_counter() - start)


def bare_rate(model, optimizer, x, y, device) -> float:
    start = time.perf_counter()
    for i in range(0, len(x), BATCH):
        step(model, optimizer, x[i : i + BATCH], y[i : i + BATCH])
    synchronize(device)
    return len(x) / (time.perf_counter() - start)


def hw4_rate(model, optimizer, x, y, device) -> float:
    _, seconds = train_epoch(model, optimizer, x, y, TrainConfig(batch_size=BATCH), device, False, Observer())
    return len(x) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1: steadier on a shared box)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--samples-per-month", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--notebook-batches", type=int, default=2, help="batches timed for the slow notebook pipeline")
    parser.add_argument("--models", default="ff,cnn,gru")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    data = make_data(args.samples_per_month)
    prepared = prepare(data)
    scaler = StandardScaler().fit(data.train.features.reshape(-1, BANDS))
    print(f"device {device}, {torch.get_num_threads()} threads, torch {torch.__version__}, "
          f"{data.train.entries} training entries, batch {BATCH}, median of {args.rounds} rounds")
    print(f"{'model':6} {'notebook':>10} {'bare':>10} {'hw4':>10} {'hw4/notebook':>13} {'hw4/bare':>9}")
    for name in args.models.split(","):
        torch.manual_seed(0)
        model = build_model(name).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        x, y = place(list(model_inputs(model, prepared.features["train"], prepared.labels["train"], prepared.norm)), device)
        loader = DataLoader(
            NotebookDataset(data.train.features, data.train.labels, scaler, model.per_step, LAYOUTS[name]),
            batch_size=BATCH, shuffle=True,
        )
        step(model, optimizer, x[:BATCH], y[:BATCH])  # warm-up
        rates = {"notebook": [], "bare": [], "hw4": []}
        for _ in range(args.rounds):  # alternate, so that load from others hits all three alike
            rates["notebook"].append(notebook_rate(model, optimizer, loader, device, args.notebook_batches))
            rates["bare"].append(bare_rate(model, optimizer, x, y, device))
            rates["hw4"].append(hw4_rate(model, optimizer, x, y, device))
        nb, bare, ours = (statistics.median(rates[k]) for k in ("notebook", "bare", "hw4"))
        verdict = "ok" if ours >= 20 * nb and ours >= 0.85 * bare else "below target"
        print(f"{name:6} {nb:10,.0f} {bare:10,.0f} {ours:10,.0f} {ours / nb:12.1f}x {ours / bare:8.2f}x  {verdict}")


if __name__ == "__main__":
    main()
