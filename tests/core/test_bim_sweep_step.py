"""Each row of an iterative sweep is the attack at that row's ε, step size included."""

from __future__ import annotations

import numpy as np
from advviz.core.attacks import BIM
from advviz.core.sweep import SweepChunk, sweep_steps


def test_the_default_step_follows_eps():
    attack = BIM(eps=0.5, step_fraction=1 / 8)
    assert attack.alpha == 0.0625 and attack.replace(eps=0.05).alpha == 0.00625
    assert BIM(eps=0.5, alpha=0.01).replace(eps=0.05).alpha == 0.01  # a given step stays


def test_a_bim_sweep_row_is_bim_at_its_eps(zoo, mnist_test):
    """The window built BIM for ε max with α = ε max / 8 and swept it: at ε = 0.05 of a ±0.5 sweep, α = 0.0625 >
    ε, and the heatmaps' image differed by up to 2ε from the transfer matrix's BIM at that same ε."""
    model = zoo("mnist-mlp")
    x, y = mnist_test[0][:4], mnist_test[1][:4]
    eps = np.array([0.05, 0.3], dtype=np.float32)
    chunks = [step for step in sweep_steps(model, x, y, eps, attack=BIM(eps=0.5, step_fraction=1 / 8))
              if isinstance(step, SweepChunk)]
    for chunk, value in zip(chunks, eps):
        expected = BIM(eps=float(value), step_fraction=1 / 8)(model, x, y)
        np.testing.assert_allclose(chunk.adversarial[0], expected.numpy(), atol=1e-6)
