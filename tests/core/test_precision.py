"""Reduced-precision forwards report their drift from float32 (run on the CPU here, CUDA where present)."""

from __future__ import annotations

import pytest
import torch

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


def test_a_model_set_to_bfloat16_runs_every_chunked_forward_in_it_and_its_gradients_in_float32(mnist_test):
    from advviz.core.batching import forward, input_gradient
    from advviz.core.precision import forward_precision, set_forward_precision
    from advviz.core.zoo import load_model

    model = load_model("mnist-cnn")  # its own copy: the setting stays with the model
    x, y = mnist_test[0][:64], mnist_test[1][:64]
    exact, exact_gradient = forward(model, x), input_gradient(model, x, y)[0]
    set_forward_precision(model, "bfloat16")
    assert forward_precision(model) == "bfloat16"
    reduced = forward(model, x)
    assert torch.equal(reduced, forward_reduced(model, x, dtype="bfloat16")) and not torch.equal(reduced, exact)
    assert torch.equal(input_gradient(model, x, y)[0], exact_gradient)
    set_forward_precision(model, "float32")
    assert torch.equal(forward(model, x), exact)
    with pytest.raises(ValueError, match="unknown precision"):
        set_forward_precision(model, "int8")


def test_a_sweep_in_bfloat16_forwards_every_row_in_it_the_clean_one_too(mnist_test):
    from advviz.core.batching import forward
    from advviz.core.precision import set_forward_precision
    from advviz.core.sweep import eps_grid, fgsm_sweep, perturbed, sweep_steps
    from advviz.core.zoo import load_model

    model = load_model("mnist-mlp")
    x, y = mnist_test[0][:8], mnist_test[1][:8]
    set_forward_precision(model, "bfloat16")
    eps = eps_grid(0.2, 5)  # 0 in the middle
    direction = torch.from_numpy(next(iter(sweep_steps(model, x, y, eps))).direction)
    logits = fgsm_sweep(model, x, y, eps)
    for row, value in enumerate(eps):
        expected = forward_reduced(model, perturbed(x, direction, float(value), clip=True), dtype="bfloat16")
        torch.testing.assert_close(logits[row], expected, atol=0, rtol=0)
    assert not torch.equal(logits[2], forward(model, x, precision="float32"))  # not the float32 clean logits


def test_the_transfer_matrix_runs_its_targets_in_their_precision(mnist_test):
    from advviz.core import runners
    from advviz.core.precision import set_forward_precision
    from advviz.core.transfer import transfer_matrix
    from advviz.core.zoo import load_model

    models = [load_model("mnist-mlp"), load_model("mnist-softmax")]
    x, y = mnist_test[0][:64], mnist_test[1][:64]
    set_forward_precision(models[1], "float16")
    transfer_matrix(models, x, y, 0.1)
    assert models[1] in runners._reduced and models[0] not in runners._reduced
