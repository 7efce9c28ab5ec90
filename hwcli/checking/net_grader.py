"""`hw4 check-net`: grade a student's `TwoLayerNet` task by task, without trusting it.

The student's file never enters this process. It is imported by a child process
(`net_runner.py` under `python -I`, in a temporary folder), which forks one process per task,
all running at once under one wall-clock limit, after which the whole process group is killed;
an exception, a wrong shape, a hang or a crash becomes a failed row, so the check always finishes. The children only
report what the student's code returned; the grading happens here, against numbers computed
by `reference_net`, and a wrong answer is matched against the common mistakes to say why.
"""
from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hwcli.checking import reference_net as ref
from hwcli.errors import InputError

RUNNER = Path(__file__).with_name("net_runner.py")
TASKS = ("scores", "loss", "gradients", "train", "toy", "predict")
DEFAULT_TIMEOUT = 10.0  # seconds for all the tasks, which run at once
SAME = 1e-6  # relative error below which two computations of the same number agree
TOY_LOSS = 0.05  # "near zero": the loss on the whole toy set after training
MAX_RESULT_BYTES = 8 * 2**20
NUMERIC_STEP = 1e-5  # the course's h for central differences
NUMERIC_AGREE = 1e-5  # central differences of a right loss agree with its gradients far better than this
# What a result file the student's code has written over can raise when read or graded.
UNREADABLE = (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError)
UNREADABLE_RESULT = "its result could not be read (did the code write over the grader's files?)"


@dataclass(frozen=True)
class TaskRow:
    """One task's verdict: status is "pass", "fail", or "skip" (a task it depends on failed)."""

    task: str
    title: str
    status: str
    measured: str
    hint: str
    error: float | None = None


@dataclass(frozen=True)
class NetCheck:
    path: str
    passed: bool  # every row passed
    rows: list[TaskRow]
    seconds: float
    timeout: float  # seconds each task was allowed


@dataclass(frozen=True)
class ChildOutcome:
    """What one child reported (`outputs`), or why it reported nothing usable (`failure`)."""

    outputs: dict | None
    failure: str | None


@dataclass(frozen=True)
class Unexpected:
    """A value of a type no task returns (None, a string, an object), by its type's name."""

    type_name: str


class Wrong(Exception):
    """What the student's code returned does not answer the task: a failed row's hint and measure."""

    def __init__(self, hint: str, measured: str = "-", error: float | None = None):
        super().__init__(hint)
        self.hint, self.measured, self.error = hint, measured, error


# ---------------------------------------------------------------- the problems each task is given


def problems(seed: int = 231) -> dict:
    """Every task's inputs: small nets with random weights *and biases*, so no term can hide."""
    rng = np.random.default_rng(seed)

    def params(d: int, h: int, c: int) -> dict:
        return {
            "W1": 0.1 * rng.standard_normal((d, h)), "b1": 0.1 * rng.standard_normal(h),
            "W2": 0.1 * rng.standard_normal((h, c)), "b2": 0.1 * rng.standard_normal(c),
        }

    small = {
        "sizes": [4, 10, 3], "params": params(4, 10, 3),
        "X": 10 * rng.standard_normal((5, 4)), "y": np.array([0, 1, 2, 2, 1]), "reg": 0.05,
    }
    train = {
        "sizes": [4, 8, 3], "params": params(4, 8, 3), "seed": 0, "record": True,
        "X": rng.standard_normal((60, 4)), "y": rng.integers(0, 3, 60),
        "X_val": rng.standard_normal((12, 4)), "y_val": rng.integers(0, 3, 12),
        "train": {"learning_rate": 0.1, "learning_rate_decay": 0.5, "reg": 0.01,
                  "num_iters": 20, "batch_size": 10},
    }
    centres = np.array([[0.0, 4.0], [4.0, -2.0], [-4.0, -2.0]])
    toy_y = np.repeat(np.arange(3), 30)  # sorted by class: a batch of the first rows sees one class
    toy = {
        "sizes": [2, 20, 3], "params": params(2, 20, 3), "seed": 0, "record": False,
        "X": centres[toy_y] + 0.5 * rng.standard_normal((90, 2)), "y": toy_y,
        "X_val": centres + 0.1, "y_val": np.arange(3),
        "train": {"learning_rate": 0.2, "learning_rate_decay": 0.99, "reg": 1e-5,
                  "num_iters": 300, "batch_size": 30},
    }
    return {
        "scores": small, "loss": small, "gradients": {**small, "h": NUMERIC_STEP},
        "train": train, "toy": toy, "predict": small,
    }


