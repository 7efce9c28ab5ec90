"""`hw4 check`: right, wrong and partial answer files; every named mistake recognised as itself;
the template; another year's values; every bad file a one-line error."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import assert_user_error, run_hw4
from hwcli.checking.answers import _number, _size, grade, parse_answers, template
from hwcli.checking.questions import all_questions, t1_questions

ANSWERS = Path(__file__).with_name("answers")
ALL_KEYS = [q.key for q in all_questions()]


def test_right_answers_are_all_right(cli):
    result = cli("check", ANSWERS / "right.toml", "--json")
    assert result.code == 0, result.out
    data = result.json()
    assert data["passed"] and data["wrong"] == 0
    assert [g["key"] for g in data["graded"]] == ALL_KEYS
    assert data["unanswered"] == []


WRONG = {
    "t1.w0": "is x0, not w0",
    "t1.w1": "not x0",
    "t1.b0": "sign is flipped",
    "t1.b1": "sign is flipped",
    "t1.x0": "without the skip path",
    "t2.A": "the + 1 is missing",
    "t2.B": "the channels",
    "t2.C": "the floor is missing",
    "t2.D": "as if padded",
    "t2.E": "the channels",
    "ot1.multiplies_AB": "the bias is not a multiply",
    "ot1.multiplies_D": "FLOPs",
    "ot1.params_AB": "the biases are missing",
    "ot1.params_D": "the input channels are missing",
}


def test_wrong_answers_are_wrong_and_their_mistakes_named(cli):
    result = cli("check", ANSWERS / "wrong.toml", "--json")
    assert result.code == 1
    graded = {g["key"]: g for g in result.json()["graded"]}
    assert set(graded) == set(WRONG)
    for key, fragment in WRONG.items():
        assert not graded[key]["right"], key
        assert fragment in graded[key]["mistake"]["name"], (key, graded[key]["mistake"])


def test_a_partial_file_grades_only_what_it_gives(cli):
    result = cli("check", ANSWERS / "partial.toml", "--json")
    assert result.code == 1
    data = result.json()
    assert {g["key"]: g["right"] for g in data["graded"]} == {"t1.w0": True, "t1.x0": False, "t2.C": True}
    assert "only the skip path" in data["graded"][1]["mistake"]["name"]
    assert "t1.w1" in data["unanswered"] and "ot1.params_D" in data["unanswered"]


T1_VALUE = st.integers(-300, 300).map(lambda n: n / 100)  # two decimals, as homework values are


@given(st.fixed_dictionaries({name: T1_VALUE for name in ("x0", "w0", "w1", "b0", "b1")}))
def test_every_listed_mistake_is_recognised_as_itself(values):
    """Whichever ReLUs are active, each slip listed is wrong and diagnosed as that slip."""
    for question in all_questions(values):
        assert question.mistakes or question.key.startswith("t1.")
        for mistake in question.mistakes:
            graded = grade(question, mistake.value, {})
            assert not graded.right, (question.key, mistake.name)
            assert graded.mistake.name == mistake.name, (question.key, mistake.name)


@given(st.fixed_dictionaries({name: T1_VALUE for name in ("x0", "w0", "w1", "b0", "b1")}))
def test_the_right_t1_answers_are_the_chain_rule_by_hand(values):
    x0, w0, w1, b0, b1 = (values[k] for k in ("x0", "w0", "w1", "b0", "b1"))
    x1 = max(x0 * w0 + b0, 0.0)
    ra, rz = float(x0 * w0 + b0 > 0), float(x1 * w1 + b1 + x0 > 0)  # ReLU'(0) = 0
    by_hand = {"w0": rz * w1 * ra * x0, "b0": rz * w1 * ra, "w1": rz * x1, "b1": rz,
               "x0": rz * (w1 * ra * w0 + 1)}
    for question in t1_questions(values):
        assert question.correct == pytest.approx(by_hand[question.key.split(".")[1]], abs=1e-12)


def test_another_years_values_from_the_file_or_the_options(cli, tmp_path):
    answers = '[t1]\nw0 = -0.2\nw1 = 0.4\nb0 = -0.2\nb1 = 1\nx0 = 0.94\n'  # w0 = 0.3, b1 = -0.3, by hand
    path = tmp_path / "other-year.toml"
    path.write_text(answers)
    assert cli("check", path).code == 1  # wrong for this year's values
    assert cli("check", path, "--w0", "0.3", "--b1", "-0.3").code == 0
    path.write_text(answers + "[t1.values]\nw0 = 0.3\nb1 = -0.3\n")
    result = cli("check", path, "--json")
    assert result.code == 0
    assert result.json()["t1_values"]["w0"] == 0.3


def test_a_gradient_through_an_inactive_relu_is_named(cli, tmp_path):
    path = tmp_path / "inactive.toml"
    path.write_text("[t1.values]\nb1 = -2\n[t1]\nw1 = 0.6\nb1 = 0\n")  # z = relu(-1.12): no gradient
    result = cli("check", path, "--json")
    graded = {g["key"]: g for g in result.json()["graded"]}
    assert graded["t1.b1"]["right"]
    assert "inactive ReLU" in graded["t1.w1"]["mistake"]["name"]


def test_a_size_carried_forward_from_a_wrong_input_is_named(cli, tmp_path):
    path = tmp_path / "carried.toml"
    path.write_text('[t2]\nD = "90x90x10"\nE = "90x90x5"\n')
    graded = {g["key"]: g for g in cli("check", path, "--json").json()["graded"]}
    assert "carried forward from your D" in graded["t2.E"]["mistake"]["name"]


def test_a_gradient_within_half_a_percent_is_right():
    question = next(q for q in all_questions({"w0": 0.37}) if q.key == "t1.x0")  # 1 - 0.2 * 0.37 = 0.926
    assert grade(question, 0.926, {}).right
    assert grade(question, 0.93, {}).right  # 0.4% off
    assert not grade(question, 0.92, {}).right  # 0.6% off


def test_the_template_is_blank_and_parses(cli, tmp_path):
    printed = cli("check", "--template")
    assert printed.code == 0
    answers, values = parse_answers(tomllib.loads(printed.out), "template")
    assert answers == {} and values == {}
    assert set(ALL_KEYS) <= {f"{section}.{key}" for section, table in tomllib.loads(printed.out).items()
                             for key in table}
    path = tmp_path / "answers.toml"
    assert cli("check", "--template", path).code == 0
    assert path.read_text() == template()
    result = cli("check", path, "--json")
    assert result.code == 0 and result.json()["unanswered"] == ALL_KEYS
    assert_user_error(cli("check", "--template", path), "already exists")


@pytest.mark.parametrize("text, fragments", [
    ("[t1\nw0 = 1", ["not valid TOML", "line 1"]),
    ("[t4]\nx = 1", ["unknown table [t4]"]),
    ("[t1]\nw3 = 1", ["unknown key t1.w3", "w0, w1, b0, b1, x0"]),
    ("[t1]\nw0 = 'minus a fifth'", ["t1.w0", "is not a number"]),
    ("[t1]\nw0 = true", ["t1.w0", "not a number"]),
    ("[t1]\nw0 = nan", ["t1.w0", "finite"]),
    ("[t1]\nw0 = '1/0'", ["t1.w0", "not a number"]),
    ("[t1]\nw0 = '1e999999999'", ["t1.w0", "not a finite number"]),
    ("[t1]\nw0 = '1/2/3'", ["t1.w0", "not a number"]),
    ("[t1]\nw0 = " + "9" * 400, ["t1.w0", "not a finite number"]),
    ("[t1]\nw0 = " + "9" * 5000, ["not valid TOML", "digits"]),
    ("[t2]\nA = '98x98'", ["t2.A", "not a size"]),
    ("[t2]\nA = 98", ["t2.A", "not a size"]),
    ("[t1.values]\nw9 = 1", ["t1.values.w9"]),
    ("t1 = 3", ["'t1' must be a table"]),
])
def test_bad_answer_files_are_one_line_errors(cli, tmp_path, text, fragments):
    path = tmp_path / "answers.toml"
    path.write_text(text)
    assert_user_error(cli("check", path), "answers.toml", *fragments)


def test_unreadable_answer_files_are_one_line_errors(cli, tmp_path):
    assert_user_error(cli("check", tmp_path / "none.toml"), "none.toml", "no such file", "--template")
    assert_user_error(cli("check", tmp_path), "is a folder")
    assert_user_error(cli("check"), "--template")
    (tmp_path / "latin1.toml").write_bytes("[t1]\nw0 = 'é'".encode("latin-1"))
    assert_user_error(cli("check", tmp_path / "latin1.toml"), "cannot read")
    assert_user_error(cli("check", ANSWERS / "right.toml", "--w0", "inf"), "--w0")


def test_the_table_through_the_real_cli():
    result = run_hw4("check", ANSWERS / "wrong.toml")
    assert result.code == 1
    assert "WRONG" in result.out and "likely:" in result.out and "the floor is missing" in result.out


def test_the_right_answers_are_the_calculators(cli):
    grad = cli("grad", "--json").json()
    shapes = cli("shapes", "--json").json()
    flops = cli("flops", "--json").json()
    correct = {q.key: q.correct for q in all_questions()}
    for name, value in grad["gradients"].items():
        assert correct[f"t1.{name}"] == value
    for layer in shapes["layers"]:
        assert list(correct[f"t2.{layer['name']}"]) == layer["shape"]
    comparison = flops["comparison"]
    assert correct["ot1.multiplies_AB"] == comparison["multiplies_left"]
    assert correct["ot1.params_D"] == comparison["params_right"]


@given(st.tuples(*[st.integers(1, 10**6)] * 3), st.sampled_from(["x", " x ", "×", "X", "*", ", ", " "]))
def test_sizes_parse_whatever_the_separator(size, separator):
    assert _size(separator.join(map(str, size)), "t2.A") == size


@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_numbers_parse_as_written(x):
    assert _number(repr(x), "t1.w0") == x
    assert _number(x, "t1.w0") == x
