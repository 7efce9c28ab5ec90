"""The models: reference sizes, what each one sees, the transformer's mask, the lr schedule."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from nowcast_helpers import one_torch_thread, random_month  # noqa: F401

from hwcli.nowcast import MODEL_NAMES
from hwcli.nowcast.config import TrainConfig, custom_lr
from hwcli.nowcast.data import Split, fit_normalisation
from hwcli.nowcast.models import REFERENCE_PARAMS, Transformer, build_model, count_params, model_inputs


@pytest.mark.parametrize("name, params", [("ff", 95_801), ("ff-dropout", 95_801), ("cnn", 406_201), ("gru", 206_601)])
def test_parameter_counts_match_the_course(name, params):
    assert count_params(build_model(name)) == params == REFERENCE_PARAMS[name]


def _inputs(name, entries=6, seed=0):
    features, labels = random_month(entries, seed)
    norm = fit_normalisation(Split("train", (6,), features, labels))
    model = build_model(name).eval()
    return model, features, labels, norm


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_every_model_predicts_every_entry_and_time_step(name):
    model, features, labels, norm = _inputs(name)
    x, y = model_inputs(model, norm.features(features), labels, norm)
    with torch.no_grad():
        predictions = model(x)
    assert predictions.shape == y.shape
    assert y.numel() == labels.size  # the same (entry, time step) targets for every model
    assert torch.isfinite(predictions).all()


def test_step_wise_models_see_one_time_step_as_the_course_does():
    model, features, labels, norm = _inputs("cnn")
    x, y = model_inputs(model, features, labels, norm)
    assert x.shape == (6 * 5, 3, 5, 5)
    # row 7 is entry 1, step 2; channels first, grid intact
    np.testing.assert_array_equal(x[7].permute(1, 2, 0).numpy(), features[1, 2])
    assert y[7] == labels[1, 2]
    x_ff, _ = model_inputs(build_model("ff"), features, labels, norm)
    np.testing.assert_array_equal(x_ff[7].numpy(), features[1, 2].reshape(75))


def test_the_previous_rainfall_is_the_76th_input():
    model, features, labels, norm = _inputs("transformer")
    x, _ = model_inputs(model, features, labels, norm)
    assert x.shape == (6, 5, 76)
    np.testing.assert_allclose(x[:, 1:, 75].numpy(), norm.rain(labels)[:, :-1], rtol=1e-6)
    assert (x[:, 0, 75] == 0).all()  # unknown before the first step: the training mean


def test_the_transformer_writes_out_its_attention():
    model = build_model("transformer")
    assert not any(isinstance(m, torch.nn.MultiheadAttention) for m in model.modules())
    assert isinstance(model, Transformer)


@settings(max_examples=25)
@given(name=st.sampled_from(["transformer", "best", "gru"]), step=st.integers(0, 3), seed=st.integers(0, 2**16))
def test_a_step_never_sees_later_inputs_nor_its_own_answer(name, step, seed):
    """Changing every input after `step` (the rainfall at `step` is step+1's 76th input) leaves
    the predictions up to `step` unchanged, and does change what comes after."""
    model, features, labels, norm = _inputs(name, seed=seed % 7)
    torch.manual_seed(seed)
    x, _ = model_inputs(model, features, labels, norm)
    changed = x.clone()
    changed[:, step + 1 :] += torch.randn_like(changed[:, step + 1 :]) * 3
    with torch.no_grad():
        before, after = model(x), model(changed)
    torch.testing.assert_close(after[:, : step + 1], before[:, : step + 1], rtol=0, atol=1e-6)
    assert not torch.allclose(after[:, step + 1 :], before[:, step + 1 :])


def test_changing_the_answer_itself_changes_only_later_steps():
    model, features, labels, norm = _inputs("transformer")
    wetter = labels.copy()
    wetter[:, 2] += 25.0  # a downpour at step 2
    with torch.no_grad():
        before = model(model_inputs(model, features, labels, norm)[0])
        after = model(model_inputs(model, features, wetter, norm)[0])
    torch.testing.assert_close(after[:, :3], before[:, :3], rtol=0, atol=0)
    assert not torch.allclose(after[:, 3], before[:, 3])


def test_custom_schedule_warms_up_then_decays():
    config = TrainConfig(lr=1e-2, min_lr=1e-4, warmup_epochs=2, decay="cosine", decay_epochs=10)
    lrs = [custom_lr(epoch, config) for epoch in range(14)]
    assert lrs[:3] == pytest.approx([5e-3, 1e-2, 1e-2])
    assert all(a >= b for a, b in zip(lrs[1:], lrs[2:]))
    assert lrs[10:] == pytest.approx([1e-4] * 4)
    step = TrainConfig(lr=1e-2, warmup_epochs=1, decay="step", step_epochs=3, step_gamma=0.5, min_lr=1e-3)
    assert [custom_lr(e, step) for e in range(9)] == pytest.approx(
        [1e-2, 1e-2, 1e-2, 1e-2, 5e-3, 5e-3, 5e-3, 2.5e-3, 2.5e-3]
    )
    assert custom_lr(100, step) == pytest.approx(1e-3)


@given(
    epoch=st.integers(0, 200),
    warmup=st.integers(0, 10),
    decay=st.sampled_from(["cosine", "step"]),
    decay_epochs=st.integers(1, 100),
)
def test_custom_lr_stays_between_min_lr_and_lr_after_warm_up(epoch, warmup, decay, decay_epochs):
    config = TrainConfig(lr=3e-3, min_lr=2e-4, warmup_epochs=warmup, decay=decay, decay_epochs=decay_epochs)
    lr = custom_lr(epoch, config)
    assert 0 < lr <= config.lr * (1 + 1e-12)
    if epoch >= warmup:
        assert lr >= config.min_lr * (1 - 1e-12)
