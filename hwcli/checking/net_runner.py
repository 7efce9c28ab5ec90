"""Run the tasks of a student's `TwoLayerNet` in throwaway child processes.

    python -I net_runner.py STUDENT_FILE WORKDIR CPU_SECONDS

The grader starts this and kills its whole process group when the time is up. It imports the
student's file once, then forks one process per task, so that a crash or a hang in one task
spoils no other and the imports are paid once. It reads the inputs from WORKDIR/inputs.json,
calls the student's code on them, and writes what came back to WORKDIR/TASK.json; it grades
nothing (the grader compares, in its own process, against numbers it computes itself). It
depends on the standard library and numpy alone, never on hwcli, so the student's code shares
a process with nothing of ours worth protecting.
"""
import importlib.machinery
import importlib.util
import json
import os
import signal
import sys
import traceback

MAX_ELEMENTS = 100_000  # any array larger than the grader's inputs could produce comes back as a shape
MAX_DEPTH = 4  # nested containers deeper than the course's (loss, {name: array}) come back as a type
MAX_RECORDED_CALLS = 100  # the calls to `loss` recorded during training
FILE_SIZE_LIMIT = 16 * 2**20  # bytes: any file the child writes, this result included
MEMORY_LIMIT = 3 * 2**30  # bytes of address space

STUDENT_MODULE = "student_neural_net"


def main(argv):
    student_file, workdir, cpu_seconds = argv[1], argv[2], int(argv[3])
    _limit_resources(cpu_seconds)
    try:
        import numpy as np

        with open(os.path.join(workdir, "inputs.json"), encoding="utf-8") as f:
            inputs = json.load(f)
        module = _load(student_file)
    except BaseException as e:  # noqa: BLE001 - SystemExit and KeyboardInterrupt too: student code raised them
        failure = _failure("import", e, student_file)
        for task in TASKS:
            _write_atomically(_result_path(workdir, task), failure)
        return
    tasks = {}
    for task in inputs:
        pid = os.fork()
        if pid == 0:  # the task's own process: whatever happens, it never returns into this loop
            try:
                _run(np, module, task, inputs[task], student_file, workdir)
            finally:
                os._exit(0)
        tasks[pid] = task
    while tasks:
        pid, status = os.wait()
        task = tasks.pop(pid, None)
        if task is not None and not os.path.exists(_result_path(workdir, task)):
            _write_atomically(_result_path(workdir, task), {"ok": False, "died": _death(status)})


def _run(np, module, task, inputs, student_file, workdir):
    try:
        result = {"ok": True, "outputs": TASKS[task](np, module, inputs)}
    except BaseException as e:  # noqa: BLE001
        result = _failure("run", e, student_file)
    _write_atomically(_result_path(workdir, task), result)


def _failure(stage, error, student_file):
    return {"ok": False, "stage": stage, "error": _describe(error), "where": _where(error, student_file)}


