"""hw4 grad: the autograd engine, the program parser, chain rules, and T1 by hand."""
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conftest import assert_user_error
from hwcli.basics.autograd import Value, backward
from hwcli.basics.crosscheck import grad_with_torch
from hwcli.basics.program import central_differences, gradients, parse_program
from hwcli.basics.residual import T1_DEFAULTS, T1_OTHER_YEAR, T1_PROGRAM, residual_pass
from hwcli.errors import InputError


def test_t1_by_hand():
    r = residual_pass()
    # x1 = relu(1*0.5 + 0.1) = 0.6; y1 = 0.6*(-0.2) + 0.15 = 0.03; z = relu(0.03 + 1) = 1.03
    assert r.values["x1"] == pytest.approx(0.6, abs=1e-15)
    assert r.values["y1"] == pytest.approx(0.03, abs=1e-15)
    assert r.values["z"] == pytest.approx(1.03, abs=1e-15)
    # both ReLUs active: dz/dw0 = 1*1*w1*1*x0, dz/db0 = w1, dz/dw1 = x1, dz/db1 = 1, dz/dx0 = w1*w0 + 1
    expected = {"w0": -0.2, "b0": -0.2, "w1": 0.6, "b1": 1.0, "x0": -0.2 * 0.5 + 1}
    assert r.gradients == pytest.approx(expected, abs=1e-15)


def test_t1_other_year_has_an_inactive_relu_nowhere_but_different_numbers():
    r = residual_pass(w0=0.3, b1=-0.3)
    # x1 = relu(0.3 + 0.1) = 0.4; y1 = 0.4*(-0.2) - 0.3 = -0.38; z = relu(-0.38 + 1) = 0.62
    assert r.values["z"] == pytest.approx(0.62, abs=1e-15)
    assert r.gradients["x0"] == pytest.approx(-0.2 * 0.3 + 1, abs=1e-15)
    assert r.inputs == T1_OTHER_YEAR


def test_t1_inactive_first_relu_kills_the_paths_through_x1():
    r = residual_pass(w0=-1.0)  # pre_x1 = -0.9: inactive
    assert r.values["x1"] == 0
    assert r.gradients["w0"] == 0 and r.gradients["b0"] == 0 and r.gradients["w1"] == 0
    assert r.gradients["x0"] == 1.0  # only the skip path remains
    assert "inactive" in next(s.note for s in r.forward if s.name == "x1")


def test_chain_rule_paths_multiply_to_the_gradient_and_show_the_skip_path():
    r = residual_pass()
    rule = next(c for c in r.chain_rules if c.input == "x0")
    assert len(rule.paths) == 2
    main, skip = rule.paths
    assert [l.lower for l in main.links] == ["pre_z", "y1", "x1", "pre_x1", "x0"]
    assert [l.factor for l in main.links] == pytest.approx([1, 1, -0.2, 1, 0.5])
    assert [l.lower for l in skip.links] == ["pre_z", "x0"]
    assert skip.product == 1.0
    assert sum(p.product for p in rule.paths) == pytest.approx(rule.total)
    w0 = next(c for c in r.chain_rules if c.input == "w0")
    assert [l.factor for l in w0.paths[0].links] == pytest.approx([1, 1, -0.2, 1, 1.0])


def test_relu_at_exactly_zero_has_derivative_zero_and_says_so():
    r = gradients("z = relu(x - 1)", {"x": 1.0})
    assert r.gradients["x"] == 0.0
    assert r.kinks and "exactly 0" in r.kinks[0]
    assert grad_with_torch("z = relu(x - 1)", {"x": 1.0})["x"] == 0.0  # PyTorch agrees


def test_shadowing_uses_the_latest_value_and_labels_earlier_ones():
    r = gradients("x = a*a; x = x*2 + a; y = x/2", {"a": 3.0})
    assert r.values["x"] == 21.0 and r.values["y"] == 10.5
    assert r.gradients["a"] == pytest.approx((4 * 3 + 1) / 2)
    names = [s.name for s in r.forward]
    assert "x@1" in names and "x" in names
    assert next(s.expression for s in r.forward if s.name == "x") == "x@1 * 2 + a"


def test_engine_local_derivatives():
    a, b = Value(2.0), Value(-3.0)
    out = (a * b + a / b - a**2 + (-b).exp() + a.tanh() + a.sigmoid() + a.log() + a.sqrt() + b.abs())
    backward(out)
    da = b.data + 1 / b.data - 2 * a.data + (1 - math.tanh(2) ** 2) + (1 / (1 + math.exp(-2))) * (
        1 - 1 / (1 + math.exp(-2))) + 1 / 2 + 0.5 / math.sqrt(2)
    db = a.data - a.data / b.data**2 - math.exp(3) - 1
    assert a.grad == pytest.approx(da, rel=1e-12)
    assert b.grad == pytest.approx(db, rel=1e-12)


@pytest.mark.parametrize("text, fragment", [
    ("z = x/0", "division by zero"),
    ("z = log(x - 1)", "log of a non-positive"),
    ("z = sqrt(-x)", "sqrt of a negative"),
    ("z = foo(x)", "unknown function 'foo'"),
    ("z = x +", "syntax error"),
    ("x + 1", "not an assignment"),
    ("z = y * 2", "no value for y"),
    ("z = __import__('os')", "unknown function '__import__'"),
    ("z = x.real", "Attribute is not allowed"),
    ("z = [x][0]", "not allowed"),
    ("z = x % 2", "not supported"),
    ("z = exp(1000*x)", "overflows"),
    ("z = (-x)**0.5", "non-integer power"),
    ("z = 1e999 * x", "too large"),
    ("a, b = x, x", "not an assignment"),
])
def test_bad_programs_name_the_statement(text, fragment):
    with pytest.raises(InputError) as info:
        gradients(text, {"x": 1.0})
    assert fragment in str(info.value)


