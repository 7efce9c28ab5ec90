"""Multiplies, additions, MACs, FLOPs and parameters per layer, and the conventions of the
counting tools students meet (which disagree about bias, pooling and the factor 2)."""
from __future__ import annotations

import math
from dataclasses import dataclass

from hwcli.basics.network import Network
from hwcli.basics.shapes import ShapeReport, feature_map_sizes
from hwcli.errors import InputError


@dataclass(frozen=True)
class LayerCost:
    name: str
    type: str
    shape: tuple[int, int, int]
    multiplies: int  # in the weighted sums; pooling has none
    additions: int  # in the weighted sums, the bias additions apart
    bias_additions: int
    comparisons: int  # max pooling
    pool_additions: int  # average pooling (and one division per output, not counted here)
    macs: int
    flops: int  # 2 x MACs, the convention of torch's FlopCounterMode
    weights: int
    biases: int
    params: int
    formulas: dict[str, str]


@dataclass(frozen=True)
class Convention:
    tool: str
    counts: str
    total: int


@dataclass(frozen=True)
class Comparison:
    left: list[str]
    right: list[str]
    multiplies_left: int
    multiplies_right: int
    params_left: int
    params_right: int
    multiplies_ratio: float  # right / left
    params_ratio: float
    conclusion: str


@dataclass(frozen=True)
class CostReport:
    bias: bool
    layers: list[LayerCost]
    conventions: list[Convention]
    comparison: Comparison | None

    def layer(self, name: str) -> LayerCost:
        return next(layer for layer in self.layers if layer.name == name)


def layer_costs(network: Network, bias: bool = True, shapes: ShapeReport | None = None) -> list[LayerCost]:
    """One row per layer; `bias=False` counts the network as if no layer had a bias."""
    shapes = shapes or feature_map_sizes(network)
    rows = []
    for layer, shape in zip(network.layers, shapes.layers):
        h, w, c = shape.shape
        outputs = h * w * c
        kh, kw = layer.kernel
        n = f"{h}*{w}*{c}"  # output values
        if layer.is_conv:
            c_in = shape.input_shape[2]
            fan_in = kh * kw * c_in
            has_bias = bias and layer.bias
            rows.append(LayerCost(
                name=layer.name, type=layer.type, shape=shape.shape,
                multiplies=outputs * fan_in, additions=outputs * (fan_in - 1),
                bias_additions=outputs if has_bias else 0, comparisons=0, pool_additions=0,
                macs=outputs * fan_in, flops=2 * outputs * fan_in,
                weights=fan_in * c, biases=c if has_bias else 0,
                params=fan_in * c + (c if has_bias else 0),
                formulas={
                    "multiplies": f"{n} x {kh}*{kw}*{c_in}",
                    "additions": f"{n} x ({kh}*{kw}*{c_in} - 1)",
                    "params": f"{kh}*{kw}*{c_in}*{c}" + (f" + {c}" if has_bias else ""),
                },
            ))
        else:
            window = kh * kw
            is_max = layer.type == "maxpool"
            rows.append(LayerCost(
                name=layer.name, type=layer.type, shape=shape.shape,
                multiplies=0, additions=0, bias_additions=0,
                comparisons=outputs * (window - 1) if is_max else 0,
                pool_additions=0 if is_max else outputs * (window - 1),
                macs=0, flops=0, weights=0, biases=0, params=0,
                formulas={"pool_ops": f"{n} x ({kh}*{kw} - 1) {'comparisons' if is_max else 'additions'}"},
            ))
    return rows


