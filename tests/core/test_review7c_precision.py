"""Reduced-precision forwards reach every job's logits (review 7c)."""

from __future__ import annotations

import pytest
import torch


@pytest.mark.parametrize("attack_name", ["bim", "pgd"])
def test_an_iterative_sweep_forwards_its_adversarial_examples_in_the_models_precision(mnist_test, attack_name):
    """A BIM or PGD sweep with bfloat16 forwards gave float32's logits to the last bit (stderr said bfloat16)."""
    from advviz.core.attacks import make_attack
    from advviz.core.batching import forward
    from advviz.core.precision import set_forward_precision
    from advviz.core.sweep import SweepChunk, eps_grid, sweep_steps
    from advviz.core.zoo import load_model

    model = load_model("mnist-cnn")
    set_forward_precision(model, "bfloat16")
    x, y = mnist_test[0][7:8], mnist_test[1][7:8]
    extra = {"seed": 0} if attack_name == "pgd" else {}
    attack = make_attack(attack_name, eps=0.2, alpha=0.05, steps=3, **extra)
    chunks = [step for step in sweep_steps(model, x, y, eps_grid(0.2, 3), attack=attack)
              if isinstance(step, SweepChunk)]
    assert sum(chunk.stop - chunk.start for chunk in chunks) == 3
    for chunk in chunks:  # ε rows run together (BIM.rows): their forward too
        adversarial = torch.from_numpy(chunk.adversarial[:, 0])
        reduced = forward(model, adversarial, precision="bfloat16")
        exact = forward(model, adversarial, precision="float32")
        assert not torch.equal(reduced, exact)
        torch.testing.assert_close(torch.from_numpy(chunk.logits[:, 0]), reduced, rtol=0, atol=0)


def test_the_decision_maps_clean_prediction_is_its_centres_in_reduced_precision():
    """The map's points ran in bfloat16 but its 'clean prediction' in float32: for x near a boundary the caption
    named one class and the centre of the map showed another."""
    from torch import nn

    from advviz.core.architectures import PixelSpaceModel
    from advviz.core.precision import set_forward_precision
    from advviz.core.decision_map import decision_map

    net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    with torch.no_grad():
        net[1].weight.copy_(torch.tensor([[1e-3, 0, 0, 0], [0, 1e-3, 0, 0]]))
        net[1].bias.copy_(torch.tensor([1.0, 1.0 + 2 ** -10]))  # class 1 by 2^-10: a tie in bfloat16 → class 0
    model = PixelSpaceModel(net, input_shape=(1, 2, 2), class_names=("a", "b"), name="tie").eval()
    set_forward_precision(model, "bfloat16")
    x, y = torch.zeros(1, 1, 2, 2), torch.tensor([1])
    start, predictions, _ = decision_map(model, x, y, extent=0.001, resolution=3, clip=False)
    assert start.clean_prediction == int(predictions[1, 1]) == 0
