"""Shared test helpers: run the real CLI, in-process or as a subprocess."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from hwcli.cli import main

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
MNIST_DIR = SHARED_DATA / "mnist"


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def cli(capsys):
    """Run `hw4 ARGS...` in-process through the same entry point as the console script."""

    def invoke(*args: str) -> CliResult:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


def run_hw4(*args: str, timeout: float = 600, cwd: Path | None = None) -> CliResult:
    """Run `python -m hwcli ARGS...` as a separate process, as a user would."""
    env = dict(os.environ, COLUMNS="200", PYTHONUNBUFFERED="1")
    proc = subprocess.run(
        [sys.executable, "-m", "hwcli", *map(str, args)],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def assert_user_error(result: CliResult, *fragments: str) -> None:
    """Exit status 2, one line on stderr naming the fault, no traceback."""
    assert result.code == 2, (result.code, result.out, result.err)
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


from hypothesis import settings  # noqa: E402

# Torch comparisons make single examples slow on a shared 2-core machine; time them in benchmarks.
settings.register_profile("hw4", deadline=None, print_blob=True)
settings.load_profile("hw4")
