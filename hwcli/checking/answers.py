"""`hw4 check ANSWERS.toml`: read a student's answers to T1, T2 and OT1 and grade each one,
naming the likely mistake behind a wrong one. `--template` writes the blank file."""
from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hwcli.basics.residual import T1_DEFAULTS
from hwcli.checking.questions import (
    RELATIVE_TOLERANCE, Answer, Mistake, Question, agrees, all_questions, follow_through, size_text,
)
from hwcli.errors import InputError
from hwcli.files import write_text
from hwcli.render import num

UNANSWERED = ""  # the template's blank: a key left "" is skipped, like an absent one


@dataclass(frozen=True)
class GradedAnswer:
    key: str
    label: str
    answer: Answer
    correct: Answer
    right: bool
    formula: str  # the right arithmetic
    mistake: Mistake | None  # the common mistake the wrong answer matches, if any


@dataclass(frozen=True)
class AnswerCheck:
    path: str
    t1_values: dict[str, float]
    passed: bool  # every given answer is right
    right: int
    wrong: int
    graded: list[GradedAnswer]
    unanswered: list[str]  # keys absent or left blank
    relative_tolerance: float


# ---------------------------------------------------------------- the template


def template(t1_values: dict[str, float] | None = None) -> str:
    """The blank answers file, its keys taken from the questions themselves."""
    values = {**T1_DEFAULTS, **(t1_values or {})}
    questions = all_questions(values)
    sections = {
        "t1": ("T1: the gradients of z, dz/dw0 ... (x0 is optional: dz/dx0 shows the skip path).\n"
               "# Numbers as -0.2, -1/5 or 2e-1."),
        "t2": "T2: the feature-map sizes as \"HxWxC\", e.g. \"10x10x3\".",
        "ot1": "OT1 (optional): multiplies and parameters on the path to A and B, and to D.",
    }
    lines = [
        "# Homework 4: your answers, for `hw4 check FILE`. Fill in what you have done; a key",
        "# left \"\" (or deleted) is skipped, not marked wrong.",
    ]
    for section, comment in sections.items():
        lines += ["", f"# {comment}", f"[{section}]"]
        lines += [f'{q.key.split(".", 1)[1]} = ""' for q in questions if q.key.startswith(section + ".")]
        if section == "t1":
            lines += ["", "# Another year's values? Uncomment and change them (or use --w0 ... instead).",
                      "# [t1.values]"]
            lines += [f"# {name} = {num(value)}" for name, value in values.items()]
    return "\n".join(lines) + "\n"


def write_template(path: Path, t1_values: dict[str, float] | None = None) -> None:
    """Write the template to a new file, never over an existing one."""
    write_text(path, template(t1_values), overwrite=False)


# ---------------------------------------------------------------- reading the answers


def read_answers(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (write a blank one with `hw4 check --template {path}`)") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not an answers file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read: {getattr(e, 'strerror', None) or e}") from None
    try:
        return tomllib.loads(text)
    except ValueError as e:  # TOMLDecodeError, or an integer too long for Python to read
        raise InputError(f"{path}: not valid TOML: {e}") from None


def parse_answers(data: dict[str, Any], where: str) -> tuple[dict[str, Answer], dict[str, float]]:
    """The given answers by key ("t1.w0": -0.2), and the [t1.values] table; every error names its key."""
    questions = {q.key: q for q in all_questions()}
    sections = {key.split(".", 1)[0] for key in questions}
    answers: dict[str, Answer] = {}
    values: dict[str, float] = {}
    for section, table in data.items():
        if section not in sections:
            raise InputError(f"{where}: unknown table [{section}] (expected {', '.join(f'[{s}]' for s in sorted(sections))})")
        if not isinstance(table, dict):
            raise InputError(f"{where}: '{section}' must be a table [{section}]")
        for name, raw in table.items():
            key = f"{section}.{name}"
            if key == "t1.values":
                values = _t1_values(raw, where)
                continue
            if key not in questions:
                known = [k.split(".", 1)[1] for k in questions if k.startswith(section + ".")]
                raise InputError(f"{where}: unknown key {key} (expected one of {', '.join(known)})")
            if raw == UNANSWERED:
                continue
            answers[key] = _size(raw, f"{where}: {key}") if section == "t2" else _number(raw, f"{where}: {key}")
    return answers, values


