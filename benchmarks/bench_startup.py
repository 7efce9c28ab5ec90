"""How fast `hw4 shapes` answers, against the floor Typer itself sets.

Runs `hw4 shapes` and a minimal one-command Typer program that prints a one-row Rich table
in turns, and prints the ratio of their median wall times. Target: at most 1.3.

    python benchmarks/bench_startup.py [--runs 21]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MINIMAL = '''
import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer()


@app.command()
def main() -> None:
    table = Table("name", "value")
    table.add_row("A", "98x98x5")
    Console().print(table)


app()
'''


def wall_time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        minimal = Path(tmp) / "minimal_typer.py"
        minimal.write_text(MINIMAL)
        commands = {"hw4 shapes": [sys.executable, "-m", "hwcli", "shapes"],
                    "minimal Typer": [sys.executable, str(minimal)]}
        for command in commands.values():  # warm the file cache once
            wall_time(command)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():  # in turns, so that load on the machine hits both
                times[name].append(wall_time(command))
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, median in medians.items():
        print(f"{name:>14}: median {median * 1000:7.1f} ms over {args.runs} runs")
    ratio = medians["hw4 shapes"] / medians["minimal Typer"]
    print(f"ratio hw4 shapes / minimal Typer: {ratio:.2f} (target <= 1.3) {'OK' if ratio <= 1.3 else 'OVER'}")


if __name__ == "__main__":
    main()
