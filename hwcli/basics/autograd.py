"""A tiny scalar autograd engine in the spirit of micrograd.

Each operation computes its value and, beside it, its local derivative with respect to each
parent. `backward` walks the graph once in reverse topological order. Because the local
derivatives are plain numbers kept on the nodes, the chain rule can also be written out
afterwards, factor by factor (see `hwcli.basics.program`).
"""
from __future__ import annotations

import math


class MathError(ValueError):
    """An operation outside its domain: division by zero, log of a non-positive number..."""


class Value:
    __slots__ = ("data", "grad", "parents", "local_grads", "op", "label", "kink")

    def __init__(self, data: float, parents: tuple = (), local_grads: tuple = (), op: str = "",
                 kink: bool = False):
        if not math.isfinite(data):
            raise MathError(f"{op or 'value'} gives {data}, not a finite number")
        if not all(math.isfinite(g) for g in local_grads):
            raise MathError(f"the derivative of {op} is not finite here")
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents
        self.local_grads = local_grads  # d self / d parent, one per parent
        self.op = op
        self.label = ""  # set for the values a student names: inputs, assignments, pre-activations
        self.kink = kink  # evaluated exactly where the derivative is not defined (relu(0), abs(0))

    def __repr__(self) -> str:
        return f"Value({self.label or self.op}={self.data})"

    @staticmethod
    def lift(x: Value | float) -> Value:
        return x if isinstance(x, Value) else Value(x)

    def __add__(self, other):
        other = Value.lift(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __sub__(self, other):
        other = Value.lift(other)
        return Value(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __mul__(self, other):
        other = Value.lift(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __truediv__(self, other):
        other = Value.lift(other)
        if other.data == 0:
            raise MathError("division by zero")
        a, b = self.data, other.data
        return Value(a / b, (self, other), (1 / b, -(a / b) / b), "/")

    def __pow__(self, other):
        other = Value.lift(other)
        a, b = self.data, other.data
        if a == 0 and b < 0:
            raise MathError("zero raised to a negative power")
        if a < 0 and not b.is_integer():
            raise MathError(f"negative number {a:g} raised to the non-integer power {b:g}")
        if a == 0 and 0 < b < 1:
            raise MathError(f"0 ** {b:g} has an infinite derivative")
        try:
            out = a**b
            d_base = b * a ** (b - 1) if b != 0 else 0.0
        except OverflowError:
            raise MathError(f"{a:g} ** {b:g} overflows") from None
        if other.parents or other.label:  # the exponent depends on an input: d/db = a**b * log(a)
            if a <= 0:
                raise MathError(f"the derivative of {a:g} ** b with respect to b needs a positive base")
            return Value(out, (self, other), (d_base, out * math.log(a)), "**")
        return Value(out, (self,), (d_base,), "**")

    def __neg__(self):
        return Value(-self.data, (self,), (-1.0,), "neg")

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, other):
        return Value.lift(other) - self

    def __rtruediv__(self, other):
        return Value.lift(other) / self

    def __rpow__(self, other):
        return Value.lift(other) ** self

    def __pos__(self):
        return self

    # Functions. ReLU'(0) = 0 and |x|'(0) = 0, as in PyTorch.
    def relu(self):
        x = self.data
        return Value(max(x, 0.0), (self,), (1.0 if x > 0 else 0.0,), "relu", kink=x == 0)

    def abs(self):
        x = self.data
        return Value(abs(x), (self,), (math.copysign(1.0, x) if x != 0 else 0.0,), "abs", kink=x == 0)

    def exp(self):
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise MathError(f"exp({self.data:g}) overflows") from None
        return Value(e, (self,), (e,), "exp")

    def log(self):
        if self.data <= 0:
            raise MathError(f"log of a non-positive number ({self.data:g})")
        return Value(math.log(self.data), (self,), (1 / self.data,), "log")

    def sqrt(self):
        if self.data < 0:
            raise MathError(f"sqrt of a negative number ({self.data:g})")
        if self.data == 0:
            raise MathError("sqrt at 0 has an infinite derivative")
        s = math.sqrt(self.data)
        return Value(s, (self,), (0.5 / s,), "sqrt")

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), (1 - t * t,), "tanh")

    def sigmoid(self):
        x = self.data
        s = 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
        return Value(s, (self,), (s * (1 - s),), "sigmoid")


FUNCTIONS = {name: getattr(Value, name) for name in ("relu", "exp", "log", "tanh", "sigmoid", "sqrt", "abs")}


def topological_order(root: Value) -> list[Value]:
    order, seen = [], set()
    stack = [(root, False)]
    while stack:  # iterative, so that long programs do not hit the recursion limit
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents)
    return order


def backward(root: Value) -> list[Value]:
    """Fill `.grad` of every node with d root / d node; returns the nodes in topological order."""
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad
    return order
