"""How fast the numpy trainer runs, side by side with the same network trained in torch on the CPU.

    .venv/bin/python benchmarks/bench_numpy_net.py [--steps 150] [--repeats 15]

Both train a 784-100-10 net in float64 with batch 200, SGD with momentum and L2 on the weights,
a fresh shuffle each epoch and the validation accuracy at each epoch's end: the numpy side is
`TwoLayerNet.train` itself; the torch side is the usual nn.Sequential / autograd / optim.SGD loop.
They alternate, and each keeps its best time, so that a busy machine slows both alike. The target:
numpy at least 1.5x torch's samples/s, at the same thread count. GFLOP/s counts the training
step's matrix products (4BDH + 6BHC per step) against this machine's large-matmul GFLOP/s.

OPENBLAS_CORETYPE (and OPENBLAS_L2_SIZE), where the environment sets them, can pin numpy's BLAS to
an older kernel; the script then runs again without them, in a child process, and reports both.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np
import torch
from threadpoolctl import threadpool_info, threadpool_limits

from hwcli.numpy_net import TwoLayerNet

D, H, C, B = 784, 100, 10, 200
N_TRAIN, N_VAL = 10_000, 1_000
LR, MOMENTUM, REG = 0.05, 0.9, 1e-4
FLOPS_PER_STEP = 4 * B * D * H + 6 * B * H * C  # forward X@W1, h@W2; backward dW2, dh, dW1


def data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N_TRAIN + N_VAL, D))
    y = rng.integers(C, size=N_TRAIN + N_VAL)
    return X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:]


def numpy_seconds(steps, X, y, X_val, y_val):
    np.random.seed(0)
    net = TwoLayerNet(D, H, C, std=np.sqrt(2 / D))
    start = time.perf_counter()
    net.train(X, y, X_val, y_val, learning_rate=LR, learning_rate_decay=0.95, reg=REG,
              num_iters=steps, batch_size=B, momentum=MOMENTUM)
    return time.perf_counter() - start


def torch_seconds(steps, X, y, X_val, y_val):
    torch.manual_seed(0)
    X, y, X_val, y_val = map(torch.from_numpy, (X, y, X_val, y_val))
    model = torch.nn.Sequential(torch.nn.Linear(D, H), torch.nn.ReLU(), torch.nn.Linear(H, C)).double()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.95)
    weights = (model[0].weight, model[2].weight)
    per_epoch = N_TRAIN // B
    start = time.perf_counter()
    for it in range(steps):
        if it % per_epoch == 0:
            order = torch.randperm(N_TRAIN)
        batch = order[(it % per_epoch) * B : (it % per_epoch + 1) * B]
        loss = torch.nn.functional.cross_entropy(model(X[batch]), y[batch])
        loss = loss + 0.5 * REG * sum((w * w).sum() for w in weights)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if (it + 1) % per_epoch == 0:
            with torch.no_grad():
                (model(X_val).argmax(dim=1) == y_val).double().mean().item()
            scheduler.step()
    return time.perf_counter() - start


def matmul_gflops(n=2048, repeats=3):
    a, b = np.random.default_rng(1).standard_normal((2, n, n))
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def _timed(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def blas_kernel():
    info = [i for i in threadpool_info() if i["user_api"] == "blas" and "numpy" in i["filepath"]]
    return f"{info[0]['internal_api']} {info[0].get('version')} {info[0].get('architecture')}" if info else "unknown"


def run(steps, repeats):
    arrays = data()
    print(f"numpy {np.__version__} ({blas_kernel()}), torch {torch.__version__}; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print(f"{D}-{H}-{C} net, float64, batch {B}, {steps} steps, best of {repeats}\n")
    header = f"{'threads':>7}  {'numpy samples/s':>15}  {'torch samples/s':>15}  {'numpy/torch':>11}  " \
             f"{'numpy GFLOP/s':>13}  {'matmul GFLOP/s':>14}  {'of matmul':>9}"
    print(header)
    for threads in sorted({1, os.cpu_count() or 1}):
        torch.set_num_threads(threads)
        with threadpool_limits(threads, user_api="blas"):
            numpy_seconds(steps // 3, *arrays), torch_seconds(steps // 3, *arrays)  # warm up
            numpy_best = torch_best = float("inf")
            for _ in range(repeats):  # alternate, so that other load slows both alike
                numpy_best = min(numpy_best, numpy_seconds(steps, *arrays))
                torch_best = min(torch_best, torch_seconds(steps, *arrays))
            peak = matmul_gflops()
        numpy_rate, torch_rate = steps * B / numpy_best, steps * B / torch_best
        gflops = steps * FLOPS_PER_STEP / numpy_best / 1e9
        print(f"{threads:>7}  {numpy_rate:>15,.0f}  {torch_rate:>15,.0f}  {numpy_rate / torch_rate:>10.2f}x  "
              f"{gflops:>13.1f}  {peak:>14.1f}  {gflops / peak:>8.0%}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    run(args.steps, args.repeats)
    pinned = [name for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if name in os.environ]
    if pinned and not args.child:
        print(f"\nagain without {' and '.join(pinned)}:")
        env = {k: v for k, v in os.environ.items() if k not in pinned}
        subprocess.run([sys.executable, __file__, "--steps", str(args.steps), "--repeats", str(args.repeats),
                        "--child"], env=env, check=True)


if __name__ == "__main__":
    main()
