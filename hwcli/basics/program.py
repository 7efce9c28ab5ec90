"""Scalar programs: parse assignments with `ast`, evaluate them on the autograd engine, and
write the chain rule out the way a student would.

User text is parsed into a syntax tree and walked here; it is never passed to eval or exec.
"""
from __future__ import annotations

import ast
import copy
import math
import operator
from dataclasses import dataclass, field
from typing import Any, Callable

from hwcli.basics.autograd import FUNCTIONS, MathError, Value, backward
from hwcli.errors import InputError

MAX_PATHS = 32  # chain-rule paths written out per input; the sum is always over all of them

BINARY_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow,
}
UNARY_OPS: dict[type, Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}


@dataclass(frozen=True)
class Statement:
    target: str
    expression: ast.expr
    text: str  # the statement as written, for error messages


@dataclass(frozen=True)
class Program:
    statements: tuple[Statement, ...]
    inputs: tuple[str, ...]  # names read before they are assigned, in order of first use

    @property
    def output(self) -> str:
        return self.statements[-1].target


@dataclass(frozen=True)
class ForwardStep:
    name: str
    expression: str
    value: float
    note: str = ""


@dataclass(frozen=True)
class ChainLink:
    upper: str
    lower: str
    factor: float  # d upper / d lower


@dataclass(frozen=True)
class ChainPath:
    links: tuple[ChainLink, ...]
    product: float


@dataclass(frozen=True)
class ChainRule:
    input: str
    paths: tuple[ChainPath, ...]
    omitted_paths: int
    total: float


@dataclass(frozen=True)
class GradResult:
    program: str
    output: str
    inputs: dict[str, float]
    values: dict[str, float]  # inputs, then every assigned name (its last value)
    gradients: dict[str, float]  # d output / d input
    intermediate_gradients: dict[str, float]  # d output / d every named value and pre-activation
    forward: list[ForwardStep]
    chain_rules: list[ChainRule]
    kinks: list[str] = field(default_factory=list)


def parse_program(text: str) -> Program:
    """Assignments separated by ';' or newlines; + - * / **, unary minus, numbers, functions."""
    try:
        tree = ast.parse(text, mode="exec")
    except SyntaxError as e:
        line = (e.text or "").strip()
        raise InputError(f"expression: syntax error at line {e.lineno}: {line!r}") from None
    except (RecursionError, MemoryError):
        raise InputError("expression: nested too deeply") from None
    if not tree.body:
        raise InputError("expression: no statement (write e.g. 'z = relu(x*w + b)')")
    statements, inputs, assigned = [], [], set()
    for number, node in enumerate(tree.body, 1):
        text_of = ast.get_source_segment(text, node) or ast.unparse(node)
        where = f"statement {number} ({text_of!r})"
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            raise InputError(f"{where}: not an assignment 'name = expression'")
        called = {id(sub.func) for sub in ast.walk(node.value) if isinstance(sub, ast.Call)}
        for sub in ast.walk(node.value):
            _check_node(sub, where)
        names = [sub for sub in ast.walk(node.value) if isinstance(sub, ast.Name) and id(sub) not in called]
        for sub in sorted(names, key=lambda n: (n.lineno, n.col_offset)):  # in the order they are written
            if sub.id not in assigned and sub.id not in inputs:
                if sub.id in FUNCTIONS:
                    raise InputError(f"{where}: {sub.id} is a function; call it as {sub.id}(...)")
                inputs.append(sub.id)
        target = node.targets[0].id
        if target in FUNCTIONS:
            raise InputError(f"{where}: cannot assign to the function name {target!r}")
        assigned.add(target)
        statements.append(Statement(target, node.value, text_of))
    return Program(tuple(statements), tuple(inputs))


def _check_node(node: ast.AST, where: str) -> None:
    if isinstance(node, ast.BinOp):
        if type(node.op) not in BINARY_OPS:
            raise InputError(f"{where}: operator {type(node.op).__name__} is not supported (use + - * / **)")
    elif isinstance(node, ast.UnaryOp):
        if type(node.op) not in UNARY_OPS:
            raise InputError(f"{where}: unary {type(node.op).__name__} is not supported")
    elif isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        if name not in FUNCTIONS:
            raise InputError(f"{where}: unknown function {name!r} (known: {', '.join(FUNCTIONS)})")
        if len(node.args) != 1 or node.keywords:
            raise InputError(f"{where}: {name} takes exactly one argument")
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise InputError(f"{where}: {node.value!r} is not a number")
        try:
            finite = math.isfinite(float(node.value))
        except OverflowError:  # an integer literal beyond float range
            finite = False
        if not finite:
            raise InputError(f"{where}: a number is too large for a float")
    elif not isinstance(node, (ast.Name, ast.Load, ast.operator, ast.unaryop)):
        raise InputError(f"{where}: {type(node).__name__} is not allowed in an expression")


