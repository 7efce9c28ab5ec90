"""Rich views of the checkers' results. Text that came from a student (answers, error
messages of their code) goes into `Text` cells, never through Rich markup."""
from __future__ import annotations

from rich.text import Text

from hwcli import render

MARKS = {"pass": ("pass", "green"), "fail": ("FAIL", "bold red"), "skip": ("skip", "yellow")}


def mark(status: str) -> Text:
    label, style = MARKS[status]
    return Text(label, style=style)


def net_check_view(check) -> list:
    rows = [[row.task, row.title, mark(row.status), Text(row.measured), Text(row.hint)] for row in check.rows]
    passed = sum(row.status == "pass" for row in check.rows)
    caption = (f"{passed} of {len(check.rows)} pass, in {check.seconds:.1f} s "
               f"(each task in its own process, limited to {check.timeout:g} s)")
    return [render.table(f"check-net {check.path}", ["task", "what", "result", "measured", "hint"], rows, caption)]
