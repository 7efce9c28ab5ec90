"""The `hw4` command line: thin commands that parse options, call the core, and render.

Heavy libraries (numpy, torch, matplotlib, scikit-learn) are imported inside the commands
that need them, so that `hw4 shapes` starts as fast as Typer allows.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from hwcli import render
from hwcli.errors import InputError

try:  # Typer >= 0.22 vendors click; older releases depend on it
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover
    from click.exceptions import ClickException

APP_SETTINGS = dict(
    name="hw4",
    help="Compute, explain, check and train everything in Homework 4 (neural networks).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app = typer.Typer(**APP_SETTINGS)

Json = Annotated[bool, typer.Option("--json", help="Print the results as one JSON object on stdout.")]


def _show_version(value: bool) -> None:
    if value:
        from hwcli import __version__

        print(f"hw4 {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Compute, explain, check and train everything in Homework 4 (neural networks)."""


# ---------------------------------------------------------------- Part 1: the basics (issue 2)

SpecFile = Annotated[Optional[Path], typer.Option("--spec", help="A TOML network spec (default: the T2 figure).")]
Verify = Annotated[bool, typer.Option("--verify", help="Check the answers against PyTorch.")]


def _t1_value(name: str, default: float):
    return Annotated[Optional[float], typer.Option(f"--{name}", help=f"T1's {name} (homework: {default:g}).")]


def _parse_assignments(items: list[str]) -> dict[str, float]:
    values = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise InputError(f"--set {item!r}: write NAME=VALUE, e.g. --set x0=1.5")
        try:
            value = float(text)
        except ValueError:
            raise InputError(f"--set {item!r}: {text.strip()!r} is not a number") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise InputError(f"--set {item!r}: the value must be finite")
        values[name] = value
    return values


@app.command()
def grad(
    x0: _t1_value("x0", 1.0) = None,
    w0: _t1_value("w0", 0.5) = None,
    w1: _t1_value("w1", -0.2) = None,
    b0: _t1_value("b0", 0.1) = None,
    b1: _t1_value("b1", 0.15) = None,
    expr: Annotated[Optional[str], typer.Option(
        "--expr", help="Any scalar program, e.g. 'h = tanh(x*w + b); z = h*h' (';' or newlines).")] = None,
    assignments: Annotated[list[str], typer.Option(
        "--set", help="NAME=VALUE for an input of --expr (repeatable).")] = [],  # noqa: B006
    verify: Verify = False,
    json: Json = False,
) -> None:
    """T1: the residual net's forward pass, its gradients and the chain rule, or any scalar program."""
    from hwcli.basics import views
    from hwcli.basics.program import gradients
    from hwcli.basics.residual import T1_DEFAULTS, T1_PROGRAM

    t1_options = {k: v for k, v in {"x0": x0, "w0": w0, "w1": w1, "b0": b0, "b1": b1}.items() if v is not None}
    if expr is None:
        program, inputs = T1_PROGRAM, {**T1_DEFAULTS, **t1_options, **_parse_assignments(assignments)}
        unknown = set(inputs) - set(T1_DEFAULTS)
        if unknown:
            raise InputError(f"--set {sorted(unknown)[0]}: T1 has no such input (x0, w0, w1, b0, b1)")
    elif t1_options:
        raise InputError(f"--{next(iter(t1_options))} is for T1; give the inputs of --expr with --set NAME=VALUE")
    else:
        program, inputs = expr, _parse_assignments(assignments)
    result = gradients(program, inputs)
    verification = None
    if verify:
        from hwcli.basics.crosscheck import verify_gradients

        verification = verify_gradients(program, result.inputs)
    if json:
        render.print_json({**render.jsonable(result), "verification": verification})
    else:
        render.show(views.grad_view(result, verification))


def _network(spec: Optional[Path]):
    from hwcli.basics.network import load_network, t2_network

    return t2_network() if spec is None else load_network(spec)


@app.command()
def shapes(spec: SpecFile = None, verify: Verify = False, json: Json = False) -> None:
    """T2: every feature map's size, with the formula, receptive field and effective stride."""
    from hwcli.basics import views
    from hwcli.basics.shapes import feature_map_sizes

    network = _network(spec)
    report = feature_map_sizes(network)
    torch_shapes = None
    if verify:
        from hwcli.basics.crosscheck import run_in_torch

        torch_shapes = {name: shape for name, (shape, _) in run_in_torch(network).items()}
    if json:
        data = render.jsonable(report)
        if torch_shapes is not None:
            data["verification"] = {"torch": torch_shapes,
                                    "agree": all(tuple(torch_shapes[l.name]) == l.shape for l in report.layers)}
        render.print_json(data)
    else:
        render.show(views.shapes_view(report, torch_shapes))


