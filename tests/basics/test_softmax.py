"""hw4 softmax: T3's gradient P - y, checked three ways."""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import assert_user_error
from hwcli.basics.crosscheck import softmax_gradient_with_torch
from hwcli.basics.softmax import DERIVATION, check_gradient, cross_entropy, softmax


def test_hand_computed_example():
    check = check_gradient([2.0, 1.0, 0.1], 0)
    e = [math.exp(2.0), math.exp(1.0), math.exp(0.1)]
    p = [v / sum(e) for v in e]
    assert check.probabilities == pytest.approx(p, rel=1e-15)
    assert check.analytic_gradient == pytest.approx([p[0] - 1, p[1], p[2]], rel=1e-15)
    assert check.loss == pytest.approx(-math.log(p[0]), rel=1e-14)
    assert check.max_abs_error < 1e-9


def test_stable_for_huge_logits():
    p = softmax([1000.0, 0.0, -1000.0])
    assert p[0] == 1.0 and sum(p) == pytest.approx(1.0)
    assert cross_entropy([1000.0, 0.0], 1) == pytest.approx(1000.0)


@given(st.lists(st.floats(-20, 20), min_size=2, max_size=12), st.data())
def test_gradient_is_p_minus_y_and_matches_torch(logits, data):
    label = data.draw(st.integers(0, len(logits) - 1))
    check = check_gradient(logits, label)
    assert check.max_abs_error < 1e-6
    assert sum(check.analytic_gradient) == pytest.approx(0.0, abs=1e-12)
    assert check.analytic_gradient == pytest.approx(softmax_gradient_with_torch(logits, label), abs=1e-12)


def test_derivation_reaches_the_result():
    assert "P_i - y_i" in DERIVATION[-1].lines[-1]
    assert any("P_i (1 - P_i)" in line for step in DERIVATION for line in step.lines)
    assert any("-P_j P_i" in line for step in DERIVATION for line in step.lines)


def test_cli_softmax_json(cli):
    data = cli("softmax", "--logits", "2,1,0.1", "--label", "0", "--verify", "--json").json()
    assert set(data) >= {"probabilities", "analytic_gradient", "numeric_gradient", "max_abs_error"}
    assert data["analytic_gradient"] == pytest.approx(data["torch_gradient"], abs=1e-12)
    assert data["max_abs_error"] < 1e-9


def test_cli_softmax_random_is_seeded(cli):
    first = cli("softmax", "--seed", "7", "--classes", "4", "--json").json()
    again = cli("softmax", "--seed", "7", "--classes", "4", "--json").json()
    other = cli("softmax", "--seed", "8", "--classes", "4", "--json").json()
    assert first == again and first["logits"] != other["logits"] and len(first["logits"]) == 4


def test_cli_softmax_shows_the_derivation(cli):
    result = cli("softmax")
    assert result.code == 0 and "Step 1" in result.out and "P_i - y_i" in result.out


@pytest.mark.parametrize("args, fragment", [
    (["--logits", "1,x"], "'x' is not a number"),
    (["--logits", "1,2", "--label", "5"], "--label: 5 is not a class"),
    (["--logits", "3"], "at least 2 classes"),
    (["--logits", "1,inf"], "finite"),
    (["--classes", "1"], "--classes"),
])
def test_cli_softmax_errors(cli, args, fragment):
    assert_user_error(cli("softmax", *args), fragment)
