"""The README stays true: its test command is what CI runs, and its quick commands run as written."""
import shlex

import pytest

from conftest import REPO

README = (REPO / "README.md").read_text()
QUICK = {"grad", "shapes", "flops", "softmax"}  # the trainers' README runs take minutes; their tests cover them


def readme_commands() -> list[str]:
    return [line.strip() for line in README.splitlines() if line.startswith("    hw4 ")]


def test_ci_runs_the_readme_test_command():
    setup = [line.strip() for line in README.splitlines() if line.startswith("    python3 -m venv")]
    assert len(setup) == 2, "the README opens with two set-up commands: the main job, then the tests"
    test_command = next(line for line in setup if "pytest" in line)
    ci_script = (REPO / ".ci" / "run").read_text()
    assert test_command in ci_script.splitlines()


@pytest.mark.parametrize("command", [c for c in readme_commands() if c.split()[1] in QUICK])
def test_quick_readme_commands_run_as_written(cli, command):
    result = cli(*shlex.split(command)[1:])
    assert result.code == 0, result.err
    assert "error" not in result.err
