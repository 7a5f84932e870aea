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