@app.command()
def flops(
    spec: SpecFile = None,
    compare: Annotated[Optional[str], typer.Option(
        "--compare", help="Two sums of layer names, e.g. 'A+B:D' (the default for the T2 figure).")] = None,
    no_bias: Annotated[bool, typer.Option("--no-bias", help="Count as if no layer had a bias.")] = False,
    verify: Verify = False,
    json: Json = False,
) -> None:
    """OT1: multiplies, additions, MACs, FLOPs and parameters per layer, and A+B against D."""
    from hwcli.basics import views
    from hwcli.basics.costs import cost_report

    network = _network(spec)
    names = {layer.name for layer in network.layers}
    if compare is None and {"A", "B", "D"} <= names:
        compare = "A+B:D"
    report = cost_report(network, bias=not no_bias, compare_spec=compare)
    torch_flops = None
    if verify:
        from hwcli.basics.crosscheck import run_in_torch

        torch_flops = {name: count for name, (_, count) in run_in_torch(network, count_flops=True).items()}
    if json:
        data = render.jsonable(report)
        if torch_flops is not None:
            data["verification"] = {"flop_counter_mode": torch_flops,
                                    "agree": all(torch_flops[c.name] == c.flops for c in report.layers)}
        render.print_json(data)
    else:
        render.show(views.flops_view(report, torch_flops))