def evaluate(program: Program, inputs: dict[str, Any], *, constant: Callable[[float], Any],
             functions: dict[str, Callable[[Any], Any]],
             on_value: Callable[[Any, ast.expr, Statement, dict], None] | None = None) -> dict[str, Any]:
    """Run the program on any number type (autograd Values, floats, torch tensors).

    Returns the environment: every name's last value. `on_value` sees each call's argument
    and result as they are made, which is how pre-activations get their names.
    """
    env = dict(inputs)

    def walk(node: ast.expr, statement: Statement):
        if isinstance(node, ast.Constant):
            return constant(float(node.value))
        if isinstance(node, ast.Name):
            return env[node.id]
        if isinstance(node, ast.BinOp):
            return BINARY_OPS[type(node.op)](walk(node.left, statement), walk(node.right, statement))
        if isinstance(node, ast.UnaryOp):
            return UNARY_OPS[type(node.op)](walk(node.operand, statement))
        assert isinstance(node, ast.Call)
        argument = walk(node.args[0], statement)
        result = functions[node.func.id](argument)
        if on_value is not None:
            on_value(argument, node.args[0], statement, env)
            on_value(result, node, statement, env)
        return result

    for number, statement in enumerate(program.statements, 1):
        try:
            value = walk(statement.expression, statement)
        except MathError as e:
            raise InputError(f"statement {number} ({statement.text!r}): {e}") from None
        if on_value is not None:
            on_value(value, statement.expression, statement, env)
        env[statement.target] = value
    return env


def _float_program(program: Program, inputs: dict[str, float]) -> float:
    env = evaluate(program, {k: Value(v) for k, v in inputs.items()}, constant=Value, functions=FUNCTIONS)
    return env[program.output].data


def gradients(program_text: str, inputs: dict[str, float]) -> GradResult:
    """Forward values, gradients of the output, and the chain rule written out for each input."""
    program = parse_program(program_text)
    missing = [name for name in program.inputs if name not in inputs]
    if missing:
        raise InputError(f"expression: no value for {', '.join(missing)} (give it with --set {missing[0]}=VALUE)")
    for name, value in inputs.items():
        if not math.isfinite(value):
            raise InputError(f"input {name}: {value} is not a finite number")
    leaves = {name: Value(float(value)) for name, value in inputs.items()}
    for name, leaf in leaves.items():
        leaf.label = name

    named: list[Value] = []  # stations: values with a name, in the order they were made
    definitions: dict[int, tuple[ast.expr, dict]] = {}
    labels_used = set(leaves) | {s.target for s in program.statements}  # generated labels avoid them
    shadowed_count: dict[str, int] = {}

    def unique(label: str) -> str:
        base, k = label, 1
        while label in labels_used:
            k += 1
            label = f"{base}#{k}"
        labels_used.add(label)
        return label

    def on_value(value: Value, node: ast.expr, statement: Statement, env: dict) -> None:
        if not isinstance(value, Value) or value.label:
            return
        if node is statement.expression:
            shadowed_count[statement.target] = shadowed_count.get(statement.target, 0) + 1
            value.label = statement.target  # relabelled below if the name is assigned again
        elif isinstance(statement.expression, ast.Call) and node is statement.expression.args[0]:
            value.label = unique(f"pre_{statement.target}")
        else:
            value.label = unique(ast.unparse(node))
        named.append(value)
        definitions[id(value)] = (node, dict(env))

    env = evaluate(program, leaves, constant=Value, functions=FUNCTIONS, on_value=on_value)
    _relabel_shadowed(named, shadowed_count)
    output = env[program.output]
    backward(output)

    forward = [ForwardStep(v.label, _definition(v, *definitions[id(v)]), v.data, _note(v)) for v in named]
    stations = {id(v): v for v in [*leaves.values(), *named]}
    children = {id(v): _station_children(v, stations) for v in named}
    chain_rules = [_chain_rule(output, leaves[name], children) for name in inputs]
    values = {name: v.data for name, v in leaves.items()}
    values.update({name: env[name].data for name in dict.fromkeys(s.target for s in program.statements)})
    return GradResult(
        program=program_text.strip(),
        output=program.output,
        inputs={k: float(v) for k, v in inputs.items()},
        values=values,
        gradients={name: leaf.grad for name, leaf in leaves.items()},
        intermediate_gradients={v.label: v.grad for v in named},
        forward=forward,
        chain_rules=chain_rules,
        kinks=[f"{_kink_site(v)} at exactly 0: its derivative there is taken as 0, as in PyTorch"
               for v in named if v.kink],
    )


