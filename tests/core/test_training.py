"""Adversarial training with the paper's objective makes a model more robust."""

from __future__ import annotations

import torch

from advviz.core.training import TrainingSettings, adversarial_objective, fgsm_error_rate, train_steps
from advviz.core.zoo import new_model


def test_adversarial_objective_is_the_papers_mix():
    torch.manual_seed(0)
    model = new_model("m", "softmax", "mnist", normalized=False)
    x, y = torch.rand(8, 1, 28, 28), torch.randint(0, 10, (8,))
    clean = torch.nn.functional.cross_entropy(model(x), y)
    only_clean = adversarial_objective(model, x, y, alpha=1.0, eps=0.25)
    assert torch.allclose(only_clean, clean)
    mixed = adversarial_objective(model, x, y, alpha=0.5, eps=0.25)
    assert mixed > clean  # the adversarial half has a higher loss


def test_adversarial_training_lowers_fgsm_error(mnist_test):
    from advviz.core.data import load_dataset

    x_train, y_train = load_dataset("mnist", "train")
    x_train, y_train = x_train[:2000], y_train[:2000]
    x_val, y_val = mnist_test[0][:500], mnist_test[1][:500]
    errors = {}
    for adversarial in (False, True):
        model = new_model("m", "softmax", "mnist", normalized=False)
        settings = TrainingSettings(epochs=3, learning_rate=3e-3, adversarial=adversarial, eps=0.1)
        steps = list(train_steps(model, x_train, y_train, settings, x_val=x_val, y_val=y_val))
        assert steps[-1].fgsm_error is not None and steps[0].fgsm_error is None
        assert steps[-1].clean_error < 0.2
        errors[adversarial] = fgsm_error_rate(model, x_val, y_val, eps=0.1)
    assert errors[True] < errors[False] - 0.2


def test_training_is_deterministic():
    x, y = torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,))
    weights = []
    for _ in range(2):
        model = new_model("m", "mlp", "mnist", normalized=True)
        torch.manual_seed(0)
        model = new_model("m", "mlp", "mnist", normalized=True)
        list(train_steps(model, x, y, TrainingSettings(epochs=1, batch_size=16)))
        weights.append(model.state_dict()["net.1.weight"].clone())
    torch.testing.assert_close(weights[0], weights[1], rtol=0, atol=0)
