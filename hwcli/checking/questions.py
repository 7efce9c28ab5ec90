"""The T1, T2 and OT1 questions: each right answer, from the calculators of `hwcli.basics`,
with the arithmetic behind it, and the common wrong answers, each computed explicitly, so that
a wrong answer can be told apart from a slip: the forgotten floor, the bias among the
multiplies, the missing skip path, the gradient through an inactive ReLU...
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Union

from hwcli.basics.costs import LayerCost, compare, layer_costs
from hwcli.basics.network import Layer, t2_network
from hwcli.basics.residual import residual_pass
from hwcli.basics.shapes import LayerShape, feature_map_sizes, output_length, padding_sides
from hwcli.render import factor, num

Answer = Union[float, tuple[float, float, float]]  # a number, or a feature map's (H, W, C)


@dataclass(frozen=True)
class Mistake:
    """A wrong answer students give, what it comes from, and its value for these numbers."""

    name: str
    formula: str
    value: Answer


@dataclass(frozen=True)
class Question:
    key: str  # where it sits in the answers file: "t1.w0"
    label: str  # what it asks: "dz/dw0"
    correct: Answer
    formula: str  # the right arithmetic, with the numbers in it
    exact: bool  # integers and sizes must match exactly; gradients to RELATIVE_TOLERANCE
    mistakes: list[Mistake] = field(default_factory=list)


RELATIVE_TOLERANCE = 5e-3  # a gradient is right to three significant figures


def agrees(answer: Answer, value: Answer, exact: bool) -> bool:
    if isinstance(value, tuple) or isinstance(answer, tuple):
        return answer == value
    if exact:
        return answer == value
    return math.isclose(answer, value, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)


# ---------------------------------------------------------------- T1: the residual connection

T1_INPUTS = ("w0", "w1", "b0", "b1", "x0")  # the gradients the homework asks for; x0 shows the skip path


def _relu_slope(x: float) -> float:
    return 1.0 if x > 0 else 0.0  # ReLU'(0) = 0, as in PyTorch and hwcli.basics


def _product(symbols: list[str], numbers: list[float]) -> str:
    value = math.prod(numbers)
    return f"{' × '.join(symbols)} = {' × '.join(factor(n) for n in numbers)} = {num(value)}"


RELU_Z, RELU_X1 = "ReLU'(pre_z)", "ReLU'(pre_x1)"


def is_skip_path(path) -> bool:
    """The path from x0 to z that meets no named value on its way, only pre-activations."""
    return all(link.lower.startswith("pre_") for link in path.links[:-1])


def t1_questions(values: dict[str, float] | None = None) -> list[Question]:
    """dz/d(each input) for these input values (the homework's by default)."""
    result = residual_pass(**(values or {}))
    v = {**result.values, **{step.name: step.value for step in result.forward}}  # pre-activations too
    rs, ra = _relu_slope(v["pre_z"]), _relu_slope(v["pre_x1"])
    chains = {rule.input: rule for rule in result.chain_rules}

    def chain_formula(name: str) -> str:
        rule = chains[name]
        terms = [(" × ".join(factor(link.factor) for link in path.links), is_skip_path(path)) for path in rule.paths]
        if len(terms) > 1:
            return " + ".join(f"[{t}]" + (" (skip path)" if skip else "") for t, skip in terms) + f" = {num(rule.total)}"
        return f"{terms[0][0]} = {num(rule.total)}" if terms else "0"

    # Each input's path back from z, as symbols and numbers: the right product, before ReLU slopes.
    through_branch = {
        "w0": (["w1", "x0"], [v["w1"], v["x0"]]),
        "b0": (["w1", "1"], [v["w1"], 1.0]),
        "w1": (["x1"], [v["x1"]]),
        "b1": (["1"], [1.0]),
    }
    questions = []
    for name in T1_INPUTS:
        mistakes: list[Mistake] = []
        correct = result.gradients[name]
        if name == "x0":
            branch = rs * v["w1"] * ra * v["w0"]
            mistakes += [
                Mistake(f"dz/dx0 without the skip path: x0 also reaches z directly, adding {RELU_Z} × 1",
                        _product([RELU_Z, "w1", RELU_X1, "w0"], [rs, v["w1"], ra, v["w0"]]), branch),
                Mistake("only the skip path: x0 also reaches z through x1 and y1",
                        _product([RELU_Z, "1"], [rs, 1.0]), rs),
                Mistake("the gradient went through an inactive ReLU (its slope is 0)",
                        f"[1 × w1 × 1 × w0] + [1 × 1] = {num(v['w1'] * v['w0'] + 1)}", v["w1"] * v["w0"] + 1),
            ]
        else:
            symbols, numbers = through_branch[name]
            first_layer = name in ("w0", "b0")
            slopes = [rs, ra] if first_layer else [rs]
            names = [RELU_Z, RELU_X1] if first_layer else [RELU_Z]
            ignored = [1.0] * len(slopes)
            mistakes.append(Mistake("the gradient went through an inactive ReLU (its slope is 0)",
                                    _product(names + symbols, ignored + numbers), math.prod(ignored + numbers)))
            if name == "w0":
                mistakes.append(Mistake("d(x0·w0)/dw0 is x0, not w0",
                                        _product(names + ["w1", "w0"], slopes + [v["w1"], v["w0"]]),
                                        math.prod(slopes + [v["w1"], v["w0"]])))
                mistakes.append(Mistake("the factor x0 is missing (that is dz/db0)",
                                        _product(names + ["w1"], slopes + [v["w1"]]), math.prod(slopes + [v["w1"]])))
            if name == "w1":
                mistakes.append(Mistake("dz/dw1 is x1 = ReLU(x0·w0 + b0), not the pre-activation",
                                        _product(names + ["pre_x1"], slopes + [v["pre_x1"]]), rs * v["pre_x1"]))
                mistakes.append(Mistake("dz/dw1 is x1, the ReLU's output, not x0",
                                        _product(names + ["x0"], slopes + [v["x0"]]), rs * v["x0"]))
        mistakes.append(Mistake("the sign is flipped", f"-({num(correct)}) = {num(-correct)}", -correct))
        questions.append(Question(f"t1.{name}", f"dz/d{name}", correct, chain_formula(name), exact=False,
                                  mistakes=_distinct(correct, mistakes, exact=False)))
    return questions


def _distinct(correct: Answer, mistakes: list[Mistake], exact: bool) -> list[Mistake]:
    """Only the mistakes that give a wrong answer here, each value once (the first name wins)."""
    kept: list[Mistake] = []
    for m in mistakes:
        if not agrees(m.value, correct, exact) and not any(agrees(m.value, k.value, exact) for k in kept):
            kept.append(m)
    return kept


# ---------------------------------------------------------------- T2: feature-map sizes

def size_text(shape: tuple) -> str:
    return "x".join(num(float(v)) if isinstance(v, float) else str(v) for v in shape)


def t2_questions() -> list[Question]:
    network = t2_network()
    report = feature_map_sizes(network)
    questions = []
    for shape in report.layers:
        layer = network.layer(shape.name)
        channels = f"{layer.filters} filters" if layer.is_conv else "a pool keeps its channels"
        formula = f"{shape.formula}; C = {shape.shape[2]} ({channels})"
        questions.append(Question(f"t2.{shape.name}", f"size of {shape.name}", shape.shape, formula, exact=True,
                                  mistakes=_distinct(shape.shape, _size_mistakes(layer, shape), exact=True)))
    return questions


def _size_mistakes(layer: Layer, shape: LayerShape) -> list[Mistake]:
    n, _, c_in = shape.input_shape  # T2's maps are square; the formula is the height's
    k, s = layer.kernel[0], layer.stride[0]
    p = padding_sides(layer, 0)[0]
    c = shape.shape[2]
    exact_quotient = (n - k + 2 * p) / s
    inner = f"({n} - {k} + 2*{p})/{s}"
    return [
        Mistake("the floor is missing: a window that does not fit is not computed",
                f"{inner} + 1 = {num(exact_quotient + 1)}", (exact_quotient + 1, exact_quotient + 1, c)),
        Mistake("rounded up; the formula takes the floor",
                f"ceil({inner}) + 1 = {math.ceil(exact_quotient) + 1}",
                (math.ceil(exact_quotient) + 1,) * 2 + (c,)),
        Mistake("the + 1 is missing (the first window counts)",
                f"floor({inner}) = {math.floor(exact_quotient)}", (math.floor(exact_quotient),) * 2 + (c,)),
        Mistake("the size kept as if padded ('same'); there is no padding here",
                f"{n}", (n, n, c)),
        Mistake("the channels: a conv outputs one channel per filter, a pool keeps its input's",
                f"{shape.formula}; C = {c}, not {c_in}", shape.shape[:2] + (c_in,)),
    ]


def follow_through(layer_name: str, source_answer: tuple) -> tuple[tuple[int, int, int], str] | None:
    """The size, and its formula, this layer would have on the student's own (wrong) input size."""
    layer = t2_network().layer(layer_name)
    if not all(float(v).is_integer() and v > 0 for v in source_answer):
        return None
    h, w, c = (int(v) for v in source_answer)
    try:
        axes = [output_length(length, layer, axis) for axis, length in enumerate((h, w))]
    except ValueError:
        return None
    return (axes[0].length, axes[1].length, layer.filters if layer.is_conv else c), axes[0].formula


# ---------------------------------------------------------------- OT1: multiplies and parameters

OT1_SIDES = {"AB": ["A", "B"], "D": ["D"]}


def ot1_questions() -> list[Question]:
    network = t2_network()
    shapes = feature_map_sizes(network)
    costs = {c.name: c for c in layer_costs(network, shapes=shapes)}
    comparison = compare(list(costs.values()), OT1_SIDES["AB"], OT1_SIDES["D"])
    right = {
        "multiplies_AB": comparison.multiplies_left, "multiplies_D": comparison.multiplies_right,
        "params_AB": comparison.params_left, "params_D": comparison.params_right,
    }
    questions = []
    for quantity, label in (("multiplies", "multiplies"), ("params", "parameters")):
        for side, names in OT1_SIDES.items():
            layers = [costs[n] for n in names]
            kernels = [_KernelFacts.of(network.layer(n), shapes.layer(n)) for n in names]
            slips = _multiply_mistakes if quantity == "multiplies" else _param_mistakes
            correct = right[f"{quantity}_{side}"]
            questions.append(Question(
                f"ot1.{quantity}_{side}", f"{label} for {'+'.join(names)}", correct,
                _sum_formula(layers, quantity, correct), exact=True,
                mistakes=_distinct(correct, slips(layers, kernels), exact=True)))
    return questions


@dataclass(frozen=True)
class _KernelFacts:
    """What the usual slips leave out of a conv layer's counts."""

    positions: int  # H x W of the output
    filters: int
    area: int  # kh x kw
    channels_in: int
    text: str  # "98*98", the output positions
    kernel: str  # "3*3"

    @classmethod
    def of(cls, layer: Layer, shape: LayerShape) -> "_KernelFacts":
        h, w, c = shape.shape
        (kh, kw), c_in = layer.kernel, shape.input_shape[2]
        return cls(h * w, c, kh * kw, c_in, f"{h}*{w}", f"{kh}*{kw}")


def _sum_formula(layers: list[LayerCost], quantity: str, total: int) -> str:
    parts = [f"{c.name}: {c.formulas[quantity]} = {getattr(c, quantity):,}" for c in layers]
    return "; ".join(parts) + (f"; total {total:,}" if len(layers) > 1 else "")


def _terms(texts: list[str], values: list[int]) -> tuple[str, int]:
    return " + ".join(texts) + f" = {sum(values):,}", sum(values)


def _multiply_mistakes(layers: list[LayerCost], kernels: list[_KernelFacts]) -> list[Mistake]:
    mistakes = [
        Mistake("the bias is not a multiply: it is one addition per output", *_terms(
            [f"{k.text}*{k.filters} x ({k.kernel}*{k.channels_in} + 1)" for k in kernels],
            [k.positions * k.filters * (k.area * k.channels_in + 1) for k in kernels])),
        Mistake("FLOPs (2 x MACs) counted, not multiplies", *_terms(
            [f"2 x {c.macs:,}" for c in layers], [c.flops for c in layers])),
        Mistake("multiplies and additions counted together", *_terms(
            [f"{c.multiplies:,} + {c.additions + c.bias_additions:,}" for c in layers],
            [c.multiplies + c.additions + c.bias_additions for c in layers])),
        Mistake("one output position only: each of the H x W positions repeats the multiplies", *_terms(
            [f"{k.kernel}*{k.channels_in}*{k.filters}" for k in kernels], [c.weights for c in layers])),
        Mistake("the input channels are missing from the kernel volume", *_terms(
            [f"{k.text}*{k.filters} x {k.kernel}" for k in kernels],
            [k.positions * k.filters * k.area for k in kernels])),
    ]
    if len(layers) > 1:
        last = layers[-1]
        mistakes.append(Mistake(f"only {last.name}: the path computes {' and '.join(c.name for c in layers)}",
                                f"{last.formulas['multiplies']} = {last.multiplies:,}", last.multiplies))
    return mistakes


def _param_mistakes(layers: list[LayerCost], kernels: list[_KernelFacts]) -> list[Mistake]:
    mistakes = [
        Mistake("the biases are missing: one per filter", *_terms(
            [f"{k.kernel}*{k.channels_in}*{k.filters}" for k in kernels], [c.weights for c in layers])),
        Mistake("the input channels are missing from each filter", *_terms(
            [f"{k.kernel}*{k.filters} + {k.filters}" for k in kernels],
            [k.area * k.filters + k.filters for k in kernels])),
        Mistake("one bias per layer; there is one per filter", *_terms(
            [f"{c.weights:,} + 1" for c in layers], [c.weights + 1 for c in layers])),
    ]
    if len(layers) > 1:
        last = layers[-1]
        mistakes.append(Mistake(f"only {last.name}: the path's parameters include {layers[0].name}'s",
                                f"{last.formulas['params']} = {last.params:,}", last.params))
    return mistakes


def all_questions(t1_values: dict[str, float] | None = None) -> list[Question]:
    return [*t1_questions(t1_values), *t2_questions(), *ot1_questions()]
