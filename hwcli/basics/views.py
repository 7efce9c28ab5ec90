"""Rich views of the Part 1 answers: what `hw4 grad`, `shapes`, `flops` and `softmax` show."""
from __future__ import annotations

from hwcli.render import factor, num, table


def _d(upper: str, lower: str) -> str:
    """∂upper/∂lower, with labels that are expressions in parentheses."""
    wrap = lambda s: s if s.replace("@", "_").replace("#", "_").isidentifier() else f"({s})"  # noqa: E731
    return f"∂{wrap(upper)}/∂{wrap(lower)}"


def grad_view(result, verification=None) -> list:
    """Forward pass, gradients and the chain rule written out, for `hw4 grad`."""
    from rich.panel import Panel
    from rich.text import Text

    out = result.output
    header = Panel(result.program, title=f"program (output: {out})", title_align="left")
    forward = table(
        "Forward pass",
        ["name", "expression", ("value", "right"), "ReLU / note", (f"∂{out}/∂name", "right")],
        [[s.name, s.expression, num(s.value), s.note, num(result.intermediate_gradients[s.name])]
         for s in result.forward],
    )
    lines = Text()
    for rule in result.chain_rules:
        lines.append(f"∂{out}/∂{rule.input}", style="bold")
        if not rule.paths:
            lines.append(f" = 0   ({out} does not depend on {rule.input})\n\n")
            continue
        symbols = [" · ".join(_d(link.upper, link.lower) for link in p.links) for p in rule.paths]
        numbers = [" × ".join(factor(link.factor) for link in p.links) for p in rule.paths]
        lead = " " * len(f"∂{out}/∂{rule.input}")
        if len(rule.paths) == 1 and not rule.omitted_paths:
            lines.append(f" = {symbols[0]}\n{lead} = {numbers[0]}")
            lines.append(f" = {num(rule.total)}\n", style="bold")
        else:
            for i, (path, symbol, numbers_) in enumerate(zip(rule.paths, symbols, numbers)):
                through = [link.lower for link in path.links[:-1] if not link.lower.startswith("pre_")]
                how = f"through {', '.join(through)}" if through else "directly: the skip path"
                lines.append(f"{lead if i else ''} {'=' if i == 0 else '+'} {symbol}\n")
                lines.append(f"{lead}     = {numbers_} = {num(path.product)}")
                lines.append(f"   ({how})\n", style="dim")
            terms = [factor(p.product) for p in rule.paths]
            if rule.omitted_paths:  # their sum is what the shown paths leave of the total
                rest = rule.total - sum(p.product for p in rule.paths)
                terms.append(f"[{rule.omitted_paths:,} more paths, not written out: {num(rest)}]")
            lines.append(f"{lead} = " + " + ".join(terms))
            lines.append(f" = {num(rule.total)}\n", style="bold")
        lines.append("\n")
    lines.rstrip()
    gradients = table("Gradients of the output", ["input", ("value", "right"), (f"∂{out}/∂input", "right")],
                      [[name, num(value), num(result.gradients[name])] for name, value in result.inputs.items()])
    views = [header, forward, gradients,
             Panel(lines, title=f"∂{out}: the chain rule, path by path", title_align="left")]
    if result.kinks:
        views.append(Text("\n".join(f"note: {k}" for k in result.kinks), style="yellow"))
    if verification is not None:
        views.append(table(
            "Verification: torch autograd and central differences",
            ["input", ("hw4", "right"), ("torch", "right"), ("|Δ torch|", "right"),
             ("central diff.", "right"), ("|Δ central|", "right")],
            [[name, num(ours), num(verification.torch[name]), f"{abs(ours - verification.torch[name]):.1e}",
              num(verification.numeric[name]), f"{abs(ours - verification.numeric[name]):.1e}"]
             for name, ours in result.gradients.items()],
            caption="Central differences disagree at a kink, where the derivative is not defined."
            if result.kinks else None,
        ))
    return views


def _hw(shape) -> str:
    return "x".join(str(v) for v in shape)


def shapes_view(report, torch_shapes=None) -> list:
    from rich.text import Text

    columns = ["name", ("layer", "left", 11), ("from", "left", "whole"), ("output", "right"), "formula (H and W)",
               ("RF", "right"), ("jump", "right")]
    rows = [[layer.name, layer.description, layer.source, _hw(layer.shape), layer.formula,
             _hw(layer.receptive_field), _hw(layer.effective_stride)] for layer in report.layers]
    caption = "output: H x W x C; RF: receptive field on the input; jump: effective stride, in input pixels"
    views = [table(f"Feature maps (input {_hw(report.input)})", columns, rows, caption=caption)]
    notes = [f"{layer.name}: {layer.note}" for layer in report.layers if layer.note]
    if notes:
        views.append(Text("\n".join(f"note: {n}" for n in notes), style="yellow"))
    if torch_shapes is not None:
        views.append(table("Verification against torch",
                           ["name", ("hw4", "right"), ("torch", "right"), "agree"],
                           [[layer.name, _hw(layer.shape), _hw(torch_shapes[layer.name]),
                             "✓" if tuple(torch_shapes[layer.name]) == tuple(layer.shape) else "✗ MISMATCH"]
                            for layer in report.layers]))
    return views


