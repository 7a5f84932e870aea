"""The dimension argument: an L∞ attack's logit change grows linearly with the free dimensions."""

from __future__ import annotations

import numpy as np
import pytest

from advviz.core.dimension import default_counts, dimension_curve
from advviz.core.linearity import linear_explanation, pixel_space_weights


def test_pixels_mode_is_exactly_linear_for_softmax_regression(zoo, mnist_test):
    model = zoo("mnist-softmax")
    x, y = mnist_test[0][:4], mnist_test[1][:4]
    weights, _ = pixel_space_weights(model)
    points = dimension_curve(model, x, y, 0.1, [1, 100, 392, 784], weights=weights)
    for point in points:
        np.testing.assert_allclose(point.measured, point.predicted, atol=2e-4)
        assert np.all(np.abs(point.measured) <= point.bound + 1e-4)  # never beyond ε·Σ|w| on the free pixels
        assert int(np.abs(point.direction).reshape(4, -1).sum(axis=1).max()) <= point.n
    # all D dimensions free: the FGSM change itself, and the bound is ε‖w_c‖₁
    full = linear_explanation(model, x, y, 0.1)
    np.testing.assert_allclose(points[-1].measured, full.measured, atol=2e-4)
    np.testing.assert_allclose(points[-1].bound[0], full.bound, rtol=1e-5)
    # the loss-increasing change of the true class logit grows with n (each set contains the smaller)
    true_change = np.array([p.measured[np.arange(4), y.numpy()].mean() for p in points])
    assert np.all(np.diff(true_change) < 0)
    bounds = np.array([p.bound[0].sum() for p in points])
    assert bounds[2] == pytest.approx(bounds[3] / 2, rel=0.15)  # ε·m·n: half the pixels, about half the bound


def test_blocks_mode_and_counts(zoo, mnist_test):
    model = zoo("mnist-mlp")
    x, y = mnist_test[0][:2], mnist_test[1][:2]
    assert default_counts(28, "blocks")[:3] == [1, 4, 9]
    assert default_counts(784)[0] == 1 and default_counts(784)[-1] == 784
    points = dimension_curve(model, x, y, 0.1, [1, 16, 784], mode="blocks")
    assert [p.n for p in points] == [1, 16, 784] and points[0].predicted is None
    assert len(np.unique(points[0].direction[0])) == 1  # one free sign: a constant image
    with pytest.raises(ValueError):
        dimension_curve(model, x, y, 0.1, [5], mode="blocks")
    with pytest.raises(ValueError):
        dimension_curve(model, x, y, 0.1, [0])


@pytest.mark.parametrize("channels", [1, 3])
def test_blocks_mode_bound_is_the_largest_change_of_any_blockwise_eta(channels):
    """With k×k blocks free, the bound is attained by η = ε·sign(Σw per block), and no blockwise η beats it; at
    k = side every pixel is a block and it is the pixels mode's ε‖w_c‖₁ (it was missing: NaN, no line)."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    from advviz.core.architectures import PixelSpaceModel
    from advviz.core.dimension import dimension_steps

    torch.manual_seed(0)
    side, eps = 10, 0.1
    net = nn.Sequential(nn.Flatten(), nn.Linear(channels * side * side, 4))
    model = PixelSpaceModel(net, input_shape=(channels, side, side), class_names=tuple("abcd")).eval()
    weights, _ = pixel_space_weights(model)
    x, y = torch.rand(2, channels, side, side), torch.tensor([0, 2])
    counts = [1, 9, 16, 100]  # k = 3 and 4 do not divide 10: blocks of unequal sizes
    points = list(dimension_steps(model, x, y, eps, counts, mode="blocks", weights=weights))
    for point in points:
        k = int(round(point.n ** 0.5))
        rng = np.random.default_rng(k)
        # η constant on the blocks nearest upsampling makes, per channel: the best one, and random ones
        best = []
        for c in range(len(weights)):
            w = weights[c].view(1, channels, side, side)
            block_of = F.interpolate(torch.arange(k * k, dtype=torch.float32).view(1, 1, k, k), size=(side, side),
                                     mode="nearest").long().flatten()
            sums = torch.zeros(channels, k * k).index_add_(1, block_of, w.view(channels, -1))
            best.append(eps * sums.abs().sum().item())
            for _ in range(20):
                signs = torch.from_numpy(rng.choice([-1.0, 1.0], size=(channels, k * k))).float()
                eta = eps * signs[:, block_of].view(1, channels, side, side)
                assert (w * eta).sum().item() <= point.bound[0, c] + 1e-5
        np.testing.assert_allclose(point.bound[0], best, rtol=1e-5)
        assert np.all(np.abs(point.predicted) <= point.bound + 1e-5)
    pixels = next(dimension_steps(model, x, y, eps, [channels * side * side], mode="pixels", weights=weights))
    np.testing.assert_allclose(points[-1].bound, pixels.bound, rtol=1e-5)