def _relabel_shadowed(named: list[Value], count: dict[str, int]) -> None:
    """A name assigned twice: its earlier values become name@1, name@2...; the last keeps the name."""
    seen: dict[str, int] = {}
    for v in named:
        if count.get(v.label, 0) > 1:
            seen[v.label] = seen.get(v.label, 0) + 1
            if seen[v.label] < count[v.label]:
                v.label = f"{v.label}@{seen[v.label]}"


def _definition(value: Value, node: ast.expr, env: dict[str, Value]) -> str:
    """The expression that made `value`, in terms of the named values it read."""
    if isinstance(node, ast.Call):
        return f"{node.func.id}({_arg_label(value)})"

    class Relabel(ast.NodeTransformer):
        def visit_Name(self, name: ast.Name) -> ast.Name:
            label = env[name.id].label if name.id in env else name.id
            return ast.copy_location(ast.Name(id=label, ctx=ast.Load()), name)

    return ast.unparse(Relabel().visit(copy.deepcopy(node)))


def _kink_site(v: Value) -> str:
    call = f"{v.op}({_arg_label(v)})"
    return call if v.label == call else f"{v.label} = {call}"


def _arg_label(v: Value) -> str:
    return v.parents[0].label or "…"


def _note(v: Value) -> str:
    if v.op == "relu":
        if v.kink:
            return "ReLU at its kink: input exactly 0, ReLU'(0) = 0"
        return "active (input > 0, ReLU' = 1)" if v.local_grads[0] else "inactive (input < 0, ReLU' = 0)"
    if v.op == "abs" and v.kink:
        return "|x| at 0: derivative taken as 0"
    return ""


def _station_children(station: Value, stations: dict[int, Value]) -> list[tuple[Value, float]]:
    """d station / d each nearest named value below it, through unnamed arithmetic."""
    found: dict[int, list] = {}
    stack = list(zip(station.parents, station.local_grads))[::-1]  # left to right, as written
    while stack:
        node, d = stack.pop()
        if id(node) in stations:
            entry = found.setdefault(id(node), [node, 0.0])
            entry[1] += d
        else:
            stack.extend((p, d * g) for p, g in reversed(list(zip(node.parents, node.local_grads))))
    return [(v, d) for v, d in found.values()]


def _chain_rule(output: Value, leaf: Value, children: dict[int, list]) -> ChainRule:
    """The first MAX_PATHS paths from the output down to `leaf`, and how many others there are.

    Paths can double at every statement, so they are counted, never all walked.
    """
    paths: list[ChainPath] = []
    counts: dict[int, int] = {}

    def count(node: Value) -> int:  # paths from node down to leaf, memoised
        if node is leaf:
            return 1
        if id(node) not in counts:
            counts[id(node)] = sum(count(child) for child, _ in children.get(id(node), ()))
        return counts[id(node)]

    def walk(node: Value, links: tuple[ChainLink, ...]) -> None:
        if node is leaf:
            paths.append(ChainPath(links, math.prod(link.factor for link in links)))
            return
        for child, factor in children.get(id(node), ()):
            if len(paths) == MAX_PATHS:
                return
            if count(child):
                walk(child, links + (ChainLink(node.label, child.label, factor),))

    walk(output, ())
    return ChainRule(leaf.label, tuple(paths), count(output) - len(paths), leaf.grad)


def central_differences(program_text: str, inputs: dict[str, float], h: float = 1e-6) -> dict[str, float]:
    """d output / d input by (f(x + h) - f(x - h)) / 2h, for each input."""
    program = parse_program(program_text)
    result = {}
    for name, x in inputs.items():
        step = h * max(1.0, abs(x))
        up = _float_program(program, {**inputs, name: x + step})
        down = _float_program(program, {**inputs, name: x - step})
        result[name] = (up - down) / (2 * step)
    return result
