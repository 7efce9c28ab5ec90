"""`hw4 report`: the whole worked answer sheet as Markdown.

Every number in it comes from the calculators behind `hw4 grad`, `shapes`, `flops` and
`softmax` (and, with --train, the two trainers), called here; none is typed in.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from hwcli.basics.costs import CostReport, cost_report
from hwcli.basics.network import t2_network
from hwcli.basics.program import GradResult
from hwcli.basics.residual import T1_OTHER_YEAR, T1_PROGRAM, residual_pass
from hwcli.basics.shapes import ShapeReport, feature_map_sizes
from hwcli.basics.softmax import DERIVATION, SoftmaxCheck, check_gradient, random_logits
from hwcli.checking.questions import is_skip_path, size_text, t1_questions
from hwcli.render import num

SOFTMAX_CLASSES, SOFTMAX_SEED = 5, 0  # `hw4 softmax`'s defaults, so the two show the same check


@dataclass(frozen=True)
class TrainingSection:
    """One trainer's results as Markdown, with the plots it wrote beside the report."""

    title: str
    markdown: str
    results: object  # the trainer's own result, for --json
    plots: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class AnswerSheet:
    t1: GradResult
    t1_other_year: GradResult
    t2: ShapeReport
    ot1: CostReport
    t3: SoftmaxCheck
    training: list[TrainingSection] = field(default_factory=list)


def answer_sheet(t1_values: dict[str, float] | None = None,
                 training: list[TrainingSection] | None = None) -> AnswerSheet:
    logits, label = random_logits(SOFTMAX_CLASSES, SOFTMAX_SEED)
    return AnswerSheet(
        t1=residual_pass(**(t1_values or {})),
        t1_other_year=residual_pass(**T1_OTHER_YEAR),
        t2=feature_map_sizes(t2_network()),
        ot1=cost_report(t2_network(), compare_spec="A+B:D"),
        t3=check_gradient(logits, label),
        training=training or [],
    )


def summary(sheet: AnswerSheet) -> dict:
    """The sheet's numbers, as `--json` gives them (the same keys as the calculators' JSON)."""
    cmp = sheet.ot1.comparison
    return {
        "t1": {"inputs": sheet.t1.inputs, "values": sheet.t1.values, "gradients": sheet.t1.gradients},
        "t1_other_year": {"inputs": sheet.t1_other_year.inputs, "gradients": sheet.t1_other_year.gradients},
        "t2": {"input": sheet.t2.input,
               "layers": [{"name": l.name, "shape": l.shape, "formula": l.formula} for l in sheet.t2.layers]},
        "ot1": {"layers": [{"name": c.name, "multiplies": c.multiplies, "params": c.params}
                           for c in sheet.ot1.layers], "comparison": cmp},
        "t3": sheet.t3,
        "training": {section.title: section.results for section in sheet.training},
    }


# ---------------------------------------------------------------- Markdown


def markdown(sheet: AnswerSheet, version: str, folder: Path = Path(".")) -> str:
    """The sheet as Markdown; plot links are relative to `folder`, where the Markdown is written."""
    parts = [
        "# Homework 4: the worked answers",
        f"Written by `hw4 report` (hw4 {version}). Every number here is computed by hw4's own "
        "calculators (`hw4 grad`, `hw4 shapes`, `hw4 flops`, `hw4 softmax`), none typed in.",
        "## Part 1: the basics",
        *_t1(sheet.t1, sheet.t1_other_year),
        *_t2(sheet.t2),
        *_ot1(sheet.ot1),
        *_t3(sheet.t3),
        "## Parts 2 and 3: the trainers",
    ]
    if sheet.training:
        for section in sheet.training:
            parts += [f"### {section.title}", section.markdown]
            parts += [f"![{plot.stem.replace('_', ' ')}]({Path(os.path.relpath(plot, folder)).as_posix()})"
                      for plot in section.plots]
    else:
        parts.append("Not run here: `hw4 report --train` adds the numpy net's and the nowcasting "
                     "models' results and plots (or run `hw4 train-numpy` and `hw4 train-nowcast`).")
    return "\n\n".join(part for part in parts if part) + "\n"


def markdown_table(header: list[str], rows: list[list[str]], align: str) -> str:
    """A Markdown table; `align` has one letter per column, l or r."""
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = [header, rule, *rows]
    return "\n".join("| " + " | ".join(str(cell).replace("|", "\\|") for cell in line) + " |" for line in lines)


def _given(inputs: dict[str, float]) -> str:
    return ", ".join(f"{k} = {num(v)}" for k, v in inputs.items())


