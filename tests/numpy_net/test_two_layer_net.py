"""The two-layer net against independent computations: a per-sample loop, torch autograd, central differences."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwcli.numpy_net import TwoLayerNet, eval_numerical_gradient, rel_error
from hwcli.numpy_net.gradcheck import check_gradients
from hwcli.numpy_net.net import _minibatches

torch = pytest.importorskip("torch")


def small_problem(seed=0, n=5, d=4, h=10, c=3, std=1e-1):
    """The course's toy setting."""
    np.random.seed(seed)
    net = TwoLayerNet(d, h, c, std=std)
    X = 10 * np.random.randn(n, d)
    y = np.random.randint(c, size=n)
    return net, X, y


def toy_model_and_data():
    """The course notebook's toy model and data."""
    np.random.seed(0)
    net = TwoLayerNet(4, 10, 3, std=1e-1)
    np.random.seed(1)
    return net, 10 * np.random.randn(5, 4), np.array([0, 1, 2, 2, 1])


def test_weights_are_drawn_in_the_courses_order_from_the_global_generator():
    np.random.seed(7)
    net = TwoLayerNet(6, 5, 3, std=0.25)
    np.random.seed(7)
    W1 = 0.25 * np.random.randn(6, 5)
    W2 = 0.25 * np.random.randn(5, 3)
    assert np.array_equal(net.params["W1"], W1)
    assert np.array_equal(net.params["W2"], W2)
    assert np.array_equal(net.params["b1"], np.zeros(5)) and np.array_equal(net.params["b2"], np.zeros(3))
    assert list(net.params) == ["W1", "b1", "W2", "b2"]


def test_scores_match_a_sample_by_sample_computation():
    net, X, _ = small_problem()
    net.params["b1"] = np.linspace(-1, 1, 10)
    net.params["b2"] = np.array([0.5, -0.25, 2.0])
    p = net.params
    expected = [[sum(max(0.0, sum(x[i] * p["W1"][i, j] for i in range(4)) + p["b1"][j]) * p["W2"][j, k] for j in range(10))
                 + p["b2"][k] for k in range(3)] for x in X]
    assert np.allclose(net.loss(X), expected, rtol=1e-12, atol=1e-12)
    assert np.array_equal(net.predict(X), np.argmax(expected, axis=1))


def torch_loss_and_grads(params, X, y, reg):
    t = {name: torch.tensor(value, requires_grad=True) for name, value in params.items()}
    hidden = torch.relu(torch.tensor(X) @ t["W1"] + t["b1"])
    scores = hidden @ t["W2"] + t["b2"]
    loss = torch.nn.functional.cross_entropy(scores, torch.tensor(y)) + 0.5 * reg * (
        (t["W1"] ** 2).sum() + (t["W2"] ** 2).sum()
    )
    loss.backward()
    return loss.item(), {name: value.grad.numpy() for name, value in t.items()}


@settings(max_examples=40)
@given(
    n=st.integers(1, 8),
    d=st.integers(1, 6),
    h=st.integers(1, 7),
    c=st.integers(2, 5),
    reg=st.sampled_from([0.0, 1e-3, 0.5]),
    scale=st.sampled_from([1e-3, 1.0, 1e3]),  # 1e3 makes scores whose naive exp overflows
    seed=st.integers(0, 2**31 - 1),
)
def test_loss_and_gradients_match_torch_autograd(n, d, h, c, reg, scale, seed):
    net, X, y = small_problem(seed, n, d, h, c, std=1.0)
    X *= scale
    loss, grads = net.loss(X, y, reg=reg)
    expected_loss, expected_grads = torch_loss_and_grads(net.params, X, y, reg)
    assert np.isfinite(loss)
    assert loss == pytest.approx(expected_loss, rel=1e-10, abs=1e-12)
    for name in ("W1", "b1", "W2", "b2"):
        assert grads[name].shape == net.params[name].shape
        assert np.allclose(grads[name], expected_grads[name], rtol=1e-9, atol=1e-12 * max(1.0, scale)), name


def test_the_courses_toy_model_gives_its_reference_scores_and_loss():
    net, X, y = toy_model_and_data()
    correct_scores = [
        [-0.81233741, -1.27654624, -0.70335995],
        [-0.17129677, -1.18803311, -0.47310444],
        [-0.51590475, -1.01354314, -0.8504215],
        [-0.15419291, -0.48629638, -0.52901952],
        [-0.00618733, -0.12435261, -0.15226949],
    ]
    assert np.abs(net.loss(X) - correct_scores).max() < 1e-7
    # The notebook's 1.30378789133 adds reg * sum(W**2) at reg 0.05: 0.5 * reg * ... at reg 0.1.
    assert net.loss(X, y, reg=0.1)[0] == pytest.approx(1.30378789133, abs=1e-10)


def test_analytic_gradients_agree_with_central_differences():
    check = check_gradients()
    assert [p.name for p in check.params] == ["W1", "b1", "W2", "b2"]
    for p in check.params:
        assert p.rel_error < 1e-8, p
    assert check.passed


@pytest.mark.parametrize("reg", [0.0, 0.1])
def test_eval_numerical_gradient_on_the_net_directly(reg):
    net, X, y = small_problem(seed=3)
    _, grads = net.loss(X, y, reg=reg)
    for name, param in net.params.items():
        before = param.copy()
        numerical = eval_numerical_gradient(lambda _: net.loss(X, y, reg=reg)[0], param)
        assert np.array_equal(param, before)  # nudged and put back
        assert rel_error(numerical, grads[name]) < 1e-8


