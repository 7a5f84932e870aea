"""Attacks equal the reference implementations (torchattacks, Foolbox) on shipped models."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from advviz.core.attacks import BIM, FGML2, FGSM, PGD, RandomSign, make_attack

torchattacks = pytest.importorskip("torchattacks")

MODELS = ["mnist-cnn", "mnist-mlp", "mnist-softmax"]


@pytest.fixture(scope="module")
def batch(mnist_test):
    x, y = mnist_test
    return x[:64], y[:64]


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("eps", [0.05, 0.25])
def test_fgsm_equals_torchattacks(zoo, batch, name, eps):
    model = zoo(name)
    x, y = batch
    expected = torchattacks.FGSM(model, eps=eps)(x, y)
    torch.testing.assert_close(FGSM(eps=eps)(model, x, y), expected, atol=1e-6, rtol=0)


@pytest.mark.parametrize("name", MODELS[:2])
def test_bim_equals_torchattacks(zoo, batch, name):
    model = zoo(name)
    x, y = batch
    expected = torchattacks.BIM(model, eps=0.1, alpha=0.02, steps=7)(x, y)
    torch.testing.assert_close(BIM(eps=0.1, alpha=0.02, steps=7)(model, x, y), expected, atol=1e-6, rtol=0)


@pytest.mark.parametrize("name", MODELS[:2])
def test_pgd_with_seeded_start_equals_torchattacks(zoo, batch, name):
    model = zoo(name)
    x, y = batch
    torch.manual_seed(123)
    expected = torchattacks.PGD(model, eps=0.1, alpha=0.02, steps=7, random_start=True)(x, y)
    torch.manual_seed(123)
    ours = PGD(eps=0.1, alpha=0.02, steps=7, seed=None)(model, x, y)
    torch.testing.assert_close(ours, expected, atol=1e-6, rtol=0)


def test_targeted_fgsm_equals_torchattacks(zoo, batch):
    model = zoo("mnist-cnn")
    x, y = batch
    target = (y + 1) % 10
    reference = torchattacks.FGSM(model, eps=0.2)
    reference.set_mode_targeted_by_label(quiet=True)
    expected = reference(x, target)
    torch.testing.assert_close(FGSM(eps=0.2, targeted=True)(model, x, target), expected, atol=1e-6, rtol=0)


def test_fgsm_equals_foolbox_epsilon_list(zoo, batch):
    foolbox = pytest.importorskip("foolbox")
    model = zoo("mnist-cnn")
    x, y = batch
    epsilons = [0.0, 0.05, 0.1, 0.25]
    # device named: Foolbox's default moves the (shared) model to a GPU wherever one exists
    fmodel = foolbox.PyTorchModel(model, bounds=(0, 1), device=x.device)
    _, clipped, _ = foolbox.attacks.FGSM()(fmodel, x, y, epsilons=epsilons)
    for eps, expected in zip(epsilons, clipped):
        torch.testing.assert_close(FGSM(eps=eps)(model, x, y), expected, atol=1e-6, rtol=0)


def test_unclipped_fgsm_is_exactly_x_plus_eps_sign_gradient(zoo, batch):
    model = zoo("mnist-mlp")
    x, y = batch
    x_req = x.clone().requires_grad_(True)
    torch.nn.functional.cross_entropy(model(x_req), y, reduction="sum").backward()
    adversarial = FGSM(eps=0.3, clip=False)(model, x, y)
    torch.testing.assert_close(adversarial, x + 0.3 * x_req.grad.sign(), atol=1e-7, rtol=0)
    assert adversarial.min() < 0 or adversarial.max() > 1  # really unclipped


def test_perturbation_sizes_respect_the_norm(zoo, batch):
    model = zoo("mnist-cnn")
    x, y = batch
    for attack in (FGSM(eps=0.1), RandomSign(eps=0.1), BIM(eps=0.1), PGD(eps=0.1, seed=0)):
        assert (attack(model, x, y) - x).abs().max() <= 0.1 + 1e-6, attack
    l2 = FGML2(eps=1.0, clip=False)(model, x, y) - x
    torch.testing.assert_close(l2.flatten(1).norm(dim=1), torch.ones(len(x)), atol=1e-5, rtol=0)


def test_random_sign_is_the_weak_control(zoo, mnist_test):
    """The paper's control: same ‖η‖∞, random signs, barely hurts; the gradient's signs do."""
    model = zoo("mnist-cnn")
    x, y = mnist_test[0][:500], mnist_test[1][:500]

    def error(inputs):
        return float((model(inputs).argmax(1) != y).float().mean())

    assert error(FGSM(eps=0.25)(model, x, y)) > error(RandomSign(eps=0.25, seed=0)(model, x, y)) + 0.4


def test_steps_stream_every_iteration_and_end_at_the_call_result(zoo, batch):
    model = zoo("mnist-mlp")
    x, y = batch
    attack = BIM(eps=0.1, alpha=0.02, steps=5)
    steps = list(attack.steps(model, x, y))
    assert [s.iteration for s in steps] == [1, 2, 3, 4, 5] and steps[-1].done
    assert isinstance(steps[-1].adversarial, np.ndarray) and steps[-1].loss.shape == (64,)
    np.testing.assert_allclose(steps[-1].adversarial, attack(model, x, y).numpy(), atol=1e-6)
    # the loss grows as the attack iterates
    assert steps[-1].loss.mean() > steps[0].loss.mean()


def test_zero_gradient_moves_nothing_and_is_reported():
    """sign(0) = 0: a flat model gives η = 0 — reported as 100 % zero gradient, never NaN."""
    flat = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
    torch.nn.init.zeros_(flat[1].weight)
    x, y = torch.rand(4, 1, 28, 28), torch.tensor([0, 1, 2, 3])
    for name in ("fgsm", "fgm-l2", "bim"):
        attack = make_attack(name, eps=0.2)
        steps = list(attack.steps(flat, x, y))
        assert steps[-1].zero_gradient_fraction == 1.0
        assert np.isfinite(steps[-1].adversarial).all()
        np.testing.assert_array_equal(steps[-1].adversarial, x.numpy())


def test_model_mode_is_restored(zoo, batch):
    model = zoo("mnist-maxout")
    model.train()
    try:
        FGSM(eps=0.1)(model, *batch)
        assert model.training
    finally:
        model.eval()


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="eps"):
        FGSM(eps=float("nan"))
    with pytest.raises(ValueError, match="eps"):
        FGSM(eps=-0.1)
    with pytest.raises(ValueError, match="unknown attack"):
        make_attack("deepfool")
    with pytest.raises(TypeError):
        FGSM(0.1)  # keyword-only


def test_replace_rescales_a_default_step_size_but_keeps_a_given_one():
    assert BIM(eps=0.2).replace(eps=0.4).alpha == pytest.approx(0.1)
    assert BIM(eps=0.2, alpha=0.01).replace(eps=0.4).alpha == pytest.approx(0.01)
    with pytest.raises(ValueError):
        BIM(eps=0.2).replace(eps=float("inf"))
