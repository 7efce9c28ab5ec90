"""Conv/pool network descriptions: the T2 figure built in, others read from TOML files."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hwcli.errors import InputError

LAYER_TYPES = ("conv", "maxpool", "avgpool")
COMMON_KEYS = {"name", "type", "kernel", "stride", "padding", "from"}
KEYS_BY_TYPE = {
    "conv": COMMON_KEYS | {"filters", "dilation", "bias"},
    "maxpool": COMMON_KEYS | {"ceil_mode"},
    "avgpool": COMMON_KEYS | {"ceil_mode"},
}


@dataclass(frozen=True)
class Layer:
    name: str
    type: str  # conv, maxpool or avgpool
    source: str  # the layer it reads, or "input"
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int] | str  # (ph, pw), or "same"
    filters: int | None = None  # conv only
    dilation: tuple[int, int] = (1, 1)
    bias: bool = True
    ceil_mode: bool = False

    @property
    def is_conv(self) -> bool:
        return self.type == "conv"


@dataclass(frozen=True)
class Network:
    input: tuple[int, int, int]  # H, W, C
    layers: tuple[Layer, ...]
    origin: str = "T2"  # where it was described, for error messages

    def layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)


def conv(name: str, filters: int, kernel: int, source: str, stride: int = 1, padding: int = 0) -> Layer:
    return Layer(name, "conv", source, (kernel, kernel), (stride, stride), (padding, padding), filters)


def maxpool(name: str, kernel: int, source: str, stride: int | None = None) -> Layer:
    s = kernel if stride is None else stride
    return Layer(name, "maxpool", source, (kernel, kernel), (s, s), (0, 0))


def t2_network() -> Network:
    """The homework's T2 figure: two branches from a 100x100x3 input, layers A to E."""
    return Network((100, 100, 3), (
        conv("A", 5, 3, "input"),
        conv("B", 10, 3, "A"),
        maxpool("C", 5, "B", stride=2),
        conv("D", 10, 5, "input"),
        conv("E", 5, 1, "D"),
    ))


def load_network(path: Path) -> Network:
    """Read a TOML spec (`input = [H, W, C]` and `[[layers]]` tables); every error names the layer."""
    import tomllib

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read: {getattr(e, 'strerror', None) or e}") from None
    try:
        data = tomllib.loads(text)
    except ValueError as e:  # TOMLDecodeError, or an integer too long for Python to convert
        raise InputError(f"{path}: not valid TOML: {e}") from None
    return network_from_dict(data, str(path))


def network_from_dict(data: dict[str, Any], where: str = "spec") -> Network:
    unknown = set(data) - {"input", "layers"}
    if unknown:
        raise InputError(f"{where}: unknown key {sorted(unknown)[0]!r} (expected 'input' and [[layers]])")
    if "input" not in data:
        raise InputError(f"{where}: missing 'input = [H, W, C]'")
    raw_input = data["input"]
    if not (isinstance(raw_input, list) and len(raw_input) == 3):
        raise InputError(f"{where}: 'input' must be [H, W, C], got {raw_input!r}")
    shape = tuple(_positive_int(v, f"{where}: input") for v in raw_input)
    raw_layers = data.get("layers")
    if not isinstance(raw_layers, list) or not raw_layers:
        raise InputError(f"{where}: no [[layers]] tables")
    layers: list[Layer] = []
    names = {"input"}
    for index, raw in enumerate(raw_layers, 1):
        layer = _layer_from_dict(raw, index, layers, names, where)
        names.add(layer.name)
        layers.append(layer)
    return Network(shape, tuple(layers), where)  # type: ignore[arg-type]


def _layer_from_dict(raw: Any, index: int, earlier: list[Layer], names: set[str], where: str) -> Layer:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: layer {index} is not a table")
    name = raw.get("name", f"layer{index}")
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{where}: layer {index}: 'name' must be a non-empty string")
    at = f"{where}: layer {name!r}"
    if name in names:
        raise InputError(f"{at}: the name is already used" + (" (reserved)" if name == "input" else ""))
    kind = raw.get("type")
    if kind not in LAYER_TYPES:
        raise InputError(f"{at}: 'type' must be one of {', '.join(LAYER_TYPES)}, got {kind!r}")
    unknown = set(raw) - KEYS_BY_TYPE[kind]
    if unknown:
        raise InputError(f"{at}: unknown key {sorted(unknown)[0]!r} for a {kind} layer "
                         f"(allowed: {', '.join(sorted(KEYS_BY_TYPE[kind]))})")
    source = raw.get("from", earlier[-1].name if earlier else "input")
    if source not in names:
        raise InputError(f"{at}: 'from' names {source!r}, which is not the input or an earlier layer")
    if "kernel" not in raw:
        raise InputError(f"{at}: missing 'kernel'")
    kernel = _pair(raw["kernel"], f"{at}: kernel", minimum=1)
    if kind == "conv":
        if "filters" not in raw:
            raise InputError(f"{at}: missing 'filters'")
        filters = _positive_int(raw["filters"], f"{at}: filters")
        stride = _pair(raw.get("stride", 1), f"{at}: stride", minimum=1)
    else:
        filters = None
        stride = _pair(raw["stride"], f"{at}: stride", minimum=1) if "stride" in raw else kernel
    padding: tuple[int, int] | str
    if raw.get("padding") == "same":
        if kind != "conv":
            raise InputError(f"{at}: padding 'same' is for conv layers (PyTorch pools take numbers)")
        if stride != (1, 1):
            raise InputError(f"{at}: padding 'same' needs stride 1 (as in PyTorch)")
        padding = "same"
    else:
        padding = _pair(raw.get("padding", 0), f"{at}: padding", minimum=0)
    return Layer(
        name=name, type=kind, source=source, kernel=kernel, stride=stride, padding=padding,
        filters=filters,
        dilation=_pair(raw.get("dilation", 1), f"{at}: dilation", minimum=1),
        bias=_bool(raw.get("bias", True), f"{at}: bias"),
        ceil_mode=_bool(raw.get("ceil_mode", False), f"{at}: ceil_mode"),
    )


def _positive_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"{where} must be a positive integer, got {value!r}")
    return value


def _pair(value: Any, where: str, minimum: int) -> tuple[int, int]:
    items = value if isinstance(value, list) else [value, value]
    if len(items) != 2 or any(isinstance(v, bool) or not isinstance(v, int) for v in items):
        raise InputError(f"{where} must be an integer or [h, w], got {value!r}")
    if any(v < minimum for v in items):
        kind = "positive" if minimum == 1 else "non-negative"
        raise InputError(f"{where} must be {kind}, got {value!r}")
    return (items[0], items[1])


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"{where} must be true or false, got {value!r}")
    return value