def _t1(result: GradResult, other: GradResult) -> list[str]:
    forward = markdown_table(
        ["name", "expression", "value", "note"],
        [[f"`{s.name}`", f"`{s.expression}`", num(s.value), s.note] for s in result.forward], "llrl")
    questions = {q.key.split(".", 1)[1]: q for q in t1_questions(result.inputs)}
    chain_rows = []
    for rule in result.chain_rules:
        symbols = " + ".join(
            " · ".join(f"∂{link.upper}/∂{link.lower}" for link in path.links) for path in rule.paths) or "0"
        chain_rows.append([f"∂z/∂{rule.input}", num(rule.total), symbols, questions[rule.input].formula])
    chains = markdown_table(["gradient", "value", "chain rule", "with the numbers"], chain_rows, "lrll")
    x0 = next(rule for rule in result.chain_rules if rule.input == "x0")
    skip = [p.product for p in x0.paths if is_skip_path(p)]
    branch = x0.total - sum(skip)
    years = markdown_table(
        ["gradient", _given({k: v for k, v in result.inputs.items() if v != other.inputs[k]}) or "these values",
         _given({k: v for k, v in other.inputs.items() if v != result.inputs[k]}) + " (another year)"],
        [[f"∂z/∂{name}", num(result.gradients[name]), num(other.gradients[name])] for name in result.gradients],
        "lrr")
    return [
        "### T1: a residual connection, forward and backward",
        f"    {T1_PROGRAM}",
        f"with {_given(result.inputs)}.",
        "**Forward pass.**",
        forward,
        "**Gradients of z**, each the product of the local derivatives along every path from the input "
        "to z (ReLU' is 1 where the ReLU is active, 0 where it is not, and 0 at exactly 0, as in PyTorch).",
        chains,
        f"**The skip path.** x0 reaches z twice: through x1 and y1 ({num(branch)}) and straight through the "
        f"skip connection ({' + '.join(num(s) for s in skip) or '0'}), so ∂z/∂x0 = {num(x0.total)}. "
        "Without the skip connection the gradient would be the first term alone.",
        "**Another year's values.**" if other.inputs != result.inputs else "",
        years if other.inputs != result.inputs else "",
        *([f"Note: {k}." for k in result.kinks]),
    ]


def _t2(report: ShapeReport) -> list[str]:
    rows = [[f"**{l.name}**", l.description, l.source, size_text(l.input_shape), f"**{size_text(l.shape)}**",
             f"`{l.formula}`"] for l in report.layers]
    notes = [f"Note: {l.name}: {l.note}." for l in report.layers if l.note]
    return [
        "### T2: feature-map sizes",
        f"Input {size_text(report.input)} (height x width x channels). Each output side is "
        "floor((n - k + 2p) / s) + 1; a conv has one channel per filter, a pool keeps its input's channels.",
        markdown_table(["map", "layer", "reads", "input", "output", "formula"], rows, "llllrl"),
        *notes,
    ]


def _ot1(report: CostReport) -> list[str]:
    cmp = report.comparison
    used = [*cmp.left, *cmp.right]
    layers = [c for c in report.layers if c.name in used]
    rows = [[c.name, f"`{c.formulas['multiplies']}`", f"{c.multiplies:,}", f"`{c.formulas['params']}`",
             f"{c.params:,}"] for c in layers]
    lhs, rhs = "+".join(cmp.left), "+".join(cmp.right)
    totals = markdown_table(
        ["path", "multiplies", "parameters"],
        [[f"to {lhs}", f"{cmp.multiplies_left:,}", f"{cmp.params_left:,}"],
         [f"to {rhs}", f"{cmp.multiplies_right:,}", f"{cmp.params_right:,}"],
         [f"ratio {rhs} / ({lhs})", f"{cmp.multiplies_ratio:.4f}", f"{cmp.params_ratio:.4f}"]], "lrr")
    return [
        "### OT1: the Inception-v2 argument",
        "Multiplies: one per kernel weight per output value, H x W x C_out x (k x k x C_in); the bias "
        "is an addition, not a multiply. Parameters: the weights k x k x C_in x C_out plus one bias per filter.",
        markdown_table(["layer", "multiplies", "", "parameters", ""], rows, "llrlr"),
        totals,
        f"**Conclusion.** {cmp.conclusion}",
    ]


def _t3(check: SoftmaxCheck) -> list[str]:
    steps = []
    for step in DERIVATION:
        steps += [f"**{step.title}**", "\n".join(f"    {line}" for line in step.lines)]
    rows = [[str(i), num(h), "1" if i == check.label else "0", f"{p:.10f}", f"{g:+.10f}", f"{n:+.10f}"]
            for i, (h, p, g, n) in enumerate(zip(check.logits, check.probabilities, check.analytic_gradient,
                                                 check.numeric_gradient))]
    return [
        "### T3: the gradient of softmax cross-entropy",
        *steps,
        f"**A numeric check** (random logits, seed {SOFTMAX_SEED}, true class {check.label}; "
        f"the same as `hw4 softmax`): L = {check.loss:.10f}.",
        markdown_table(["i", "h_i", "y_i", "P_i", "P_i - y_i", "central differences"], rows, "lrrrrr"),
        f"The largest |analytic - numeric| difference is {check.max_abs_error:.2e}.",
    ]


# ---------------------------------------------------------------- writing


def files_folder(out: Path) -> Path:
    """Where the plots go: beside the Markdown, named after it (hw4-report-files/)."""
    return out.with_name(f"{out.stem}-files")