# ---------------------------------------------------------------- running the children


def check_net(path: Path, timeout: float = DEFAULT_TIMEOUT, seed: int = 231) -> NetCheck:
    """Grade the student's file at `path`, every task within `timeout` seconds of wall time."""
    _require_readable(path)
    if not (timeout > 0 and math.isfinite(timeout)):
        raise InputError(f"--timeout must be a positive number of seconds, not {timeout}")
    inputs = problems(seed)
    started = time.monotonic()
    outcomes = run_children(path, inputs, timeout)
    rows = grade(inputs, outcomes)
    passed = all(row.status == "pass" for row in rows)
    return NetCheck(str(path), passed, rows, round(time.monotonic() - started, 3), timeout)


def _require_readable(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a file")
    try:
        with path.open("rb") as f:
            f.read(1)
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror})") from None


def run_children(path: Path, inputs: dict, timeout: float) -> dict[str, ChildOutcome]:
    """The runner imports the file once and forks a process per task; at the deadline its whole
    process group is killed, and a task without a result by then has timed out."""
    student = str(path.resolve())
    with tempfile.TemporaryDirectory(prefix="hw4-check-net-", ignore_cleanup_errors=True) as workdir:
        work = Path(workdir)
        (work / "inputs.json").write_text(json.dumps(_jsonable(inputs)), encoding="utf-8")
        env = {
            "PATH": os.environ.get("PATH", os.defpath), "HOME": os.environ.get("HOME", workdir),
            "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        }
        with open(work / "runner.stderr", "wb") as stderr:
            runner = subprocess.Popen(
                [sys.executable, "-I", str(RUNNER), student, workdir, str(math.ceil(timeout) + 1)],
                cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=stderr, start_new_session=True,
            )
        try:
            runner.wait(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            _kill_group(runner)  # the tasks' processes too, and anything the student's code started
        return {task: _outcome(work, task, runner.returncode, timed_out, timeout) for task in TASKS}


def _kill_group(runner: subprocess.Popen) -> None:
    try:
        os.killpg(runner.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    runner.wait()


def _outcome(work: Path, task: str, returncode: int, timed_out: bool, timeout: float) -> ChildOutcome:
    result_file = work / f"{task}.json"
    if not result_file.exists():
        if timed_out:
            return ChildOutcome(None, f"did not finish within {timeout:g} s (an endless loop?)")
        return ChildOutcome(None, _runner_death(returncode, work / "runner.stderr"))
    if result_file.stat().st_size > MAX_RESULT_BYTES:
        return ChildOutcome(None, "returned more output than any task asks for")
    try:
        result = json.loads(result_file.read_text(encoding="utf-8"))
        if result["ok"]:
            return ChildOutcome(decode(result["outputs"]), None)
        if "died" in result:
            return ChildOutcome(None, f"the process died: {_signal_meaning(result['died'])}")
        where = f" ({result['where']})" if result.get("where") else ""
        doing = "importing the file" if result["stage"] == "import" else "running it"
        return ChildOutcome(None, f"{result['error']}{where}, while {doing}")
    except UNREADABLE:
        return ChildOutcome(None, UNREADABLE_RESULT)


def _signal_meaning(name: str) -> str:
    return {"SIGXCPU": "out of CPU time", "SIGKILL": "killed (out of memory?)"}.get(name, name)


def _runner_death(returncode: int, stderr_file: Path) -> str:
    """The runner ended before any task reported: killed, or a fault in Python itself."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"the process died: {_signal_meaning(name)}"
    with open(stderr_file, "rb") as f:
        f.seek(max(0, stderr_file.stat().st_size - 300))
        tail = f.read().decode("utf-8", "replace").strip().splitlines()
    last = f": {tail[-1]}" if tail else ""
    return f"the process exited with status {returncode} before reporting{last}"


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def decode(value):
    """The runner's encoding back into numpy arrays, floats, lists and dicts."""
    if isinstance(value, dict) and "kind" in value:
        kind = value["kind"]
        if kind == "number":
            return float(value["value"])
        if kind == "array":
            if value["data"] is None:
                return Unexpected(f"array of shape {tuple(value['shape'])}")
            return np.array(value["data"], dtype=np.float64).reshape(value["shape"])
        if kind == "sequence":
            return [decode(v) for v in value["items"]]
        if kind == "mapping":
            return {k: decode(v) for k, v in value["items"].items()}
        return Unexpected(value["type"])
    if isinstance(value, dict):
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


# ---------------------------------------------------------------- grading


def grade(inputs: dict, outcomes: dict[str, ChildOutcome]) -> list[TaskRow]:
    rows = [
        _row("1", "scores (forward pass)", outcomes["scores"], lambda o: _grade_scores(inputs["scores"], o)),
        _row("2", "loss with regularisation", outcomes["loss"], lambda o: _grade_loss(inputs["loss"], o)),
        _row("3", "gradients", outcomes["gradients"],
             lambda o: _grade_gradients(inputs["gradients"], o)),
    ]
    rows += _training_rows(inputs["train"], outcomes["train"])
    rows.append(_row("4-6", "toy problem to ~0 loss", outcomes["toy"],
                     lambda o: _grade_toy(inputs["toy"], o)))
    rows.append(_row("7", "predict", outcomes["predict"],
                     lambda o: _grade_predict(inputs["predict"], o)))
    return rows


def _training_rows(problem: dict, outcome: ChildOutcome) -> list[TaskRow]:
    """Tasks 4-6, all read from one recorded training run."""
    rates: list[float] = []

    def grade_update(outputs: dict):
        row, fitted = _grade_update(problem, outputs)
        rates.extend(fitted)
        return row

    minibatches = _row("4", "random minibatches", outcome, lambda o: _grade_minibatches(problem, o))
    update = _row("5", "SGD update", outcome, grade_update)
    title = "learning-rate decay"
    if update.status == "pass" or outcome.failure is not None:
        decay = _row("6", title, outcome, lambda o: _grade_decay(problem, rates))
    else:
        decay = TaskRow("6", title, "skip", "-", "needs a working SGD update (task 5) to measure the rate")
    return [minibatches, update, decay]


def _row(task: str, title: str, outcome: ChildOutcome, grader) -> TaskRow:
    if outcome.failure is not None:
        return TaskRow(task, title, "fail", "-", outcome.failure)
    try:
        measured, hint, error = grader(outcome.outputs)
    except Wrong as wrong:
        return TaskRow(task, title, "fail", wrong.measured, wrong.hint, wrong.error)
    except UNREADABLE:  # the student's code can write over its own results; the check still ends
        return TaskRow(task, title, "fail", "-", UNREADABLE_RESULT)
    return TaskRow(task, title, "pass", measured, hint, error)


def _array(value, shape: tuple, what: str) -> np.ndarray:
    if isinstance(value, Unexpected):
        raise Wrong(f"{what} returned {value.type_name}, expected an array of shape {shape}")
    if not isinstance(value, np.ndarray):
        raise Wrong(f"{what} returned a {type(value).__name__}, expected an array of shape {shape}")
    if value.shape != shape:
        raise Wrong(f"{what} has shape {value.shape}, expected {shape}")
    return value


def _params(problem: dict) -> dict:
    return {name: np.asarray(value, dtype=float) for name, value in problem["params"].items()}


def _matching(value, variants: dict[str, object], compare) -> str | None:
    """The first named mistake whose value `value` reproduces."""
    return next((name for name, variant in variants.items() if compare(value, variant)), None)


def _close(a, b) -> bool:
    return ref.rel_error(a, b) < SAME


def _loss_and_grads(result, what: str) -> tuple[float, dict]:
    if not (isinstance(result, list) and len(result) == 2):
        raise Wrong(f"{what} must return the pair (loss, grads)")
    loss, grads = result
    if not isinstance(loss, float):
        raise Wrong(f"{what} returned a loss that is not a number")
    if not isinstance(grads, dict):
        raise Wrong(f"{what} returned grads that are not a dict of W1, b1, W2, b2")
    return loss, grads


def _grade_scores(problem: dict, outputs: dict):
    params, X = _params(problem), np.asarray(problem["X"], dtype=float)
    expected = ref.hidden_and_scores(params, X)[1]
    scores = _array(outputs["scores"], expected.shape, "loss(X)")
    error = ref.rel_error(scores, expected)
    if error < SAME:
        return f"rel. error {error:.0e}", "", error
    no_bias = {**params, "b1": 0 * params["b1"], "b2": 0 * params["b2"]}
    mistake = _matching(scores, {
        "the ReLU between the layers is missing": ref.hidden_and_scores(params, X, relu=False)[1],
        "these are softmax probabilities: return the scores before the softmax": ref.softmax(expected),
        "the biases b1 and b2 are missing": ref.hidden_and_scores(no_bias, X)[1],
    }, _close)
    raise Wrong(mistake or "scores = ReLU(X W1 + b1) W2 + b2", f"rel. error {error:.1e}", error)


def _grade_loss(problem: dict, outputs: dict):
    params, X, y, reg = _params(problem), np.asarray(problem["X"], float), np.asarray(problem["y"]), problem["reg"]
    loss, _ = _loss_and_grads(outputs["result"], f"loss(X, y, reg={reg})")
    data = ref.data_loss_and_grads(params, X, y)[0]
    squares = {name: float(np.sum(params[name] ** 2)) for name in ref.WEIGHTS}
    expected = data + 0.5 * reg * sum(squares.values())
    error = abs(loss - expected) / max(abs(expected), 1e-8)
    if error < SAME:
        return f"{loss:.6g}, rel. error {error:.0e}", "", error
    mistake = _matching(loss, {
        "the regularisation term is missing": data,
        "the course's term is 0.5 * reg * (sum W1^2 + sum W2^2): the 0.5 is missing": data + reg * sum(squares.values()),
        "the data loss is summed over the batch: average it (divide by N)": data * len(y) + 0.5 * reg * sum(squares.values()),
        "only W1 is regularised: add W2's squares": data + 0.5 * reg * squares["W1"],
        "only W2 is regularised: add W1's squares": data + 0.5 * reg * squares["W2"],
    }, lambda a, b: abs(a - b) <= SAME * max(abs(b), 1e-8))
    hint = mistake or "loss = mean softmax cross-entropy + 0.5 * reg * (sum W1^2 + sum W2^2)"
    raise Wrong(hint, f"{loss:.6g}, expected {expected:.6g}", error)


def _grade_gradients(problem: dict, outputs: dict):
    params, X, y, reg = _params(problem), np.asarray(problem["X"], float), np.asarray(problem["y"]), problem["reg"]
    _, grads = _loss_and_grads(outputs["result"], f"loss(X, y, reg={reg})")
    numeric = outputs["numeric"]
    data_grads = ref.data_loss_and_grads(params, X, y)[1]
    expected = ref.grads(params, X, y, reg)
    student = {}
    for name in ref.PARAM_NAMES:
        if name not in grads:
            raise Wrong(f"grads has no '{name}'")
        student[name] = _array(grads[name], params[name].shape, f"grads['{name}']")
    numeric_errors = {name: ref.rel_error(student[name], numeric[name]) for name in ref.PARAM_NAMES}
    exact_errors = {name: ref.rel_error(student[name], expected[name]) for name in ref.PARAM_NAMES}
    worst_numeric = max(numeric_errors, key=numeric_errors.get)
    measured = f"numerical check: rel. error {numeric_errors[worst_numeric]:.0e} ({worst_numeric})"
    worst = max(exact_errors, key=exact_errors.get)
    if exact_errors[worst] < SAME:
        hint = ("" if numeric_errors[worst_numeric] < NUMERIC_AGREE else
                "right for the course's loss; the check disagrees because your loss is not it (task 2)")
        return measured, hint, numeric_errors[worst_numeric]

    def with_reg(factor: float) -> dict:
        return {n: g + factor * reg * params[n] if n in ref.WEIGHTS else g for n, g in data_grads.items()}

    mistake = _matching(student, {
        "the regularisation gradient is missing: add reg * W1 to dW1 and reg * W2 to dW2": with_reg(0.0),
        "the regularisation gradient is 2 * reg * W: the loss's 0.5 cancels the 2": with_reg(2.0),
        "the gradients are summed over the batch: divide dscores by N": {
            n: g * len(y) + reg * params[n] if n in ref.WEIGHTS else g * len(y) for n, g in data_grads.items()},
    }, lambda a, b: all(_close(a[n], b[n]) for n in ref.PARAM_NAMES))
    if mistake is None and max(numeric_errors.values()) < SAME:
        mistake = "they agree with your loss, and your loss is wrong: fix task 2 first"
    raise Wrong(mistake or f"d{worst} is wrong (rel. error {exact_errors[worst]:.1e} against the exact gradient)",
                 measured, numeric_errors[worst_numeric])


def _calls(problem: dict, outputs: dict) -> list[dict]:
    calls = outputs["calls"]
    num_iters = problem["train"]["num_iters"]
    if not calls:
        raise Wrong("train() never calls self.loss(X_batch, y=y_batch, reg=reg) as the starter code does,"
                    " so its steps cannot be seen")
    if len(calls) != num_iters:
        raise Wrong(f"self.loss was called with labels {len(calls)} times in {num_iters} iterations; once per iteration")
    return calls


def _grade_minibatches(problem: dict, outputs: dict):
    X, y = np.asarray(problem["X"], float), np.asarray(problem["y"])
    batch_size = problem["train"]["batch_size"]
    row_of = {row.tobytes(): i for i, row in enumerate(X)}
    batches = []
    for k, call in enumerate(_calls(problem, outputs)):
        X_batch = _array(call["X"], (batch_size, X.shape[1]), f"the X_batch of iteration {k}")
        y_batch = _array(call["y"], (batch_size,), f"the y_batch of iteration {k}")
        rows = [row_of.get(row.tobytes()) for row in X_batch]
        if None in rows:
            raise Wrong(f"the X_batch of iteration {k} holds rows that are not rows of X")
        if not np.array_equal(y[rows], y_batch):
            raise Wrong(f"the y_batch of iteration {k} is not the labels of its rows: index X and y alike")
        batches.append(rows)
    if all(rows == batches[0] for rows in batches):
        raise Wrong("every iteration uses the same batch: draw a new random one each time (np.random.choice)")
    if all(rows == list(range(rows[0], rows[0] + batch_size)) for rows in batches):
        raise Wrong("the batches are consecutive slices of X, not random rows (np.random.choice)")
    seen = len({i for rows in batches for i in rows})
    return f"{len(batches)} batches of {batch_size}, {seen} of {len(X)} rows seen", "", None


def _flat(params: dict) -> np.ndarray:
    return np.concatenate([np.ravel(params[name]) for name in ref.PARAM_NAMES])


def _grade_update(problem: dict, outputs: dict):
    """Each step's learning rate, fitted from params after = params before - rate * grads."""
    calls = _calls(problem, outputs)
    learning_rate = problem["train"]["learning_rate"]
    shapes = {name: np.shape(value) for name, value in problem["params"].items()}
    afters = [call["params"] for call in calls[1:]] + [outputs["final_params"]]
    rates, residual = [], 0.0
    for k, (call, after) in enumerate(zip(calls, afters)):
        grads = call["grads"]
        for name in ref.PARAM_NAMES:
            _array(grads.get(name), shapes[name], f"grads['{name}'] of iteration {k}")
            _array(after.get(name) if isinstance(after, dict) else None, shapes[name], f"params['{name}']")
        step = _flat(after) - _flat(call["params"])
        gradient = _flat(grads)
        if not np.any(step):
            if k == 0:
                raise Wrong("the weights never change: params[name] -= learning_rate * grads[name]")
            rates.append(0.0)
            continue
        rate = -float(step @ gradient) / max(float(gradient @ gradient), 1e-300)
        residual = max(residual, float(np.linalg.norm(step + rate * gradient) / np.linalg.norm(step)))
        rates.append(rate)
    if residual > SAME:
        frozen = [n for n in ref.PARAM_NAMES if np.array_equal(afters[0][n], calls[0]["params"][n])]
        hint = (f"{', '.join(frozen)} never change: update every parameter" if frozen
                else "the step is not -learning_rate * grads (momentum on by default?)")
        raise Wrong(hint, f"rel. residual {residual:.1e}", residual)
    if abs(rates[0] + learning_rate) <= SAME * learning_rate:
        raise Wrong("the step goes up the gradient: subtract, params -= learning_rate * grads")
    if abs(rates[0] - learning_rate) > SAME * learning_rate:
        raise Wrong(f"the first step used learning rate {rates[0]:.4g}, not learning_rate={learning_rate}",
                     f"rate {rates[0]:.4g}")
    return (f"params -= {rates[0]:.4g} * grads", "", residual), rates


def _grade_decay(problem: dict, rates: list[float]):
    train = problem["train"]
    learning_rate, decay, batch_size = train["learning_rate"], train["learning_rate_decay"], train["batch_size"]
    per_epoch = max(len(problem["X"]) / batch_size, 1)
    steps = np.arange(len(rates))
    # The course decays after iterations 0, E, 2E...; decaying at each epoch's end is as right.
    schedules = [learning_rate * decay ** np.ceil(steps / per_epoch), learning_rate * decay ** np.floor(steps / per_epoch)]
    measured = f"rate {rates[0]:.4g} -> {rates[-1]:.4g} in {len(rates)} steps, {per_epoch:g} per epoch"
    if any(np.allclose(rates, schedule, rtol=SAME, atol=0) for schedule in schedules):
        return measured, "", None
    ratios = np.array(rates[1:]) / np.array(rates[:-1])
    if np.allclose(ratios, 1.0, rtol=SAME):
        hint = "the rate never decays: learning_rate *= learning_rate_decay once per epoch"
    elif np.allclose(ratios, decay, rtol=SAME):
        hint = f"the rate decays every iteration; once per epoch (every {per_epoch:g} iterations) is right"
    else:
        hint = f"expected the rate to be multiplied by {decay} every {per_epoch:g} iterations"
    raise Wrong(hint, measured)


def _grade_toy(problem: dict, outputs: dict):
    X, y = np.asarray(problem["X"], float), np.asarray(problem["y"])
    num_iters = problem["train"]["num_iters"]
    final = outputs["final_params"]
    params = {name: _array(final.get(name) if isinstance(final, dict) else None, np.shape(value), f"params['{name}']")
              for name, value in problem["params"].items()}
    history = outputs["loss_history"]
    if not isinstance(history, (list, np.ndarray)) or len(history) != num_iters:
        raise Wrong(f"train() must return loss_history with one loss per iteration ({num_iters})")
    loss = ref.data_loss_and_grads(params, X, y)[0]
    accuracy = float(np.mean(ref.hidden_and_scores(params, X)[1].argmax(axis=1) == y))
    measured = f"loss {loss:.3g}, accuracy {accuracy:.0%}"
    if loss < TOY_LOSS and accuracy == 1.0:
        return measured, "", loss
    raise Wrong(f"after {num_iters} iterations the loss should be below {TOY_LOSS}: see tasks 4-6", measured, loss)


def _grade_predict(problem: dict, outputs: dict):
    params, X = _params(problem), np.asarray(problem["X"], float)
    scores = ref.hidden_and_scores(params, X)[1]
    expected = scores.argmax(axis=1)
    predicted = outputs["predicted"]
    if isinstance(predicted, np.ndarray) and predicted.shape == scores.shape:
        raise Wrong("predict returned the scores: return one class per row, np.argmax(scores, axis=1)")
    predicted = _array(predicted, expected.shape, "predict(X)")
    right = int(np.sum(predicted == expected))
    measured = f"{right} of {len(expected)} right"
    if right == len(expected):
        return measured, "", None
    if np.array_equal(predicted, scores.argmin(axis=1)):
        raise Wrong("that is the argmin, the least likely class: use np.argmax(scores, axis=1)", measured)
    raise Wrong("predict(X) should be np.argmax(scores, axis=1)", measured)