def _t1_values(raw: Any, where: str) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: t1.values must be a table [t1.values]")
    values = {}
    for name, value in raw.items():
        if name not in T1_DEFAULTS:
            raise InputError(f"{where}: unknown key t1.values.{name} (expected {', '.join(T1_DEFAULTS)})")
        values[name] = float(_number(value, f"{where}: t1.values.{name}"))
    return values


def _number(raw: Any, where: str) -> float:
    """A number as a student writes it: 0.25, -1/5, 2e-1, "5,443,740"."""
    if isinstance(raw, bool):
        raise InputError(f"{where}: {raw!r} is not a number")
    if isinstance(raw, (int, float)):
        try:
            value = float(raw)
        except OverflowError:  # an integer beyond any float
            value = math.inf
    elif isinstance(raw, str):
        text = re.sub(r"[\s,_]", "", raw)
        numerator, slash, denominator = text.partition("/")
        try:  # float() on each side: Fraction("1e999999999") would compute 10**999999999
            value = float(numerator) / float(denominator) if slash else float(text)
        except (ValueError, ZeroDivisionError):
            raise InputError(f"{where}: {raw!r} is not a number (write e.g. -0.2 or -1/5)") from None
    else:
        raise InputError(f"{where}: expected a number, got {type(raw).__name__}")
    if not math.isfinite(value):
        raise InputError(f"{where}: {raw!r} is not a finite number")
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _size(raw: Any, where: str) -> tuple[float, float, float]:
    """ "98x98x5", "98 x 98 x 5", "98×98×5" or [98, 98, 5]; parts may be fractional (a slip to name)."""
    if isinstance(raw, list):
        parts = raw
    elif isinstance(raw, str):
        parts = [p for p in re.split(r"\s*[x×X*,]\s*|\s+", raw.strip()) if p]
    else:
        parts = []
    if len(parts) != 3:
        raise InputError(f"{where}: {raw!r} is not a size like \"98x98x5\" (height x width x channels)")
    return tuple(_number(p, where) for p in parts)  # type: ignore[return-value]


# ---------------------------------------------------------------- grading


def check_answers(path: Path, t1_overrides: dict[str, float] | None = None) -> AnswerCheck:
    """Grade the answers in `path`; T1 uses the file's [t1.values], then `t1_overrides`, on the homework's."""
    for name, value in (t1_overrides or {}).items():
        if not math.isfinite(value):
            raise InputError(f"--{name}: {value} is not a finite number")
    answers, file_values = parse_answers(read_answers(path), str(path))
    t1_values = {**T1_DEFAULTS, **file_values, **(t1_overrides or {})}
    questions = all_questions(t1_values)
    graded = [grade(q, answers[q.key], answers) for q in questions if q.key in answers]
    wrong = sum(not g.right for g in graded)
    return AnswerCheck(
        path=str(path), t1_values=t1_values, passed=wrong == 0, right=len(graded) - wrong, wrong=wrong,
        graded=graded, unanswered=[q.key for q in questions if q.key not in answers],
        relative_tolerance=RELATIVE_TOLERANCE,
    )


def grade(question: Question, answer: Answer, answers: dict[str, Answer]) -> GradedAnswer:
    right = agrees(answer, question.correct, question.exact)
    mistake = None if right else _likely_mistake(question, answer, answers)
    return GradedAnswer(question.key, question.label, answer, question.correct, right, question.formula, mistake)


def _likely_mistake(question: Question, answer: Answer, answers: dict[str, Answer]) -> Mistake | None:
    for mistake in question.mistakes:
        if agrees(answer, mistake.value, question.exact):
            return mistake
    if question.key.startswith("t2."):
        return _size_slip(question, answer, answers)
    return None


def _size_slip(question: Question, answer: tuple, answers: dict[str, Answer]) -> Mistake | None:
    """A size carried forward from the student's own wrong input size, or half right."""
    from hwcli.basics.network import t2_network

    layer = t2_network().layer(question.key.split(".", 1)[1])
    source_answer = answers.get(f"t2.{layer.source}")
    if source_answer is not None:
        carried = follow_through(layer.name, source_answer)
        if carried is not None and carried[0] == answer:
            return Mistake(f"carried forward from your {layer.source} ({size_text(source_answer)}): "
                           f"the method is right, fix {layer.source} first", carried[1], answer)
    correct = question.correct
    if answer[:2] == correct[:2]:
        return Mistake("height and width are right; the channels are not", "", answer)
    if answer[2] == correct[2]:
        return Mistake("the channels are right; height and width are not", "", answer)
    return None
