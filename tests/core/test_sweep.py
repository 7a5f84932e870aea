"""The ε-sweep: one gradient, batched forwards, equal to per-ε FGSM, straight for a linear model."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from advviz.core.attacks import BIM, FGSM, PGD, RandomSign
from advviz.core.batching import forward
from advviz.core.linearity import logit_linearity
from advviz.core.sweep import (FIRST_ROWS, SweepChunk, SweepStart, collect_sweep, eps_grid, fgsm_sweep, summarize,
                               sweep_steps)


@pytest.fixture(scope="module")
def batch(mnist_test):
    x, y = mnist_test
    return x[:8], y[:8]


@pytest.mark.parametrize("clip", [True, False])
def test_sweep_equals_fgsm_at_every_eps(zoo, batch, clip):
    model = zoo("mnist-cnn")
    x, y = batch
    eps = eps_grid(0.3, 13)
    logits = fgsm_sweep(model, x, y, eps, clip=clip)
    assert logits.shape == (13, 8, 10)
    x_req = x.clone().requires_grad_(True)
    torch.nn.functional.cross_entropy(model(x_req), y).backward()
    for k, value in enumerate(eps.tolist()):
        if value >= 0:
            adversarial = FGSM(eps=value, clip=clip)(model, x, y)
        else:  # the sweep's negative side: x − |ε|·sign∇
            adversarial = x + value * x_req.grad.sign()
            adversarial = adversarial.clamp(0, 1) if clip else adversarial
        torch.testing.assert_close(logits[k], model(adversarial).detach(), atol=1e-4, rtol=1e-5)


def test_sweep_costs_one_gradient(zoo, batch, monkeypatch):
    """Never a gradient per ε: count the backward passes."""
    import advviz.core.attacks.base as base

    calls = []
    original = base.input_gradient
    monkeypatch.setattr(base, "input_gradient", lambda *a, **k: calls.append(1) or original(*a, **k))
    fgsm_sweep(zoo("mnist-cnn"), *batch, eps_grid(0.5, 101))
    assert len(calls) == 1


@pytest.mark.parametrize("eps", [[-0.2, 0.0, 0.1, 0.0, 0.3], [0.0, 0.1], [0.1, 0.0], [0.0]])
def test_eps_zero_rows_reuse_the_clean_logits_in_place(zoo, batch, eps):
    """x itself at ε = 0 is not forwarded again, and its rows land where the grid puts them."""
    model = zoo("mnist-mlp")
    x, y = batch
    fgsm_sweep(model, x, y, eps)  # the first job of a model kind also times a few probe chunks
    forwarded = []
    handle = model.register_forward_hook(lambda module, inputs, output: forwarded.append(len(inputs[0])))
    try:
        logits = fgsm_sweep(model, x, y, eps)
    finally:
        handle.remove()
    nonzero = sum(value != 0 for value in eps)
    assert sum(forwarded) == len(x) * (1 + nonzero)  # the gradient's forward, then the moving rows
    direction = FGSM(eps=1.0, clip=False)(model, x, y) - x
    for k, value in enumerate(eps):
        expected = model((x + value * direction).clamp(0, 1)).detach()
        torch.testing.assert_close(logits[k], expected, atol=1e-4, rtol=1e-5)


def test_unclipped_softmax_regression_logits_are_exactly_linear(zoo, batch):
    model = zoo("mnist-softmax")
    x, y = batch
    eps = eps_grid(1.0, 41)
    logits = fgsm_sweep(model, x, y, eps, clip=False).numpy()
    r2 = logit_linearity(logits, eps)
    assert r2.min() > 1 - 1e-9
    # and the slope is w_cᵀ sign(∇): the paper's linear explanation
    slope = (logits[-1] - logits[0]) / (eps[-1] - eps[0])
    x_req = x.clone().requires_grad_(True)
    torch.nn.functional.cross_entropy(model(x_req), y).backward()
    weight = model.net[1].weight.detach()
    np.testing.assert_allclose(slope, (x_req.grad.sign().flatten(1) @ weight.T).numpy(), rtol=1e-4, atol=1e-3)


def test_a_deep_model_is_less_linear_than_softmax_when_clipped(zoo, batch):
    eps = eps_grid(0.5, 51)
    r2_softmax = logit_linearity(fgsm_sweep(zoo("mnist-softmax"), *batch, eps, clip=False), eps).mean()
    r2_rbf = logit_linearity(fgsm_sweep(zoo("mnist-rbf"), *batch, eps, clip=False), eps).mean()
    assert r2_softmax > 0.999 and r2_rbf < 0.9  # RBF logits are quadratic in ε


def test_stream_order_and_types(zoo, batch):
    model = zoo("mnist-mlp")
    eps = eps_grid(0.25, 201)
    steps = list(sweep_steps(model, *batch, eps))
    assert isinstance(steps[0], SweepStart) and steps[0].direction is not None
    chunks = [s for s in steps[1:] if isinstance(s, SweepChunk)]
    assert chunks[0].start == 0 and chunks[-1].stop == 201
    assert all(a.stop == b.start for a, b in zip(chunks, chunks[1:]))
    assert all(isinstance(c.logits, np.ndarray) and c.logits.shape[1:] == (8, 10) for c in chunks)
    np.testing.assert_array_equal(steps[0].direction, np.sign(steps[0].gradient))
    expected = model(batch[0]).detach().numpy()
    np.testing.assert_allclose(steps[0].clean_logits, expected, atol=1e-5)  # reused from the gradient's forward
    noise_start = next(sweep_steps(model, *batch, eps, attack=RandomSign(seed=0)))  # no gradient: own forward
    np.testing.assert_allclose(noise_start.clean_logits, expected, atol=1e-5)
    assert noise_start.gradient is None  # none was taken: zeros would read as a vanished gradient in exports


def test_closing_the_stream_stops_the_work(zoo, batch):
    stream = sweep_steps(zoo("mnist-mlp"), *batch, eps_grid(0.5, 1001))
    next(stream)
    first = next(stream)
    stream.close()  # what a cancelled worker does
    assert first.stop < 1001
    with pytest.raises(StopIteration):
        next(stream)


def test_iterative_attack_sweep_runs_each_eps_own_attack(zoo, batch):
    model = zoo("mnist-mlp")
    x, y = batch
    eps = np.array([-0.1, 0.0, 0.1], dtype=np.float32)
    steps = list(sweep_steps(model, x, y, eps, attack=BIM(alpha=0.02, steps=5)))
    assert steps[0].direction is None
    chunks = steps[1:]
    assert chunks[0].start == 0 and chunks[-1].stop == 3  # every ε, in order (the three in one batched block)
    adversarial = np.concatenate([c.adversarial for c in chunks])
    logits = np.concatenate([c.logits for c in chunks])
    torch.testing.assert_close(torch.from_numpy(adversarial[2]), BIM(eps=0.1, alpha=0.02, steps=5)(model, x, y),
                               atol=1e-6, rtol=0)
    # ε < 0 makes the true class more likely, ε > 0 less
    true_logit = [row[np.arange(8), y.numpy()].mean() for row in logits]
    assert true_logit[0] > true_logit[1] > true_logit[2]


@pytest.mark.parametrize("name", ["mnist-cnn", "mnist-mlp"])
@pytest.mark.parametrize("make", [
    lambda: BIM(step_fraction=1 / 8), lambda: BIM(alpha=0.02, steps=4, targeted=True),
    lambda: PGD(step_fraction=1 / 8, seed=0), lambda: PGD(steps=3, seed=5, clip=False),
], ids=["bim", "bim-targeted", "pgd-seeded", "pgd-unclipped"])
def test_batched_iterative_rows_are_each_eps_own_attack(zoo, batch, name, make):
    """BIM and PGD sweep many ε at once (one gradient of K·B images per iteration, not K of B): every row is
    still what that ε's own call gives — mirrored for ε < 0, its own step, its own seeded random start."""
    model = zoo(name)
    x, y = batch
    attack = make()
    eps = eps_grid(0.3, 21)
    chunks = [step for step in sweep_steps(model, x, y, eps, attack=attack) if isinstance(step, SweepChunk)]
    assert len(chunks) >= 2 and chunks[0].stop - chunks[0].start <= FIRST_ROWS  # first rows soon, then blocks
    assert [c.start for c in chunks[1:]] == [c.stop for c in chunks[:-1]] and chunks[-1].stop == len(eps)
    rows = np.concatenate([c.adversarial for c in chunks])
    for index, value in enumerate(eps.tolist()):
        own = attack.replace(eps=abs(value), targeted=attack.targeted if value >= 0 else not attack.targeted)
        np.testing.assert_allclose(rows[index], own(model, x, y).numpy(), atol=1e-5, err_msg=f"ε = {value}")
    np.testing.assert_allclose(np.concatenate([c.logits for c in chunks]),
                               forward(model, torch.from_numpy(rows.reshape(-1, *x.shape[1:])))
                               .view(len(eps), len(x), -1).numpy(), atol=1e-4)


