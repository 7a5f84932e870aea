"""Reduced-precision forwards report their drift from float32 (run on the CPU here, CUDA where present)."""

from __future__ import annotations

import pytest

from advviz.core.precision import forward_reduced, precision_report


def test_bfloat16_drift_is_small_and_reported(zoo, mnist_test):
    x = mnist_test[0][:200]
    report = precision_report(zoo("mnist-cnn"), x, dtype="bfloat16")
    assert report.samples == 200 and report.dtype == "bfloat16"
    assert 0 < report.max_logit_difference < 1.0  # bfloat16 keeps 8 bits of mantissa: not exact, close
    assert report.prediction_agreement > 0.97


def test_unknown_precision_is_refused(zoo, mnist_test):
    with pytest.raises(ValueError, match="unknown precision"):
        forward_reduced(zoo("mnist-mlp"), mnist_test[0][:2], dtype="int4")


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_every_layer_runs_in_the_reduced_precision(zoo, mnist_test, dtype):
    """Under autocast an RBF network (element-wise only) stayed in float32 and drifted by exactly 0."""
    report = precision_report(zoo("mnist-rbf"), mnist_test[0][:200], dtype=dtype)
    assert report.max_logit_difference > 0
