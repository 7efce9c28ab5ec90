"""The `hw4` command line: thin commands that parse options, call the core, and render.

Heavy libraries (numpy, torch, matplotlib, scikit-learn) are imported inside the commands
that need them, so that `hw4 shapes` starts as fast as Typer allows.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from hwcli import render
from hwcli.errors import InputError

try:  # Typer >= 0.22 vendors click; older releases depend on it
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover
    from click.exceptions import ClickException

app = typer.Typer(
    name="hw4",
    help="Compute, explain, check and train everything in Homework 4 (neural networks).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

Json = Annotated[bool, typer.Option("--json", help="Print the results as one JSON object on stdout.")]


def _show_version(value: bool) -> None:
    if value:
        from hwcli import __version__

        print(f"hw4 {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Compute, explain, check and train everything in Homework 4 (neural networks)."""


# ---------------------------------------------------------------- Part 1: the basics (issue 2)

# ---------------------------------------------------------------- Part 2: numpy net (issue 3)

# ---------------------------------------------------------------- Part 3: nowcasting (issue 4)

# ---------------------------------------------------------------- checking and report (issue 5)


def main(argv: list[str] | None = None) -> int:
    """Run the app; user errors become one line on stderr and exit status 2."""
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="hw4", standalone_mode=False)
    except InputError as e:
        render.error_line(str(e))
        return 2
    except ClickException as e:  # bad options: Typer's own parsing errors
        if not e.format_message():  # bare `hw4`: the help was the answer
            return 0
        ctx = getattr(e, "ctx", None)
        where = f"{ctx.command_path}: " if ctx is not None else ""
        render.error_line(f"{where}{e.format_message()}")
        return e.exit_code
    except (typer.Abort, KeyboardInterrupt):
        render.error_line("interrupted")
        return 130
    return result if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())
