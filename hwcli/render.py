"""Rich tables and panels, and --json output, shared by every command.

Core functions return dataclasses; commands hand them here. Nothing in the core prints.
"""
from __future__ import annotations

import dataclasses
import json
import math
import sys
from typing import Any, Iterable, Sequence

from rich import box
from rich.console import Console
from rich.table import Table

# Console(file=None) looks sys.stdout up at each write, so pytest's capture sees it.
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def jsonable(obj: Any) -> Any:
    """Dataclasses, tuples and numpy scalars as plain JSON; non-finite floats as null.

    A dataclass may rename its fields for JSON with a `json_names` class attribute.
    """
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        names = getattr(obj, "json_names", {})
        return {names.get(f.name, f.name): jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, bool) or obj is None or isinstance(obj, (int, str)):
        return obj
    if isinstance(obj, float):
        return obj + 0.0 if math.isfinite(obj) else None  # + 0.0 turns -0.0 into 0.0
    if hasattr(obj, "tolist"):  # numpy arrays and scalars, without importing numpy here
        return jsonable(obj.tolist())
    return str(obj)


def print_json(obj: Any) -> None:
    """The --json output: one JSON object on stdout and nothing else there."""
    sys.stdout.write(json.dumps(jsonable(obj), indent=2) + "\n")
    sys.stdout.flush()


def error_line(message: str) -> None:
    """One line on stderr: what is wrong and where."""
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()


def fmt(x: float, digits: int = 6) -> str:
    """A number as a student would write it: integers bare, others to `digits` significant figures."""
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) < 1e15):
        return f"{int(x):,}"
    return f"{x:.{digits}g}"


def table(
    title: str | None,
    columns: Sequence[str | tuple],
    rows: Iterable[Sequence[Any]],
    caption: str | None = None,
) -> Table:
    """A table with one row per item.

    A column is a header, or (header, justify), or (header, justify, "whole" | max width).
    Numbers (right-justified columns), the first column (names) and "whole" columns are never
    cut or wrapped; other text wraps when the terminal is narrow, at `max width` if one is given.
    """
    t = Table(title=title, caption=caption, title_justify="left", caption_justify="left",
              box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
              title_style="bold", caption_style="dim")
    cells = [[cell if not isinstance(cell, (int, float)) else fmt(cell) for cell in row] for row in rows]
    for i, col in enumerate(columns):
        header, justify, extra = (col, "left", None) if isinstance(col, str) else (*col, None)[:3]
        widest = max((len(str(row[i])) for row in cells if isinstance(row[i], str)), default=0)
        whole = justify == "right" or i == 0 or extra == "whole"
        t.add_column(header, justify=justify, no_wrap=whole,  # type: ignore[arg-type]
                     min_width=widest if whole else min(widest, 8),
                     max_width=extra if isinstance(extra, int) else None)
    for row in cells:
        t.add_row(*row)
    return t


def num(x: float) -> str:
    """A float to its last meaningful digit (10 significant), -0 shown as 0."""
    if x == 0:
        return "0"
    if isinstance(x, int):
        return f"{x:,}"
    return f"{x:.10g}"


def factor(x: float) -> str:
    """A factor in a written-out product: negative numbers in parentheses."""
    return f"({num(x)})" if x < 0 else num(x)


def show(views: list) -> None:
    """Print views one after another, a blank line between them."""
    for i, view in enumerate(views):
        if i:
            console.print()
        console.print(view)
