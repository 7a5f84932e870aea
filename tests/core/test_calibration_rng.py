"""Calibrations and graph freezes leave torch's global random state alone."""

from __future__ import annotations

import torch

from advviz.core import batching


def test_a_calibration_does_not_draw_from_the_global_generator(zoo, mnist_test):
    """Their probes came from torch.rand: a training run's dropout masks then depended on whether a model of
    that kind had been calibrated before in the process — one seed, weights 9.6e-3 apart."""
    model = zoo("mnist-cnn")
    x = mnist_test[0][:300]
    for cache in (batching._policy_cache, batching._provisional, batching._choosers):
        cache.clear()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    for _ in range(3):  # calibrates, then freezes the graph (second use of these weights)
        batching.forward(model, x)
    assert torch.equal(torch.rand(3), expected)