def test_user_text_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    with pytest.raises(InputError):
        gradients(f"z = __import__('pathlib').Path('{marker}').touch()", {})
    assert not marker.exists()


# ---- random programs against torch autograd

NAMES = ("x", "y", "w")
FUNCS = ("relu", "exp", "log", "tanh", "sigmoid", "sqrt", "abs")


def expressions(names):
    leaves = st.sampled_from(names) | st.floats(-2, 2, allow_nan=False).map(lambda v: f"{v:.3f}")
    return st.recursive(leaves, lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from("+-*/"), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(FUNCS), inner).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(inner, st.sampled_from(["2", "3", "0.5", "-1"])).map(lambda t: f"({t[0]})**{t[1]}"),
        inner.map(lambda e: f"-{e}"),
    ), max_leaves=8)


@settings(max_examples=300)
@given(first=expressions(NAMES), second=expressions(NAMES + ("a",)),
       values=st.tuples(*[st.floats(-2, 2, allow_nan=False)] * 3))
def test_random_programs_match_torch_autograd(first, second, values):
    text = f"a = {first}; out = {second}"
    inputs = dict(zip(NAMES, values))
    try:
        ours = gradients(text, inputs)
    except InputError:
        assume(False)  # outside a function's domain: refused, as it should be
    by_torch = grad_with_torch(text, inputs)
    for name in NAMES:
        assume(math.isfinite(by_torch[name]))
        assert ours.gradients[name] == pytest.approx(by_torch[name], rel=1e-9, abs=1e-9), (text, inputs)
    for rule in ours.chain_rules:
        if not rule.omitted_paths:
            assert sum(p.product for p in rule.paths) == pytest.approx(rule.total, rel=1e-9, abs=1e-9)


def test_central_differences_agree_away_from_kinks():
    numeric = central_differences(T1_PROGRAM, T1_DEFAULTS)
    assert numeric == pytest.approx(residual_pass().gradients, abs=1e-8)


def test_parse_program_finds_inputs_in_order_of_use():
    assert parse_program(T1_PROGRAM).inputs == ("x0", "w0", "b0", "w1", "b1")


# ---- through the real CLI

def test_cli_grad_default_is_t1(cli):
    result = cli("grad")
    assert result.code == 0
    assert "= 1 × 1 × (-0.2) × 1 × 1 = -0.2" in result.out
    assert "skip path" in result.out


def test_cli_grad_json(cli):
    data = cli("grad", "--json").json()
    assert data["output"] == "z"
    assert data["values"]["z"] == pytest.approx(1.03)
    assert data["gradients"] == pytest.approx({"x0": 0.9, "w0": -0.2, "w1": 0.6, "b0": -0.2, "b1": 1.0})


def test_cli_grad_other_year_and_verify(cli):
    data = cli("grad", "--w0", "0.3", "--b1", "-0.3", "--verify", "--json").json()
    v = data["verification"]
    for name, g in data["gradients"].items():
        assert v["torch"][name] == pytest.approx(g, abs=1e-12)
        assert v["numeric"][name] == pytest.approx(g, abs=1e-7)


def test_cli_grad_expr_with_set(cli):
    data = cli("grad", "--expr", "h = tanh(x*w + b)\nz = h*h", "--set", "x=1", "--set", "w=2",
               "--set", "b=-1", "--json").json()
    t = math.tanh(1.0)
    assert data["values"]["z"] == pytest.approx(t * t)
    assert data["gradients"]["w"] == pytest.approx(2 * t * (1 - t * t) * 1.0)


@pytest.mark.parametrize("args, fragments", [
    (["--expr", "z = x/0", "--set", "x=1"], ["statement 1", "division by zero"]),
    (["--expr", "z = q", "--set", "x=1"], ["no value for q"]),
    (["--set", "x0"], ["--set 'x0'", "NAME=VALUE"]),
    (["--set", "x0=abc"], ["'abc' is not a number"]),
    (["--set", "w9=1"], ["T1 has no such input"]),
    (["--expr", "z = x", "--w0", "1"], ["--w0 is for T1"]),
    (["--x0", "nan"], ["x0", "not a finite number"]),
    (["--expr", "z = log(x)", "--set", "x=-1"], ["log of a non-positive number"]),
])
def test_cli_grad_errors(cli, args, fragments):
    assert_user_error(cli("grad", *args), *fragments)


def test_paths_that_double_at_every_statement_are_counted_not_walked():
    # each s_k reaches s_(k-1) twice (through relu(s_(k-1)) and directly): 2**40 paths down to a
    program = "s0 = a; " + "; ".join(f"s{k} = relu(s{k - 1}) + s{k - 1}" for k in range(1, 41))
    r = gradients(program, {"a": 1.0})
    rule = r.chain_rules[0]
    assert len(rule.paths) == 32 and rule.omitted_paths == 2**40 - 32
    assert rule.total == r.gradients["a"] == 2.0**40


def test_a_pre_activation_label_never_takes_a_users_name():
    r = gradients("x = relu(a*2); pre_x = x + 1", {"a": 1.0})
    names = [s.name for s in r.forward]
    assert len(names) == len(set(names)) == 3
    assert names[0] == "pre_x#2" and names[-1] == "pre_x"
