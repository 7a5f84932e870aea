"""A transfer cell's mean over no examples is undefined (NaN), not a 0 % that reads as a measurement."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from advviz.core.transfer import TransferCell, TransferResult, transfer_matrix


@pytest.fixture(scope="module")
def cnn_right_mlp_sometimes_wrong(zoo, mnist_test):
    """Test images mnist-cnn classifies right, a few of which mnist-mlp gets wrong (at ε = 0: the images as
    they are)."""
    x, y = mnist_test
    with torch.no_grad():
        cnn_right = zoo("mnist-cnn")(x).argmax(1) == y
        mlp_wrong = zoo("mnist-mlp")(x).argmax(1) != y
    chosen = np.flatnonzero((cnn_right & ~mlp_wrong).numpy())[:20].tolist()
    chosen += np.flatnonzero((cnn_right & mlp_wrong).numpy())[:3].tolist()
    assert len(chosen) == 23, "the shipped models should disagree on a few test images"
    return x[chosen], y[chosen]


def test_means_over_no_wrong_answers_are_nan(zoo, cnn_right_mlp_sometimes_wrong):
    x, y = cnn_right_mlp_sometimes_wrong
    result = transfer_matrix([zoo("mnist-cnn"), zoo("mnist-mlp")], x, y, 0.0)
    assert result.computed().all()
    np.testing.assert_allclose(result.error, [[0.0, 3 / 23], [0.0, 3 / 23]], atol=1e-6)  # ε = 0: x itself
    # mnist-cnn is never wrong: its mean confidence on wrong answers is undefined, mnist-mlp's is not
    assert np.isnan(result.confidence[:, 0]).all() and np.isfinite(result.confidence[:, 1]).all()
    # agreement needs both wrong: only mnist-mlp with itself (where it agrees, trivially)
    assert np.isnan(result.agreement[0]).all() and np.isnan(result.agreement[1, 0])
    assert result.agreement[1, 1] == pytest.approx(1.0)


def test_computed_tells_undefined_cells_from_pending_ones():
    result = TransferResult.empty(["a", "b"], 0.1, 10)
    assert not result.computed().any()
    result.fill(TransferCell(source=0, target=1, error=0.0, confidence=math.nan, agreement=math.nan, done=1, total=4))
    np.testing.assert_array_equal(result.computed(), [[False, True], [False, False]])
    assert np.isnan(result.confidence[0, 1]) and np.isnan(result.confidence[0, 0])  # undefined, and pending