def flops_view(report, torch_flops=None) -> list:
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    layers = report.layers
    total = lambda attr: sum(getattr(c, attr) for c in layers)  # noqa: E731
    arithmetic_columns = ["multiplies", "additions", "bias_additions", "pool_ops", "macs", "flops"]
    pool_ops = lambda c: c.comparisons + c.pool_additions  # noqa: E731
    rows = [[c.name, c.multiplies, c.additions, c.bias_additions, pool_ops(c), c.macs, c.flops] for c in layers]
    rows.append(["total", *(total(a) if a != "pool_ops" else sum(map(pool_ops, layers)) for a in arithmetic_columns)])
    views = [table(
        "Arithmetic per layer" + ("" if report.bias else " (no biases)"),
        ["name", ("multiplies", "right"), ("additions", "right"), ("bias adds", "right"),
         ("pool ops", "right"), ("MACs", "right"), ("FLOPs", "right")], rows,
        caption="MACs = multiplies; FLOPs = 2 x MACs (torch's FlopCounterMode); pools: max compares, avg adds")]
    rows = [[c.name, c.weights, c.biases, c.params, c.formulas.get("params", "")] for c in layers]
    rows.append(["total", total("weights"), total("biases"), total("params"), ""])
    views.append(table("Parameters per layer", ["name", ("weights", "right"), ("biases", "right"),
                                                ("params", "right"), "formula"], rows))
    views.append(table("Formulas", ["name", "multiplies", "additions (bias apart) / pool ops"],
                       [[c.name, c.formulas.get("multiplies", "0"),
                         c.formulas.get("additions") or c.formulas.get("pool_ops", "")] for c in layers]))
    views.append(table("The same network in each counting tool's convention", ["tool", "counts", ("total", "right")],
                       [[c.tool, c.counts, c.total] for c in report.conventions],
                       caption="Conventions of current releases; older thop counted the bias."))
    if torch_flops is not None:
        views.append(table("Verification against torch FlopCounterMode",
                           ["name", ("hw4 FLOPs", "right"), ("FlopCounterMode", "right"), "agree"],
                           [[c.name, c.flops, torch_flops[c.name], "✓" if c.flops == torch_flops[c.name] else "✗"]
                            for c in layers]))
    cmp = report.comparison
    if cmp is not None:
        lhs, rhs = "+".join(cmp.left), "+".join(cmp.right)
        ratios = table(None, ["", (lhs, "right"), (rhs, "right"), (f"{rhs} / ({lhs})", "right")], [
            ["multiplies", cmp.multiplies_left, cmp.multiplies_right, f"{cmp.multiplies_ratio:.4f}"],
            ["parameters", cmp.params_left, cmp.params_right, f"{cmp.params_ratio:.4f}"],
        ])
        views.append(Panel(Group(ratios, Text(""), Text(cmp.conclusion)), title=f"{lhs} against {rhs}",
                           title_align="left"))
    return views


def softmax_view(check, derivation, torch_gradient=None) -> list:
    from rich.panel import Panel
    from rich.text import Text

    proof = Text()
    for step in derivation:
        proof.append(step.title + "\n", style="bold")
        for line in step.lines:
            proof.append("    " + line + "\n")
        proof.append("\n")
    proof.rstrip()
    columns = ["i", "logit h_i", "y_i", ("P_i", "right"), ("P_i - y_i", "right"), ("central diff.", "right")]
    if torch_gradient is not None:
        columns.append(("torch", "right"))
    rows = []
    for i, h in enumerate(check.logits):
        row = [str(i), num(h), "1" if i == check.label else "0", f"{check.probabilities[i]:.8f}",
               f"{check.analytic_gradient[i]:+.8f}", f"{check.numeric_gradient[i]:+.8f}"]
        if torch_gradient is not None:
            row.append(f"{torch_gradient[i]:+.8f}")
        rows.append(row)
    caption = f"L = {check.loss:.10f};  largest |analytic - numeric| = {check.max_abs_error:.2e}"
    return [Panel(proof, title="T3: dL/dh_i = P_i - y_i", title_align="left"),
            table("Numeric check", columns, rows, caption=caption)]