def test_random_sign_sweep_barely_raises_the_loss_compared_with_fgsm(zoo, batch):
    model = zoo("mnist-cnn")
    x, y = batch
    eps = np.array([0.0, 0.25], dtype=np.float32)
    fgsm = fgsm_sweep(model, x, y, eps)
    noise = collect_sweep(sweep_steps(model, x, y, eps, attack=RandomSign(seed=0)))

    def loss_increase(logits: torch.Tensor) -> float:
        loss = [torch.nn.functional.cross_entropy(row, y).item() for row in logits]
        return loss[1] - loss[0]

    assert loss_increase(fgsm) > 3 * max(loss_increase(noise), 0.1)


def test_summary_finds_the_flip(zoo, mnist_test):
    model = zoo("mnist-softmax")
    x, y = mnist_test[0][:1], mnist_test[1][:1]
    eps = eps_grid(0.5, 101)
    logits = fgsm_sweep(model, x, y, eps)[:, 0].numpy()
    summary = summarize(eps, logits, model(x)[0].detach().numpy())
    assert summary.flip_eps is not None and 0 < summary.flip_eps <= 0.5
    index = int(np.argmin(np.abs(eps - summary.flip_eps)))
    assert summary.predictions[index] != summary.clean_prediction
    assert (summary.predictions[(eps >= 0) & (eps < summary.flip_eps)] == summary.clean_prediction).all()


def test_bad_grids_are_refused():
    with pytest.raises(ValueError):
        eps_grid(float("nan"), 11)
    with pytest.raises(ValueError):
        eps_grid(0.5, 1)