def _death(status):
    """How a task's process ended without a result: 'SIGSEGV', or 'exit status 3'."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return signal.Signals(number).name
        except ValueError:
            return f"signal {number}"
    return f"exit status {os.WEXITSTATUS(status)}"


def _result_path(workdir, task):
    return os.path.join(workdir, task + ".json")


def _limit_resources(cpu_seconds):
    try:
        import resource
    except ImportError:  # not on this platform: the wall-clock timeout still holds
        return
    for limit, value in (
        (resource.RLIMIT_CPU, cpu_seconds),
        (resource.RLIMIT_FSIZE, FILE_SIZE_LIMIT),
        (resource.RLIMIT_AS, MEMORY_LIMIT),
    ):
        try:
            resource.setrlimit(limit, (value, value))
        except (ValueError, OSError):
            pass


def _load(path):
    """Import the student's file by path; its folder is searched last, for helper modules beside it."""
    sys.path.append(os.path.dirname(os.path.abspath(path)))
    loader = importlib.machinery.SourceFileLoader(STUDENT_MODULE, path)
    spec = importlib.util.spec_from_loader(STUDENT_MODULE, loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[STUDENT_MODULE] = module
    loader.exec_module(module)
    if not isinstance(getattr(module, "TwoLayerNet", None), type):
        raise LookupError("the file defines no class TwoLayerNet")
    return module


def _net(np, module, inputs):
    """A TwoLayerNet with the grader's weights in place of its random ones."""
    input_size, hidden_size, output_size = inputs["sizes"]
    net = module.TwoLayerNet(input_size, hidden_size, output_size, std=1e-1)
    for name, value in inputs["params"].items():
        net.params[name] = np.array(value, dtype=np.float64)
    return net


def _arrays(np, inputs):
    return np.array(inputs["X"], dtype=np.float64), np.array(inputs["y"], dtype=np.int64)


def scores_task(np, module, inputs):
    net = _net(np, module, inputs)
    X, _ = _arrays(np, inputs)
    return {"scores": encode(np, net.loss(X))}


def loss_task(np, module, inputs):
    net = _net(np, module, inputs)
    X, y = _arrays(np, inputs)
    return {"result": encode(np, net.loss(X, y=y, reg=inputs["reg"]))}


def gradients_task(np, module, inputs):
    """The student's gradients and, as the course checks them, central differences of their own loss."""
    net = _net(np, module, inputs)
    X, y = _arrays(np, inputs)
    reg, h = inputs["reg"], inputs["h"]
    result = net.loss(X, y=y, reg=reg)
    numeric = {}
    for name in inputs["params"]:
        param = net.params[name]
        grad = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            saved = param[index]
            param[index] = saved + h
            plus = float(net.loss(X, y=y, reg=reg)[0])
            param[index] = saved - h
            minus = float(net.loss(X, y=y, reg=reg)[0])
            param[index] = saved
            grad[index] = (plus - minus) / (2 * h)
        numeric[name] = grad
    return {"result": encode(np, result), "numeric": encode(np, numeric)}


def train_task(np, module, inputs):
    """Train, recording every labelled call to `loss`: its batch, the weights before it, its gradients."""
    np.random.seed(inputs["seed"])
    net = _net(np, module, inputs)
    X, y = _arrays(np, inputs)
    X_val, y_val = np.array(inputs["X_val"], dtype=np.float64), np.array(inputs["y_val"], dtype=np.int64)
    calls = []
    student_loss = net.loss

    def recording_loss(*args, **kwargs):
        labels = kwargs.get("y", args[1] if len(args) > 1 else None)
        batch = kwargs.get("X", args[0] if args else None)
        params = {name: np.array(value, dtype=np.float64) for name, value in net.params.items()}
        out = student_loss(*args, **kwargs)
        if labels is not None and len(calls) < MAX_RECORDED_CALLS and inputs["record"]:
            grads = out[1] if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict) else {}
            calls.append({
                "X": encode(np, np.asarray(batch)),
                "y": encode(np, np.asarray(labels)),
                "params": encode(np, params),
                "grads": encode(np, {k: np.array(v, dtype=np.float64) for k, v in grads.items()}),
            })
        return out

    net.loss = recording_loss
    history = net.train(X, y, X_val, y_val, verbose=False, **inputs["train"])
    loss_history = history.get("loss_history") if isinstance(history, dict) else None
    return {
        "calls": calls,
        "final_params": encode(np, dict(net.params)),
        "loss_history": encode(np, loss_history),
    }


def predict_task(np, module, inputs):
    net = _net(np, module, inputs)
    X, _ = _arrays(np, inputs)
    return {"predicted": encode(np, net.predict(X))}


TASKS = {
    "scores": scores_task,
    "loss": loss_task,
    "gradients": gradients_task,
    "train": train_task,
    "toy": train_task,
    "predict": predict_task,
}


def encode(np, value, depth=0):
    """What the student's code returned, as JSON the grader can read back, bounded in size."""
    if isinstance(value, (bool, np.bool_)):
        return {"kind": "other", "type": "bool"}
    if isinstance(value, (int, float, np.integer, np.floating)) or (
            isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"):
        return {"kind": "number", "value": float(value)}
    if isinstance(value, np.ndarray):
        shape = list(value.shape)
        if value.dtype.kind not in "biuf":
            return {"kind": "other", "type": f"array of {value.dtype}"}
        if value.size > MAX_ELEMENTS:
            return {"kind": "array", "shape": shape, "data": None}
        return {"kind": "array", "shape": shape, "data": value.astype(np.float64).ravel().tolist()}
    if depth < MAX_DEPTH and isinstance(value, (tuple, list)) and len(value) <= MAX_ELEMENTS:
        return {"kind": "sequence", "items": [encode(np, v, depth + 1) for v in value]}
    if depth < MAX_DEPTH and isinstance(value, dict) and len(value) <= 100:
        return {"kind": "mapping", "items": {str(k): encode(np, v, depth + 1) for k, v in value.items()}}
    return {"kind": "other", "type": type(value).__name__}


def _describe(error):
    message = error.msg if isinstance(error, SyntaxError) else str(error)  # its str repeats the line
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return text[:300]


def _where(error, student_file):
    """The innermost line of the student's file in the traceback, e.g. 'line 42, in loss'."""
    if isinstance(error, SyntaxError) and error.lineno:
        return f"line {error.lineno}"
    target = os.path.abspath(student_file)
    frames = [f for f in traceback.extract_tb(error.__traceback__) if os.path.abspath(f.filename) == target]
    if not frames:
        return None
    frame = frames[-1]
    return f"line {frame.lineno}, in {frame.name}"


def _write_atomically(path, result):
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as f:
        json.dump(result, f)
    os.replace(partial, path)


if __name__ == "__main__":
    main(sys.argv)