def test_the_notebooks_gradient_check_call_runs_as_written(capsys):
    net, X, y = toy_model_and_data()
    loss, grads = net.loss(X, y, reg=0.05)
    for param_name in grads:
        f = lambda W: net.loss(X, y, reg=0.05)[0]  # noqa: E731
        param_grad_num = eval_numerical_gradient(f, net.params[param_name], verbose=False)
        assert rel_error(param_grad_num, grads[param_name]) < 1e-8
    assert capsys.readouterr().out == ""
    eval_numerical_gradient(f, net.params["b2"], verbose=True)
    assert len(capsys.readouterr().out.splitlines()) == 3  # one line per entry of b2


def test_eval_numerical_gradient_of_a_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    assert np.allclose(eval_numerical_gradient(lambda v: float(np.sum(v**3)), x), 3 * x**2, rtol=1e-8)


def test_rel_error():
    a = np.array([1.0, 2.0, 0.0])
    assert rel_error(a, a) == 0.0
    assert rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    assert rel_error(np.zeros(3), np.full(3, 1e-12)) < 1e-3  # near zero, no division blow-up


def test_a_toy_problem_is_trained_to_near_zero_loss():
    net, X, y = toy_model_and_data()  # batch 200 > 5 samples: batches drawn with replacement
    history = net.train(X, y, X, y, learning_rate=1e-1, reg=1e-5, num_iters=100, verbose=False)
    assert history["loss_history"][0] > 1.0
    assert history["loss_history"][-1] < 0.02
    assert history["stopped"] is None
    assert np.array_equal(net.predict(X), y)


def test_history_lengths_and_the_per_epoch_learning_rate_decay():
    np.random.seed(0)
    X, y = np.random.randn(50, 3), np.random.randint(2, size=50)
    net = TwoLayerNet(3, 4, 2, std=0.1)
    history = net.train(X, y, X[:10], y[:10], learning_rate=0.1, learning_rate_decay=0.5, num_iters=23, batch_size=10)
    # 50 samples in batches of 10: an epoch is 5 iterations, so 23 iterations complete 4 epochs
    assert len(history["loss_history"]) == 23
    assert len(history["train_acc_history"]) == len(history["val_acc_history"]) == 4
    assert history["learning_rate_history"] == [0.1, 0.05, 0.025, 0.0125]
    assert all(0 <= a <= 1 for a in history["train_acc_history"] + history["val_acc_history"])


def test_a_seed_reproduces_a_run():
    def run():
        np.random.seed(42)
        X, y = np.random.randn(60, 5), np.random.randint(3, size=60)
        net = TwoLayerNet(5, 8, 3, std=0.1)
        return net.train(X, y, X, y, learning_rate=0.5, num_iters=30, batch_size=16, momentum=0.5), net.params

    (h1, p1), (h2, p2) = run(), run()
    assert h1 == h2
    assert all(np.array_equal(p1[k], p2[k]) for k in p1)


def test_momentum_follows_the_velocity_update():
    net, X, y = small_problem()
    start = {k: v.copy() for k, v in net.params.items()}
    lr, mu = 0.05, 0.9
    # One batch of all the data: each step's gradient is the full-batch gradient.
    net.train(X, y, X, y, learning_rate=lr, learning_rate_decay=1.0, reg=0.0, num_iters=3, batch_size=5, momentum=mu)
    expected = TwoLayerNet(4, 10, 3)
    expected.params = start
    velocity = {k: np.zeros_like(v) for k, v in start.items()}
    for _ in range(3):
        _, grads = expected.loss(X, y)
        for k in start:
            velocity[k] = mu * velocity[k] - lr * grads[k]
            start[k] = start[k] + velocity[k]
    for k in start:
        assert np.allclose(net.params[k], start[k], rtol=1e-10, atol=1e-13), k


@given(num_train=st.integers(1, 40), batch_size=st.integers(1, 50), seed=st.integers(0, 1000))
def test_minibatches_cover_each_epoch_once_or_draw_with_replacement(num_train, batch_size, seed):
    np.random.seed(seed)
    batches = _minibatches(num_train, batch_size)
    epoch = [next(batches) for _ in range(max(num_train // batch_size, 1))]
    assert all(len(b) == batch_size for b in epoch)
    everything = np.concatenate(epoch)
    assert everything.min() >= 0 and everything.max() < num_train
    if batch_size <= num_train:
        assert len(np.unique(everything)) == len(everything)  # no sample twice in an epoch


def test_a_diverging_loss_stops_training_and_keeps_the_best_weights():
    np.random.seed(0)
    X, y = np.random.randn(200, 6), np.random.randint(3, size=200)
    net = TwoLayerNet(6, 20, 3, std=0.1)
    snapshots = []
    history = net.train(X, y, X, y, learning_rate=1e4, num_iters=200, batch_size=20,
                        on_step=lambda s: snapshots.append((s.epoch, {k: v.copy() for k, v in net.params.items()})))
    assert history["stopped"] is not None and "loss became" in history["stopped"]
    assert len(history["loss_history"]) < 200
    assert all(np.isfinite(history["loss_history"]))
    assert all(np.all(np.isfinite(p)) for p in net.params.values())
    # The kept weights are those of the best epoch so far, or the initial ones before any epoch ended.
    vals = history["val_acc_history"]
    if vals:
        best_epoch = int(np.argmax(vals)) + 1
        kept = next(p for e, p in snapshots if e == best_epoch)
        assert all(np.array_equal(net.params[k], kept[k]) for k in kept)
