"""`hw4 report`: the answer sheet's content against the calculators' own JSON, the file written
whole where asked, and the errors."""
from __future__ import annotations

import pytest

from conftest import MNIST_DIR, assert_user_error, run_hw4
from hwcli.checking.report import answer_sheet, markdown


@pytest.fixture(scope="module")
def calculators():
    """What `hw4 grad`, `shapes`, `flops` and `softmax` answer, each through the real CLI."""
    return {name: run_hw4(name, "--json").json() for name in ("grad", "shapes", "flops", "softmax")}


@pytest.fixture
def written(cli, tmp_path):
    out = tmp_path / "sheet.md"
    result = cli("report", "--out", out, "--json")
    assert result.code == 0, result.err
    return result.json(), out.read_text()


def test_the_reports_numbers_are_the_calculators(written, calculators):
    data, _ = written
    assert data["t1"]["gradients"] == calculators["grad"]["gradients"]
    assert data["t1"]["values"] == calculators["grad"]["values"]
    assert [layer["shape"] for layer in data["t2"]["layers"]] == [
        layer["shape"] for layer in calculators["shapes"]["layers"]]
    assert data["ot1"]["comparison"] == calculators["flops"]["comparison"]
    for key in ("probabilities", "analytic_gradient", "numeric_gradient", "max_abs_error"):
        assert data["t3"][key] == calculators["softmax"][key]


def test_the_markdown_shows_the_calculators_numbers(written, calculators):
    _, text = written
    for name, value in calculators["grad"]["gradients"].items():
        assert f"| ∂z/∂{name} | {value:g} |" in text
    for layer in calculators["shapes"]["layers"]:
        assert f"**{'x'.join(map(str, layer['shape']))}**" in text
    comparison = calculators["flops"]["comparison"]
    for count in ("multiplies_left", "multiplies_right", "params_left", "params_right"):
        assert f"{comparison[count]:,}" in text
    assert comparison["conclusion"] in text
    assert f"{calculators['softmax']['max_abs_error']:.2e}" in text
    assert "dL/dh_i = P_i - y_i" in text  # T3's proof ends where the homework asks


def test_other_values_change_the_sheet():
    homework = markdown(answer_sheet(), "test")
    other = markdown(answer_sheet({"w0": 0.3, "b1": -0.3}), "test")
    assert "| ∂z/∂x0 | 0.9 |" in homework and "| ∂z/∂x0 | 0.94 |" in other


def test_a_plain_run_writes_hw4_report_md_here_and_renders_it(tmp_path):
    result = run_hw4("report", cwd=tmp_path, timeout=60)
    assert result.code == 0, result.err
    assert [p.name for p in tmp_path.iterdir()] == ["hw4-report.md"]  # no temporary file left behind
    assert "Homework 4: the worked answers" in result.out
    assert "wrote hw4-report.md" in result.out
    assert (tmp_path / "hw4-report.md").read_text().startswith("# Homework 4: the worked answers")


def test_an_existing_report_is_replaced_whole(cli, tmp_path):
    out = tmp_path / "hw4-report.md"
    out.write_text("an older sheet\n" * 1000)
    assert cli("report", "--out", out).code == 0
    assert "older" not in out.read_text()


def test_bad_options_are_one_line_errors(cli, tmp_path):
    assert_user_error(cli("report", "--out", tmp_path / "missing" / "r.md"), "--out", "no such folder")
    assert_user_error(cli("report", "--mnist-dir", tmp_path), "--train")
    assert_user_error(cli("report", "--out", tmp_path), "cannot write")


def test_the_numpy_section_trains_and_links_its_plots(tmp_path):
    from hwcli.checking.training import numpy_section

    section = numpy_section(tmp_path / "hw4-report-files")
    assert section.results["test_acc"] > 0.9  # the digits, at train-numpy's defaults
    assert f"{section.results['test_acc']:.2%}" in section.markdown
    assert {p.name for p in section.plots} == {"loss.png", "accuracy.png", "first_layer_weights.png"}
    text = markdown(answer_sheet(training=[section]), "test", tmp_path)
    assert "![loss](hw4-report-files/numpy/loss.png)" in text
    assert "Not run here" not in text


def test_the_nowcast_section_beats_its_baseline_and_says_the_data_is_synthetic(tmp_path):
    from hwcli.checking.training import nowcast_section

    section = nowcast_section(tmp_path, models=("ff",), epochs=2, samples_per_month=100)
    report = section.results
    assert [m.model for m in report.models] == ["ff"]
    assert report.models[0].test_mse < report.baseline.test_mse
    assert "synthetic data made up by hw4 nowcast-data" in section.markdown
    assert "| ff | 95,801 |" in section.markdown
    assert {p.name for p in section.plots} == {"curves.png", "test-predictions.png"}


def test_train_puts_both_sections_and_their_plots_in_the_report(cli, tmp_path, monkeypatch):
    """The command's wiring, with the trainers replaced by stand-ins (each tested above)."""
    from hwcli.checking import report, training

    def stand_in(title):
        def section(folder, data_dir=None, *rest):
            folder.mkdir(parents=True, exist_ok=True)
            plot = folder / f"{title}.png"
            plot.write_bytes(b"png")
            return report.TrainingSection(title, f"{title} results, from {data_dir}", {"ran": title}, [plot])
        return section

    monkeypatch.setattr(training, "numpy_section", stand_in("numpy"))
    monkeypatch.setattr(training, "nowcast_section", stand_in("nowcast"))
    out = tmp_path / "sheet.md"
    result = cli("report", "--train", "--out", out, "--nowcast-dir", tmp_path, "--json")
    assert result.code == 0, result.err
    assert result.json()["training"] == {"numpy": {"ran": "numpy"}, "nowcast": {"ran": "nowcast"}}
    text = out.read_text()
    assert "![numpy](sheet-files/numpy.png)" in text and f"nowcast results, from {tmp_path}" in text


@pytest.mark.skipif(not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").exists(),
                    reason=f"the MNIST test files are not in {MNIST_DIR}")
def test_report_trains_on_a_folder_with_only_the_mnist_test_pair(tmp_path):
    from hwcli.checking.training import numpy_section

    section = numpy_section(tmp_path, MNIST_DIR)
    assert "all three splits carved from them" in section.markdown
    assert section.results["test_acc"] > 0.93
