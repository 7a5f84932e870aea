"""The 2-D decision map and the diagnostics strip's checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from advviz.core.decision_map import MapRows, MapStart, decision_map, decision_map_steps, orthogonal_sign_direction
from advviz.core.diagnostics import diagnose
from advviz.core.sweep import fgsm_sweep


def test_centre_row_matches_the_fgsm_sweep(zoo, mnist_test):
    model = zoo("mnist-cnn")
    x, y = mnist_test[0][3:4], mnist_test[1][3:4]
    start, predictions, confidence = decision_map(model, x, y, extent=0.4, resolution=21)
    assert predictions.shape == confidence.shape == (21, 21)
    sweep = fgsm_sweep(model, x, y, start.a)[:, 0]
    np.testing.assert_array_equal(predictions[10], sweep.argmax(1).numpy())
    assert predictions[10, 10] == start.clean_prediction
    assert ((0 <= confidence) & (confidence <= 1)).all()


def test_the_map_streams_rows_in_order(zoo, mnist_test):
    steps = list(decision_map_steps(zoo("mnist-mlp"), mnist_test[0][:1], mnist_test[1][:1], resolution=31))
    assert isinstance(steps[0], MapStart)
    rows = steps[1:]
    assert all(isinstance(r, MapRows) for r in rows) and rows[0].start == 0 and rows[-1].stop == 31
    assert all(a.stop == b.start for a, b in zip(rows, rows[1:]))
    assert len(rows) > 1  # streamed, not one block at the end


def test_orthogonal_direction():
    direction = torch.randint(0, 2, (1, 28, 28)).float() * 2 - 1
    other = orthogonal_sign_direction(direction, seed=3)
    assert abs(float(other.flatten() @ direction.flatten())) < 1e-3
    assert float(other.norm()) == pytest.approx(float(direction.norm()), rel=1e-5)


def test_diagnostics_of_a_healthy_model(zoo, mnist_test):
    report = diagnose(zoo("mnist-cnn"), mnist_test[0][:50], mnist_test[1][:50], eps=0.25)
    assert not report.outputs_look_like_probabilities and report.zero_gradient_fraction == 0
    assert not any("softmax" in w or "sign(0)" in w for w in report.warnings)
    assert "inside the model" in report.normalization
    assert report.effective_linf == pytest.approx(0.25, abs=1e-5) and 0 < report.clipped_fraction < 1
    # MNIST's black background: the gradient asks for darker, the clip at 0 refuses — reported, not hidden
    assert report.blocked_fraction > 0.2 and any("cannot move" in w for w in report.warnings)
    unclipped = diagnose(zoo("mnist-cnn"), mnist_test[0][:50], mnist_test[1][:50], eps=0.25, clip=False)
    assert unclipped.blocked_fraction == 0 and unclipped.clipped_fraction == 0
    # the mean move per pixel: the whole ε unclipped; clipped, what is left of it where pixels stay or stop short
    assert unclipped.effective_mean == pytest.approx(0.25, abs=1e-5)
    assert report.effective_mean == pytest.approx(0.25 * (1 - report.blocked_fraction), abs=0.25 * report.clipped_fraction)
    assert report.effective_mean < 0.8 * report.effective_linf


def test_diagnostics_warn_about_a_softmax_inside_and_zero_gradients(mnist_test):
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10), torch.nn.Softmax(dim=1))
    torch.nn.init.zeros_(net[1].weight)
    report = diagnose(net, mnist_test[0][:20], mnist_test[1][:20], eps=0.1)
    assert report.outputs_look_like_probabilities and report.zero_gradient_fraction == 1.0
    assert any("softmax" in w for w in report.warnings) and any("sign(0)" in w for w in report.warnings)