def conventions(shapes: ShapeReport, costs: list[LayerCost]) -> list[Convention]:
    """The same network as each popular counter reports it."""
    macs = sum(c.macs for c in costs)
    bias = sum(c.bias_additions for c in costs)
    pool_inputs = sum(math.prod(layer.input_shape) for layer in shapes.layers if layer.type != "conv")
    return [
        Convention("thop / fvcore", "MACs, bias not counted, pooling not counted", macs),
        Convention("torchinfo (mult-adds)", "MACs plus one per bias addition", macs + bias),
        Convention("torch FlopCounterMode", "2 x MACs, bias and pooling not counted", 2 * macs),
        Convention("ptflops", "MACs + bias additions + one per pooling input element", macs + bias + pool_inputs),
        Convention("hw4 (this table)", "multiplies + additions + bias additions", macs + sum(c.additions for c in costs) + bias),
    ]


def parse_sides(text: str, known: list[str]) -> tuple[list[str], list[str]]:
    """'A+B:D' -> (['A', 'B'], ['D']), naming any unknown layer."""
    if text.count(":") != 1:
        raise InputError(f"--compare {text!r}: write two sums of layer names, like 'A+B:D'")
    sides = []
    for side in text.split(":"):
        names = [name.strip() for name in side.split("+")]
        for name in names:
            if name not in known:
                raise InputError(f"--compare {text!r}: no layer named {name!r} (layers: {', '.join(known)})")
        sides.append(names)
    return sides[0], sides[1]


Region = tuple[str, tuple[int, int]]  # a chain's source, and its last layer's receptive field


def compare(costs: list[LayerCost], left: list[str], right: list[str],
            regions: tuple[Region | None, Region | None] | None = None) -> Comparison:
    """Multiplies and parameters of two sums of layers. `regions` (see `chain_region`) decide the
    conclusion: Inception's argument is about two chains that read the same region of one input."""
    by_name = {c.name: c for c in costs}
    m_left = sum(by_name[n].multiplies for n in left)
    m_right = sum(by_name[n].multiplies for n in right)
    p_left = sum(by_name[n].params for n in left)
    p_right = sum(by_name[n].params for n in right)
    m_ratio = m_right / m_left if m_left else float("inf")
    p_ratio = p_right / p_left if p_left else float("inf")
    lhs, rhs = "+".join(left), "+".join(right)
    same_region = regions is not None and regions[0] is not None and regions[0] == regions[1]
    if m_left and p_left and m_left < m_right and p_left < p_right:
        conclusion = (f"{lhs} needs {1 - m_left / m_right:.0%} fewer multiplies and {1 - p_left / p_right:.0%} "
                      f"fewer parameters than {rhs}")
        if same_region:
            source, field = regions[0]
            source = "the input" if source == "input" else source
            conclusion += (f", and both read the same {field[0]}x{field[1]} region of {source}: stacking small "
                           "kernels is cheaper than one large kernel, which is the Inception v2 argument.")
        elif regions is not None:
            conclusion += ("; but they are not two chains reading the same region of the same input, so this "
                           "is not the Inception v2 comparison.")
        else:
            conclusion += "."
    else:
        conclusion = (f"{lhs} needs {m_left:,} multiplies and {p_left:,} parameters against {m_right:,} and "
                      f"{p_right:,} for {rhs}.")
    return Comparison(left, right, m_left, m_right, p_left, p_right, m_ratio, p_ratio, conclusion)


def chain_region(network: Network, shapes: ShapeReport, names: list[str]) -> Region | None:
    """Where a chain of layers (each reading the one before) starts, and what its end sees of it."""
    if any(network.layer(after).source != before for before, after in zip(names, names[1:])):
        return None
    return network.layer(names[0]).source, shapes.layer(names[-1]).receptive_field


def cost_report(network: Network, bias: bool = True, compare_spec: str | None = "A+B:D") -> CostReport:
    shapes = feature_map_sizes(network)
    costs = layer_costs(network, bias, shapes)
    comparison = None
    if compare_spec:
        left, right = parse_sides(compare_spec, [c.name for c in costs])
        regions = (chain_region(network, shapes, left), chain_region(network, shapes, right))
        comparison = compare(costs, left, right, regions)
    return CostReport(bias, costs, conventions(shapes, costs), comparison)
