"""Rich views of the checkers' results. Text that came from a student (answers, error
messages of their code) goes into `Text` cells, never through Rich markup."""
from __future__ import annotations

from rich.text import Text

from hwcli import render

MARKS = {
    "pass": ("pass", "green"), "fail": ("FAIL", "bold red"), "skip": ("skip", "yellow"),
    "right": ("right", "green"), "wrong": ("WRONG", "bold red"),
}


def mark(status: str) -> Text:
    label, style = MARKS[status]
    return Text(label, style=style)


def net_check_view(check) -> list:
    rows = [[row.task, row.title, mark(row.status), Text(row.measured), Text(row.hint)] for row in check.rows]
    passed = sum(row.status == "pass" for row in check.rows)
    caption = (f"{passed} of {len(check.rows)} pass, in {check.seconds:.1f} s "
               f"(each task in its own process, limited to {check.timeout:g} s)")
    return [render.table(f"check-net {check.path}", ["task", "what", "result", "measured", "hint"], rows, caption)]


def _answer_text(value) -> str:
    from hwcli.checking.questions import size_text

    return size_text(value) if isinstance(value, (tuple, list)) else render.num(value)


def answer_check_view(check) -> list:
    rows = []
    for g in check.graded:
        if g.right:
            why = Text(g.formula, style="dim")
        elif g.mistake is not None:
            how = f"\n{g.mistake.formula}" if g.mistake.formula else ""
            why = Text.assemble(("likely: ", "bold"), g.mistake.name, (how, "dim"), "\nright: ", g.formula)
        else:
            why = Text.assemble(("right: ", "bold"), g.formula)
        rows.append([g.label, Text(_answer_text(g.answer)), _answer_text(g.correct),
                     mark("right" if g.right else "wrong"), why])
    values = ", ".join(f"{k} = {render.num(v)}" for k, v in check.t1_values.items())
    caption = (f"{check.right} right, {check.wrong} wrong, {len(check.unanswered)} not answered. "
               f"T1 with {values}; gradients count as right to {check.relative_tolerance:.1%}, "
               "sizes and counts exactly.")
    if not check.graded:
        return [Text(f"No answers given in {check.path}: fill in what you have done. " + caption)]
    return [render.table(f"check {check.path}", ["question", "yours", "right answer", "mark", "why"], rows,
                         caption)]
