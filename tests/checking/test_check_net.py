"""`hw4 check-net`: a right student file passes; each broken one fails the right row, for the
right reason; hangs, crashes and syntax errors become failed rows and the check still ends."""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_user_error, run_hw4
from hwcli.checking import reference_net as ref
from hwcli.checking.net_grader import check_net, problems

RIGHT = Path(__file__).with_name("students") / "neural_net.py"
ROWS = ["1", "2", "3", "4", "5", "6", "4-6", "7"]


def student(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    """The right student file with lines replaced: one bug each, named by the test."""
    text = RIGHT.read_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "neural_net.py"
    path.write_text(text)
    return path


def statuses(result) -> dict[str, str]:
    return {row["task"]: row["status"] for row in result.json()["rows"]}


def hint(result, task: str) -> str:
    return next(row["hint"] for row in result.json()["rows"] if row["task"] == task)


def test_a_right_file_passes_every_row(cli):
    result = cli("check-net", RIGHT, "--json")
    assert result.code == 0, result.out
    data = result.json()
    assert data["passed"] is True
    assert statuses(result) == dict.fromkeys(ROWS, "pass")
    gradients = next(row for row in data["rows"] if row["task"] == "3")
    assert gradients["error"] < 1e-7  # the course's numerical check, on the student's own loss


def test_forgetting_the_regularisation_gradient_fails_task_3_only(cli, tmp_path):
    path = student(tmp_path,
                   ("grads['W1'] = X.T.dot(dhidden) + reg * W1", "grads['W1'] = X.T.dot(dhidden)"),
                   ("grads['W2'] = hidden.T.dot(dscores) + reg * W2", "grads['W2'] = hidden.T.dot(dscores)"))
    result = cli("check-net", path, "--json")
    assert result.code == 1
    assert [t for t, s in statuses(result).items() if s != "pass"] == ["3"]
    assert "regularisation gradient is missing" in hint(result, "3")


def test_predicting_with_argmin_fails_task_7(cli, tmp_path):
    path = student(tmp_path, ("np.argmax(self.loss(X), axis=1)", "np.argmin(self.loss(X), axis=1)"))
    result = cli("check-net", path, "--json")
    assert result.code == 1
    assert [t for t, s in statuses(result).items() if s != "pass"] == ["7"]
    assert "argmin" in hint(result, "7")


def test_a_loss_without_the_half_is_named(cli, tmp_path):
    path = student(tmp_path, ("loss += 0.5 * reg *", "loss += reg *"))
    result = cli("check-net", path, "--json")
    assert statuses(result)["2"] == "fail"
    assert "0.5 is missing" in hint(result, "2")
    assert statuses(result)["3"] == "pass"  # the gradients of the course's loss, though not of theirs
    assert "your loss is not it (task 2)" in hint(result, "3")


def test_gradients_of_a_wrong_loss_send_the_student_to_task_2(cli, tmp_path):
    path = student(tmp_path, ("loss = -np.sum(np.log(probs[np.arange(N), y])) / N",
                              "loss = -np.sum(np.log(probs[np.arange(N), y]))"),
                   ("dscores /= N", "pass"))
    result = cli("check-net", path, "--json")
    assert statuses(result)["2"] == "fail"
    assert "divide by N" in hint(result, "2")
    assert "divide dscores by N" in hint(result, "3")


def test_an_update_that_never_decays_fails_task_6(cli, tmp_path):
    path = student(tmp_path, ("learning_rate *= learning_rate_decay", "pass"))
    result = cli("check-net", path, "--json")
    assert statuses(result)["6"] == "fail"
    assert "never decays" in hint(result, "6")


def test_always_the_first_rows_is_not_a_random_minibatch(cli, tmp_path):
    path = student(tmp_path, ("indices = np.random.choice(num_train, batch_size, replace=True)",
                              "indices = np.arange(batch_size)"))
    result = cli("check-net", path, "--json")
    assert statuses(result)["4"] == "fail"
    assert "same batch" in hint(result, "4")
    assert statuses(result)["4-6"] == "fail"  # sorted by class: the first rows are all one class


def test_code_that_raises_fails_with_the_error_and_its_line(cli, tmp_path):
    path = student(tmp_path, ("        # TODO 1: the forward pass, class scores of shape (N, C).\n",
                              "        raise NotImplementedError('TODO 1')\n"))
    result = cli("check-net", path, "--json")
    assert result.code == 1
    assert statuses(result)["1"] == "fail"
    assert hint(result, "1") == "NotImplementedError: TODO 1 (line 26, in loss), while running it"


def test_code_that_never_returns_times_out_and_the_check_finishes(cli, tmp_path):
    path = student(tmp_path, ("            # TODO 4: a random minibatch.\n",
                              "            while True:\n                pass\n"))
    started = time.monotonic()
    result = cli("check-net", path, "--timeout", "3", "--json")
    assert time.monotonic() - started < 10  # the tasks run side by side: one timeout, not four
    assert result.code == 1
    assert statuses(result) == {**dict.fromkeys(ROWS, "pass"), "4": "fail", "5": "fail", "6": "fail", "4-6": "fail"}
    assert "did not finish within 3 s" in hint(result, "5")


def test_a_file_that_hangs_when_imported_fails_every_row_in_time(cli, tmp_path):
    path = student(tmp_path, ("import numpy as np\n", "import numpy as np\nwhile True:\n    pass\n"))
    started = time.monotonic()
    result = cli("check-net", path, "--timeout", "2", "--json")
    assert time.monotonic() - started < 8
    assert result.code == 1
    assert {row["hint"] for row in result.json()["rows"]} == {"did not finish within 2 s (an endless loop?)"}


def test_gradients_that_agree_with_a_wrong_loss_point_to_the_loss(cli, tmp_path):
    path = student(tmp_path, ("hidden = np.maximum(0, X.dot(W1) + b1)", "hidden = X.dot(W1) + b1"),
                   ("dhidden[hidden <= 0] = 0", "pass"))
    result = cli("check-net", path, "--json")
    assert "the ReLU between the layers is missing" in hint(result, "1")
    assert "they agree with your loss, and your loss is wrong" in hint(result, "3")


def test_a_syntax_error_fails_every_row_with_its_line(cli, tmp_path):
    path = student(tmp_path, ("def predict(self, X):", "def predict(self, X)"))
    result = cli("check-net", path, "--json")
    assert result.code == 1
    assert set(statuses(result).values()) == {"fail"}
    assert hint(result, "7") == "SyntaxError: expected ':' (line 95), while importing the file"


def test_a_crash_and_prints_stay_in_the_child(cli, tmp_path):
    path = student(tmp_path, ("import numpy as np\n", "import numpy as np\nprint('hello from the student')\n"),
                   ("        y_pred = np.argmax", "        import os; os.kill(os.getpid(), 11)\n        y_pred = np.argmax"))
    result = cli("check-net", path, "--json")
    assert hint(result, "7") == "the process died: SIGSEGV"
    assert "hello" not in result.out + result.err  # --json output is still one JSON object


@pytest.mark.parametrize("garbage", ["{not json", '{"ok": true, "outputs": {"predicted": {"kind": "array"}}}'])
def test_results_the_student_code_wrote_over_are_failed_rows(cli, tmp_path, garbage):
    path = student(tmp_path, ("        y_pred = np.argmax", (
        f"        import os; open('predict.json', 'w').write({garbage!r}); os._exit(0)\n"
        "        y_pred = np.argmax")))
    result = cli("check-net", path, "--json")
    assert result.code == 1
    assert "could not be read" in hint(result, "7")
    assert statuses(result)["1"] == "pass"


def test_the_whole_process_group_is_killed(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    path = student(tmp_path, ("            # TODO 4: a random minibatch.\n", (
        "            import subprocess\n"
        f"            child = subprocess.Popen(['sleep', '60'])\n"
        f"            open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "            while True:\n                pass\n")))
    check_net(path, timeout=3)
    pids = pid_file.read_text()
    for _ in range(50):  # the killed grandchild is reaped by init, not by us
        if not _alive(int(pids)):
            break
        time.sleep(0.1)
    assert not _alive(int(pids))


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


def test_the_table_and_exit_status_through_the_real_cli(tmp_path):
    path = student(tmp_path, ("np.argmax(self.loss(X), axis=1)", "np.argmin(self.loss(X), axis=1)"))
    result = run_hw4("check-net", path)
    assert result.code == 1
    assert "FAIL" in result.out and "argmin" in result.out
    assert "7 of 8 pass" in result.out


def test_unreadable_paths_are_user_errors(cli, tmp_path):
    assert_user_error(cli("check-net", tmp_path / "missing.py"), "missing.py", "no such file")
    assert_user_error(cli("check-net", tmp_path), "not a file")
    assert_user_error(cli("check-net", RIGHT, "--timeout", "-1"), "--timeout")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_a_file_without_read_permission_is_a_user_error(cli, tmp_path):
    path = student(tmp_path)
    path.chmod(0)
    assert_user_error(cli("check-net", path), "cannot be read")


def test_the_reference_agrees_with_the_projects_numpy_net():
    numpy_net = pytest.importorskip("hwcli.numpy_net.net")
    problem = problems()["gradients"]
    net = numpy_net.TwoLayerNet(*problem["sizes"])
    net.params = {name: value.copy() for name, value in problem["params"].items()}
    X, y, reg = problem["X"], problem["y"], problem["reg"]
    assert np.allclose(net.loss(X), ref.hidden_and_scores(problem["params"], X)[1], rtol=1e-12)
    loss, grads = net.loss(X, y, reg=reg)
    assert loss == pytest.approx(ref.loss(problem["params"], X, y, reg), rel=1e-12)
    expected = ref.grads(problem["params"], X, y, reg)
    for name in ref.PARAM_NAMES:
        assert ref.rel_error(grads[name], expected[name]) < 1e-10


def test_the_projects_own_numpy_net_passes_every_task(cli):
    """hwcli.numpy_net is the course's interface: its train calls self.loss, as the starter's does."""
    from conftest import REPO

    result = cli("check-net", REPO / "hwcli" / "numpy_net" / "net.py", "--json")
    assert result.code == 0, result.out
