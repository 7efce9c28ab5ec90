"""The same answers from PyTorch, for `--verify`. torch is imported here only, on demand."""
from __future__ import annotations

from dataclasses import dataclass

from hwcli.basics.network import Layer, Network
from hwcli.basics.program import central_differences, evaluate, parse_program


def grad_with_torch(program_text: str, inputs: dict[str, float]) -> dict[str, float]:
    import torch

    program = parse_program(program_text)
    leaves = {k: torch.tensor(float(v), dtype=torch.float64, requires_grad=True) for k, v in inputs.items()}
    functions = {"relu": torch.relu, "exp": torch.exp, "log": torch.log, "tanh": torch.tanh,
                 "sigmoid": torch.sigmoid, "sqrt": torch.sqrt, "abs": torch.abs}
    env = evaluate(program, leaves, constant=lambda c: torch.tensor(c, dtype=torch.float64), functions=functions)
    output = env[program.output]
    if not output.requires_grad:  # the output is a constant
        return {k: 0.0 for k in leaves}
    output.backward()
    return {k: (v.grad.item() if v.grad is not None else 0.0) for k, v in leaves.items()}


def torch_layer(layer: Layer, in_channels: int):
    from torch import nn

    if layer.is_conv:
        padding = layer.padding if layer.padding == "same" else tuple(layer.padding)
        return nn.Conv2d(in_channels, layer.filters, layer.kernel, layer.stride, padding,
                         layer.dilation, bias=layer.bias)
    pool = nn.MaxPool2d if layer.type == "maxpool" else nn.AvgPool2d
    return pool(layer.kernel, layer.stride, tuple(layer.padding), ceil_mode=layer.ceil_mode)


def run_in_torch(network: Network, count_flops: bool = False) -> dict[str, tuple[tuple[int, int, int], int]]:
    """Each layer's output H x W x C from a zero tensor, and (optionally) FlopCounterMode's count."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    h, w, c = network.input
    outputs = {"input": torch.zeros(1, c, h, w)}
    result = {}
    with torch.no_grad():
        for layer in network.layers:
            x = outputs[layer.source]
            module = torch_layer(layer, x.shape[1])
            flops = 0
            if count_flops:
                counter = FlopCounterMode(display=False)
                with counter:
                    y = module(x)
                flops = counter.get_total_flops()
            else:
                y = module(x)
            outputs[layer.name] = y
            result[layer.name] = ((y.shape[2], y.shape[3], y.shape[1]), flops)
    return result




@dataclass(frozen=True)
class GradVerification:
    torch: dict[str, float]
    numeric: dict[str, float]  # central differences


def verify_gradients(program_text: str, inputs: dict[str, float]) -> GradVerification:
    return GradVerification(grad_with_torch(program_text, inputs), central_differences(program_text, inputs))


def softmax_gradient_with_torch(logits: list[float], label: int) -> list[float]:
    import torch

    h = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.cross_entropy(h[None], torch.tensor([label])).backward()
    return h.grad.tolist()
