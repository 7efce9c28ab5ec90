"""Run one task of a student's `TwoLayerNet` in a throwaway child process.

    python -I net_runner.py TASK STUDENT_FILE WORKDIR CPU_SECONDS

The grader starts one of these per task and kills it when its time is up. It reads the task's
inputs from WORKDIR/inputs.json, calls the student's code on them, and writes what came back to
WORKDIR/TASK.json; it grades nothing (the grader compares, in its own process, against numbers
it computes itself). It depends on the standard library and numpy alone, never on hwcli, so the
student's code shares a process with nothing of ours worth protecting.
"""
import importlib.machinery
import importlib.util
import json
import os
import sys
import traceback

MAX_ELEMENTS = 100_000  # any array larger than the grader's inputs could produce comes back as a shape
MAX_DEPTH = 4  # nested containers deeper than the course's (loss, {name: array}) come back as a type
MAX_RECORDED_CALLS = 100  # the calls to `loss` recorded during training
FILE_SIZE_LIMIT = 16 * 2**20  # bytes: any file the child writes, this result included
MEMORY_LIMIT = 3 * 2**30  # bytes of address space

STUDENT_MODULE = "student_neural_net"


def main(argv):
    task, student_file, workdir, cpu_seconds = argv[1], argv[2], argv[3], int(argv[4])
    _limit_resources(cpu_seconds)
    stage = "import"
    try:
        import numpy as np

        with open(os.path.join(workdir, "inputs.json"), encoding="utf-8") as f:
            inputs = json.load(f)[task]
        module = _load(student_file)
        stage = "run"
        outputs = TASKS[task](np, module, inputs)
        result = {"ok": True, "outputs": outputs}
    except BaseException as e:  # noqa: BLE001 - SystemExit and KeyboardInterrupt too: student code raised them
        result = {"ok": False, "stage": stage, "error": _describe(e), "where": _where(e, student_file)}
    _write_atomically(os.path.join(workdir, task + ".json"), result)


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
    if isinstance(value, (int, float, np.integer, np.floating)):
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
