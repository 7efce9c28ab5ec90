"""The README's `hw4 check`, `check-net` and `report` commands run as written, from the repository."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

SECTION = (REPO / "README.md").read_text().split("### `hw4 check`, `hw4 check-net`, `hw4 report`")[1].split("\n## ")[0]
COMMANDS = [line.strip() for line in SECTION.splitlines() if line.startswith(("    hw4 ", "    sed "))]


def test_the_section_has_its_commands():
    assert {c.split()[1] for c in COMMANDS if c.startswith("hw4")} == {"check", "check-net", "report"}


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_runs_as_written(command):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", COLUMNS="100")
    result = subprocess.run(command, shell=True, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 1), result.stderr  # 1: the examples of wrong work, graded as wrong
    assert "error" not in result.stderr, result.stderr
    assert result.returncode == 0 or "FAIL" in result.stdout or "WRONG" in result.stdout