@app.command()
def softmax(
    logits: Annotated[Optional[str], typer.Option("--logits", help="Comma-separated logits, e.g. 2,1,0.1.")] = None,
    label: Annotated[Optional[int], typer.Option("--label", help="The true class (default: random).")] = None,
    classes: Annotated[int, typer.Option("--classes", min=2, max=1000, help="How many random logits.")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the random logits and label.")] = 0,
    verify: Verify = False,
    json: Json = False,
) -> None:
    """T3: the derivation of dL/dh_i = P_i - y_i, and a numeric check of it."""
    from hwcli.basics import views
    from hwcli.basics.softmax import DERIVATION, check_gradient, parse_logits, random_logits

    values, random_label = random_logits(classes, seed) if logits is None else (parse_logits(logits), 0)
    check = check_gradient(values, random_label if label is None else label)
    torch_gradient = None
    if verify:
        from hwcli.basics.crosscheck import softmax_gradient_with_torch

        torch_gradient = softmax_gradient_with_torch(check.logits, check.label)
    if json:
        render.print_json({**render.jsonable(check), "derivation": DERIVATION, "torch_gradient": torch_gradient})
    else:
        render.show(views.softmax_view(check, DERIVATION, torch_gradient))


# ---------------------------------------------------------------- Part 2: numpy net (issue 3)

from hwcli.numpy_net.config import DEFAULTS as NET  # noqa: E402  (plain dataclass, no numpy)


def _must_be(ok, requirement: str):
    """An option callback: the value, or a bad-parameter error saying what it must be."""

    def check(value):
        if value is not None and not ok(value):
            raise typer.BadParameter(f"{value:g} must be {requirement}")
        return value

    return check


@app.command("train-numpy")
def train_numpy(
    ctx: typer.Context,
    dataset: Annotated[str, typer.Option(
        "--dataset", help="digits (scikit-learn's 8x8 digits, no download) or mnist (IDX files in --data-dir).")] = "digits",
    data_dir: Annotated[Optional[Path], typer.Option(
        "--data-dir", help="The folder with MNIST's four IDX files (train-*, t10k-*), gzipped or not.")] = None,
    only_test_files: Annotated[bool, typer.Option(
        "--only-test-files", help="Use only MNIST's t10k pair: carve train, validation and test (20%) from it.")] = False,
    val_size: Annotated[float, typer.Option(
        "--val-size", help="Validation split: a fraction of the training data, or a count.")] = 0.1,
    hidden: Annotated[Optional[int], typer.Option(
        "--hidden", min=1, help=f"Hidden units. \\[default: {NET.hidden}]", show_default=False)] = None,
    lr: Annotated[Optional[float], typer.Option(
        "--lr", help=f"Learning rate. \\[default: {NET.learning_rate}]", show_default=False,
        callback=_must_be(lambda v: v > 0, "positive"))] = None,
    lr_decay: Annotated[Optional[float], typer.Option(
        "--lr-decay", help=f"Learning-rate factor after each epoch. \\[default: {NET.learning_rate_decay}]",
        show_default=False, callback=_must_be(lambda v: 0 < v <= 1, "in (0, 1]"))] = None,
    reg: Annotated[Optional[float], typer.Option(
        "--reg", help=f"L2 strength: 0.5 * reg * (|W1|² + |W2|²). \\[default: {NET.reg:g}]", show_default=False,
        callback=_must_be(lambda v: v >= 0, "0 or more"))] = None,
    epochs: Annotated[int, typer.Option("--epochs", min=1, help="Epochs to train.")] = NET.epochs,
    iters: Annotated[Optional[int], typer.Option(
        "--iters", min=1, help="Iterations to train, instead of --epochs.")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Minibatch size.")] = NET.batch_size,
    momentum: Annotated[float, typer.Option(
        "--momentum", help="SGD momentum; 0 for plain SGD.", callback=_must_be(lambda v: 0 <= v < 1, "in [0, 1)"))
    ] = NET.momentum,
    init_std: Annotated[Optional[float], typer.Option(
        "--init-std", help="Std of the initial weights (the course's: 1e-4). \\[default: sqrt(2 / inputs)]",
        show_default=False, callback=_must_be(lambda v: v > 0, "positive"))] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seeds the splits, the initial weights and the batches.")] = 0,
    out: Annotated[Optional[Path], typer.Option(
        "--out", help="Write weights.npz, metrics.csv and PNG plots to this folder.")] = None,
    tune: Annotated[bool, typer.Option(
        "--tune", help="Search --hidden, --lr, --reg and --lr-decay (those not given) on the validation split.")] = False,
    trials: Annotated[int, typer.Option("--trials", min=1, help="Settings tried by --tune.")] = 10,
    gradcheck: Annotated[bool, typer.Option(
        "--gradcheck", help="Check the analytic gradients against numerical ones on a small net, and stop.")] = False,
    json: Json = False,
) -> int:
    """Part 2: train the two-layer numpy net on handwritten digits; tune it; check its gradients."""
    from hwcli.numpy_net import views

    if gradcheck:
        from hwcli.numpy_net.gradcheck import check_gradients

        check = check_gradients()
        if json:
            render.print_json({**render.jsonable(check), "passed": check.passed})
        else:
            render.console.print(views.gradient_check_table(check))
        return 0 if check.passed else 1
    if iters is not None and ctx.get_parameter_source("epochs").name != "DEFAULT":
        raise InputError("--epochs and --iters: give one of them, not both")

    from hwcli.files import make_out_dir
    from hwcli.numpy_net.data import load_dataset
    from hwcli.numpy_net.outputs import write_outputs
    from hwcli.numpy_net.training import train_on
    from hwcli.numpy_net.tuning import candidates, search

    if out is not None:
        make_out_dir(out)
    data = load_dataset(dataset, data_dir, val_size=val_size, only_test_files=only_test_files, seed=seed)
    given = {"hidden": hidden, "learning_rate": lr, "learning_rate_decay": lr_decay, "reg": reg}
    params = NET.with_(**{k: v for k, v in given.items() if v is not None},
                       epochs=epochs, iters=iters, batch_size=batch_size, momentum=momentum, init_std=init_std)
    display = views.TrainingDisplay(quiet=json, trials=trials if tune else None)
    with display:
        if tune:
            fixed = frozenset(k for k, v in given.items() if v is not None)
            settings = candidates(params, trials, fixed=fixed, seed=seed)
            found = search(data, settings, seed=seed, on_trial=display.trial_done, on_step=display.step)
            trained, tried = found.best, found.ranked()
        else:
            trained, tried = train_on(data, params, seed=seed, on_step=display.step), None
    test_acc = trained.net.accuracy(data.test.X, data.test.y)  # once, at the very end

    files = write_outputs(out, trained, data) if out is not None else []
    if json:
        render.print_json(views.summary(data, trained, test_acc, seed, files, tried))
    else:
        render.show(views.result_views(data, trained, test_acc, files, tried))
    if trained.stopped and not tune:
        render.error_line(views.divergence_advice(trained))
        return 1
    return 0


# ---------------------------------------------------------------- Part 3: nowcasting (issue 4)

from hwcli.nowcast import DEFAULT_SAMPLES_PER_MONTH, DEFAULT_SEED, MODEL_NAMES  # noqa: E402  (constants only)
from hwcli.nowcast.config import TrainConfig  # noqa: E402  (plain dataclass, no torch)

NOWCAST = TrainConfig()
_SCHEDULE = "Learning-rate schedule"


@app.command("nowcast-data")
def nowcast_data(
    out: Annotated[Path, typer.Option("--out", help="Folder to write features-m{M}.pk and labels-m{M}.pk to.")],
    samples_per_month: Annotated[int, typer.Option(
        "--samples-per-month", min=1, help="Entries per month.")] = DEFAULT_SAMPLES_PER_MONTH,
    seed: Annotated[int, typer.Option("--seed", help="Seeds the random weather.")] = DEFAULT_SEED,
    json: Json = False,
) -> int:
    """Part 3: write a SYNTHETIC nowcasting data set (months 6-10) in the course's file format."""
    from hwcli.nowcast.synthetic import write_dataset
    from hwcli.nowcast.views import SYNTHETIC_NOTE, dataset_table

    written = write_dataset(out, samples_per_month, seed)
    if json:
        render.print_json({"synthetic": True, "note": SYNTHETIC_NOTE, "out": str(out), "months": written})
    else:
        render.console.print(dataset_table(written, out))
    return 0


@app.command("train-nowcast")
def train_nowcast(
    model: Annotated[str, typer.Option(
        "--model", help=f"{'|'.join(MODEL_NAMES)}|all.")] = "all",
    data_dir: Annotated[Optional[Path], typer.Option(
        "--data-dir", help="Folder with the course's features-m{M}.pk / labels-m{M}.pk. "
        "Default: synthetic data, the same as hw4 nowcast-data writes.", show_default=False)] = None,
    train_months: Annotated[str, typer.Option("--train-months", help="Training months, e.g. 6-8 or 6,7,8.")] = "6-8",
    val_months: Annotated[str, typer.Option("--val-months", help="Validation months.")] = "9",
    test_months: Annotated[str, typer.Option("--test-months", help="Test months.")] = "10",
    drop_nonfinite: Annotated[bool, typer.Option(
        "--drop-nonfinite", help="Drop entries with NaN or infinite values instead of refusing the file.")] = False,
    epochs: Annotated[int, typer.Option("--epochs", help="Epochs to train (in all, when resuming).")] = NOWCAST.epochs,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Minibatch size.")] = NOWCAST.batch_size,
    lr: Annotated[float, typer.Option("--lr", help="Adam's (peak) learning rate.")] = NOWCAST.lr,
    noise: Annotated[float, typer.Option(
        "--noise", help="Std of Gaussian noise added to the normalised training inputs.")] = NOWCAST.noise,
    seed: Annotated[int, typer.Option("--seed", help="Seeds the weights, batches, dropout and noise.")] = NOWCAST.seed,
    scheduler: Annotated[str, typer.Option(
        "--scheduler", help="plateau: ReduceLROnPlateau on validation loss; custom: warm-up then decay by epoch.",
        rich_help_panel=_SCHEDULE)] = NOWCAST.scheduler,
    plateau_factor: Annotated[float, typer.Option(
        "--plateau-factor", rich_help_panel=_SCHEDULE)] = NOWCAST.plateau_factor,
    plateau_patience: Annotated[int, typer.Option(
        "--plateau-patience", rich_help_panel=_SCHEDULE)] = NOWCAST.plateau_patience,
    min_lr: Annotated[float, typer.Option("--min-lr", rich_help_panel=_SCHEDULE)] = NOWCAST.min_lr,
    warmup_epochs: Annotated[int, typer.Option(
        "--warmup-epochs", help="custom: linear warm-up epochs.", rich_help_panel=_SCHEDULE)] = NOWCAST.warmup_epochs,
    decay: Annotated[str, typer.Option(
        "--decay", help="custom: cosine (to --min-lr at --decay-epochs) or step.", rich_help_panel=_SCHEDULE)
    ] = NOWCAST.decay,
    decay_epochs: Annotated[int, typer.Option("--decay-epochs", rich_help_panel=_SCHEDULE)] = NOWCAST.decay_epochs,
    step_epochs: Annotated[int, typer.Option(
        "--step-epochs", help="step: multiply by --step-gamma every this many epochs.", rich_help_panel=_SCHEDULE)
    ] = NOWCAST.step_epochs,
    step_gamma: Annotated[float, typer.Option("--step-gamma", rich_help_panel=_SCHEDULE)] = NOWCAST.step_gamma,
    device: Annotated[str, typer.Option("--device", help="auto (cuda when available), cpu or cuda.")] = "auto",
    amp: Annotated[bool, typer.Option("--amp", help="bf16 autocast.")] = False,
    threads: Annotated[Optional[int], typer.Option(
        "--threads", min=1, help="CPU threads for torch. Default: torch's choice, one per core.", show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", help="Write OUT/<model>/ best.pt, last.pt, metrics.csv, curves.png, test-predictions.png.")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue the stopped run in --out (same options; --epochs may grow).")] = False,
    json: Json = False,
) -> int:
    """Part 3: train rain-nowcasting models (ff, cnn, gru, transformer, best) and compare them."""
    from hwcli.nowcast.config import check_config, model_names
    from hwcli.nowcast.data import check_disjoint, parse_months

    names = model_names(model)
    months = {"--train-months": train_months, "--val-months": val_months, "--test-months": test_months}
    months = {option: parse_months(text, option) for option, text in months.items()}
    check_disjoint(months)
    if resume and out is None:
        raise InputError("--resume: needs --out, the folder of the run to continue")
    config = TrainConfig(
        epochs=epochs, batch_size=batch_size, lr=lr, scheduler=scheduler, plateau_factor=plateau_factor,
        plateau_patience=plateau_patience, min_lr=min_lr, warmup_epochs=warmup_epochs, decay=decay,
        decay_epochs=decay_epochs, step_epochs=step_epochs, step_gamma=step_gamma, noise=noise, seed=seed,
    )
    check_config(config)

    import dataclasses

    import torch

    from hwcli.nowcast.data import load_data
    from hwcli.nowcast.synthetic import make_data
    from hwcli.nowcast.train import Run, TrainingInterrupted, resolve_device, train_models
    from hwcli.nowcast.views import TrainingProgress, interrupted_line, results_table

    target = resolve_device(device)
    if threads is not None:
        torch.set_num_threads(threads)
    split_months = tuple(months.values())
    if data_dir is not None:
        data = load_data(data_dir, *split_months, drop_nonfinite)
    else:
        data = make_data(DEFAULT_SAMPLES_PER_MONTH, DEFAULT_SEED, *split_months)
    config = dataclasses.replace(config, data=data.describe())
    try:
        with TrainingProgress(render.err_console if json else render.console) as progress:
            report = train_models(data, names, config, Run(target, amp, out, resume), progress)
    except TrainingInterrupted as stop:
        render.error_line(interrupted_line(stop))
        return 130
    if json:
        render.print_json(report)
    else:
        render.console.print(results_table(report))
    return 0

# ---------------------------------------------------------------- checking and report (issue 5)


@app.command()
def check(
    answers: Annotated[Optional[Path], typer.Argument(
        metavar="ANSWERS.toml", help="Your answers (TOML). With --template: the blank file to write.")] = None,
    template: Annotated[bool, typer.Option(
        "--template", help="Write a blank answers file to ANSWERS (or print it, without ANSWERS).")] = False,
    x0: _t1_value("x0", 1.0) = None,
    w0: _t1_value("w0", 0.5) = None,
    w1: _t1_value("w1", -0.2) = None,
    b0: _t1_value("b0", 0.1) = None,
    b1: _t1_value("b1", 0.15) = None,
    json: Json = False,
) -> None:
    """Grade your T1, T2 and OT1 answers, naming the likely mistake behind each wrong one."""
    from hwcli.checking import answers as grading

    t1_values = {k: v for k, v in {"x0": x0, "w0": w0, "w1": w1, "b0": b0, "b1": b1}.items() if v is not None}
    if template:
        if answers is not None:
            grading.write_template(answers, t1_values)
        text = grading.template(t1_values)
        if json:
            render.print_json({"template": text, "written": None if answers is None else str(answers)})
        elif answers is None:
            sys.stdout.write(text)
        else:
            render.console.print(f"wrote {answers}: fill it in, then run `hw4 check {answers}`")
        return
    if answers is None:
        raise InputError("hw4 check: give your ANSWERS.toml, or --template to write a blank one")
    from hwcli.checking.views import answer_check_view

    result = grading.check_answers(answers, t1_values)
    if json:
        render.print_json(result)
    else:
        render.show(answer_check_view(result))
    if not result.passed:
        raise typer.Exit(1)


@app.command("check-net")
def check_net(
    path: Annotated[Path, typer.Argument(
        metavar="NEURAL_NET.py", help="The student's neural_net.py (the course's starter file, filled in).")],
    timeout: Annotated[float, typer.Option(
        "--timeout", help="Seconds the tasks (which run at once) may take; one unfinished by then fails.")] = 10.0,
    json: Json = False,
) -> None:
    """Grade a student's TwoLayerNet task by task, each task in its own time-limited process."""
    from hwcli.checking.net_grader import check_net as grade_file
    from hwcli.checking.views import net_check_view

    result = grade_file(path, timeout)
    if json:
        render.print_json(result)
    else:
        render.show(net_check_view(result))
    if not result.passed:
        raise typer.Exit(1)


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", help="The Markdown file to write.")] = Path("hw4-report.md"),
    train: Annotated[bool, typer.Option(
        "--train", help="Also train the numpy net and the nowcasting models; plots go beside the report.")] = False,
    mnist_dir: Annotated[Optional[Path], typer.Option(
        "--mnist-dir", help="With --train: MNIST's IDX files for the numpy net (default: the bundled digits); "
        "a folder with only the t10k pair is carved into all three splits.")] = None,
    nowcast_dir: Annotated[Optional[Path], typer.Option(
        "--nowcast-dir", help="With --train: the course's nowcasting pickles (default: synthetic data).")] = None,
    json: Json = False,
) -> None:
    """The whole worked answer sheet (T1, T2, OT1, T3) as Markdown, every number computed."""
    from hwcli import __version__
    from hwcli.checking.report import answer_sheet, files_folder, markdown, summary
    from hwcli.files import write_text

    if not train and (mnist_dir or nowcast_dir):
        raise InputError("--mnist-dir and --nowcast-dir are for --train")
    if not out.parent.is_dir():
        raise InputError(f"--out {out}: no such folder {out.parent}")
    sections = []
    if train:
        from hwcli.checking.training import nowcast_section, numpy_section
        from hwcli.nowcast.views import TrainingProgress

        folder = files_folder(out)
        render.err_console.print(f"training the numpy net, then the nowcasting models; plots go to {folder}/")
        sections.append(numpy_section(folder, mnist_dir))
        with TrainingProgress(render.err_console) as progress:
            sections.append(nowcast_section(folder, nowcast_dir, progress))
    sheet = answer_sheet(training=sections)
    text = markdown(sheet, __version__, out.parent)
    write_text(out, text)
    if json:
        render.print_json({"out": str(out), **summary(sheet)})
        return
    from rich.markdown import Markdown

    render.console.print(Markdown(text))
    render.console.print(f"\nwrote {out}", style="bold")


def _app_for(argv: list[str]) -> typer.Typer:
    """The app with only the command asked for: Typer builds every registered command's options
    before it runs one, and the trainers' many options would slow `hw4 shapes` down."""
    asked = next((arg for arg in argv if not arg.startswith("-")), None)
    chosen = [c for c in app.registered_commands
              if (c.name or typer.main.get_command_name(c.callback.__name__)) == asked]
    if not chosen:  # no command, --help, --version, or a typo: the whole app answers
        return app
    lean = typer.Typer(**APP_SETTINGS)
    lean.registered_callback = app.registered_callback
    lean.registered_commands = chosen
    return lean


def main(argv: list[str] | None = None) -> int:
    """Run the app; user errors become one line on stderr and exit status 2."""
    argv = sys.argv[1:] if argv is None else argv
    command = typer.main.get_command(_app_for(argv))
    try:
        result = command.main(args=argv, prog_name="hw4", standalone_mode=False)
    except InputError as e:
        render.error_line(str(e))
        return 2
    except ClickException as e:  # bad options: Typer's own parsing errors
        if not e.format_message():  # bare `hw4`: the help was the answer
            return 0
        ctx = getattr(e, "ctx", None)
        where = f"{ctx.command_path}: " if ctx is not None else ""
        render.error_line(f"{where}{e.format_message()}")
        return e.exit_code
    except (typer.Abort, KeyboardInterrupt):
        render.error_line("interrupted")
        return 130
    return result if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())
