"""Feature-map sizes, receptive fields and effective strides, by PyTorch's exact rules."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hwcli.basics.network import Layer, Network
from hwcli.errors import InputError


@dataclass(frozen=True)
class AxisSize:
    """One spatial axis of one layer: its output length and the arithmetic behind it."""

    length: int
    formula: str
    unused: int  # input pixels at the end of the axis that no window reads


@dataclass(frozen=True)
class LayerShape:
    name: str
    type: str
    source: str
    description: str  # "conv 5 filters 3x3, stride 1, padding 0"
    input_shape: tuple[int, int, int]
    shape: tuple[int, int, int]  # H, W, C
    formula: str
    receptive_field: tuple[int, int]
    effective_stride: tuple[int, int]
    note: str = ""

    json_names: ClassVar[dict[str, str]] = {"source": "from"}


@dataclass(frozen=True)
class ShapeReport:
    input: tuple[int, int, int]
    layers: list[LayerShape]

    def layer(self, name: str) -> LayerShape:
        return next(layer for layer in self.layers if layer.name == name)


def padding_sides(layer: Layer, axis: int) -> tuple[int, int]:
    """(before, after) padding on an axis; 'same' pads the odd pixel after, as PyTorch does."""
    if layer.padding == "same":
        total = layer.dilation[axis] * (layer.kernel[axis] - 1)
        return total // 2, total - total // 2
    p = layer.padding[axis]
    return p, p


def output_length(n: int, layer: Layer, axis: int) -> AxisSize:
    """PyTorch's output length on one axis (conv and pools; ceil_mode included)."""
    k, s, d = layer.kernel[axis], layer.stride[axis], layer.dilation[axis]
    before, after = padding_sides(layer, axis)
    span = d * (k - 1) + 1  # the window's extent on the input, dilation included
    padded = n + before + after
    axis_name = "height" if axis == 0 else "width"
    if layer.is_conv and span > padded:  # pools may overhang in ceil_mode; only their output must exist
        raise ValueError(f"the kernel ({span}) is larger than the padded input ({padded}) along the {axis_name}")
    if layer.padding == "same":
        return AxisSize(n, f"'same' padding ({before}+{after}): {n}", 0)
    p = before
    inner = f"{n} - {k} + 2*{p}" if d == 1 else f"{n} + 2*{p} - {d}*({k} - 1) - 1"
    numerator = padded - span if d == 1 else padded - d * (k - 1) - 1
    if layer.ceil_mode:
        out = -(-numerator // s) + 1
        formula = f"ceil(({inner})/{s}) + 1"
        if (out - 1) * s >= n + p:  # the last window would start in the right padding: dropped
            out -= 1
            formula += " - 1 (last window would start in the padding)"
    else:
        out = numerator // s + 1
        formula = f"floor(({inner})/{s}) + 1"
    if out < 1:
        raise ValueError(f"the window ({span}) leaves no output on the padded input ({padded}) along the {axis_name}")
    covered = (out - 1) * s + span
    return AxisSize(out, f"{formula} = {out}", max(0, p + n - covered))


def describe(layer: Layer) -> str:
    """The layer in a few words: the filter count is the output's C, and stride and padding are
    in the formula beside it."""
    kh, kw = layer.kernel
    if layer.is_conv:
        text = f"conv {kh}x{kw}"
        if layer.dilation != (1, 1):
            text += f", dilation {_pair_text(layer.dilation)}"
        return text + ("" if layer.bias else ", no bias")
    return f"{layer.type} {kh}x{kw}" + (", ceil_mode" if layer.ceil_mode else "")


def _pair_text(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}x{pair[1]}"


def feature_map_sizes(network: Network) -> ShapeReport:
    """Every layer's output H x W x C, with the formula, receptive field and effective stride."""
    shapes = {"input": network.input}
    fields = {"input": ((1, 1), (1, 1))}  # receptive field, effective stride (jump)
    layers = []
    for layer in network.layers:
        h, w, c = shapes[layer.source]
        where = f"{network.origin}: layer {layer.name!r} ({describe(layer)}) on {h}x{w}x{c}"
        _check_pool_padding(layer, where)
        try:
            axes = [output_length(n, layer, axis) for axis, n in enumerate((h, w))]
        except ValueError as e:
            raise InputError(f"{where}: {e}") from None
        channels = layer.filters if layer.is_conv else c
        (rh, rw), (jh, jw) = fields[layer.source]
        rf = tuple(r + layer.dilation[i] * (layer.kernel[i] - 1) * j
                   for i, (r, j) in enumerate(((rh, jh), (rw, jw))))
        jump = (jh * layer.stride[0], jw * layer.stride[1])
        shapes[layer.name] = (axes[0].length, axes[1].length, channels)
        fields[layer.name] = (rf, jump)
        formula = axes[0].formula if axes[0].formula == axes[1].formula else \
            f"H: {axes[0].formula}; W: {axes[1].formula}"
        layers.append(LayerShape(
            name=layer.name, type=layer.type, source=layer.source, description=describe(layer),
            input_shape=(h, w, c), shape=shapes[layer.name], formula=formula,
            receptive_field=rf, effective_stride=jump, note=_unused_note(axes, layer.source),
        ))
    return ShapeReport(network.input, layers)


def _check_pool_padding(layer: Layer, where: str) -> None:
    if layer.is_conv or layer.padding == "same":
        return
    for axis, name in ((0, "height"), (1, "width")):
        if layer.padding[axis] > layer.kernel[axis] // 2:
            raise InputError(f"{where}: padding {layer.padding[axis]} is more than half the "
                             f"kernel {layer.kernel[axis]} ({name}); PyTorch refuses such a pool")


def _unused_note(axes: list[AxisSize], source: str) -> str:
    parts = [f"the last {a.unused} {'row' if i == 0 else 'column'}{'s' if a.unused > 1 else ''}"
             for i, a in enumerate(axes) if a.unused]
    return f"{' and '.join(parts)} of {source} are never read" if parts else ""
