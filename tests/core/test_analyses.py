"""Transfer matrix, robustness, rubbish class and the linear explanation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from advviz.core import outputs
from advviz.core.attacks import FGSM
from advviz.core.linearity import linear_explanation, pixel_space_weights
from advviz.core.robustness import robustness
from advviz.core.rubbish import rubbish_probe
from advviz.core.transfer import TransferCell, transfer_matrix, transfer_steps

NAMES = ["mnist-softmax", "mnist-mlp", "mnist-cnn"]


@pytest.fixture(scope="module")
def samples(mnist_test):
    x, y = mnist_test
    return x[:300], y[:300]


def test_transfer_diagonal_equals_robustness_error(zoo, samples):
    models = [zoo(n) for n in NAMES]
    result = transfer_matrix(models, *samples, 0.15)
    assert result.error.shape == result.confidence.shape == result.agreement.shape == (3, 3)
    for i, model in enumerate(models):
        curve = robustness(model, *samples, [0.15])
        assert result.error[i, i] == pytest.approx(curve.error[0], abs=1e-9)
        assert result.confidence[i, i] == pytest.approx(curve.confidence[0], abs=1e-6)
    for matrix in (result.error, result.confidence, result.agreement):
        assert np.isfinite(matrix).all() and (matrix >= 0).all() and (matrix <= 1).all()
    np.testing.assert_allclose(np.diag(result.agreement), 1.0)  # a model agrees with itself
    # transfer is real: examples made on the softmax model fool the others far above their clean error
    x, y = samples
    for j in (1, 2):
        clean_error = float((models[j](x).argmax(1) != y).float().mean())
        assert result.error[0, j] > 2 * clean_error + 0.03


def test_transfer_off_diagonal_equals_a_manual_pair(zoo, samples):
    x, y = samples
    source, target = zoo("mnist-mlp"), zoo("mnist-cnn")
    result = transfer_matrix([source, target], x, y, 0.2)
    adversarial = FGSM(eps=0.2)(source, x, y)
    predictions = target(adversarial).argmax(1)
    assert result.error[0, 1] == pytest.approx(float((predictions != y).float().mean()))
    source_predictions = source(adversarial).argmax(1)
    both = (predictions != y) & (source_predictions != y)
    assert result.agreement[0, 1] == pytest.approx(float((predictions[both] == source_predictions[both]).float().mean()))


def test_transfer_streams_every_cell_once(zoo, samples):
    cells = list(transfer_steps([zoo("mnist-softmax"), zoo("mnist-mlp")], samples[0][:50], samples[1][:50], 0.1))
    assert all(isinstance(c, TransferCell) for c in cells)
    assert sorted((c.source, c.target) for c in cells) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert [c.done for c in cells] == [1, 2, 3, 4] and cells[-1].total == 4


def test_transfer_refuses_mismatched_data(zoo):
    with pytest.raises(ValueError, match="expects images of shape"):
        transfer_matrix([zoo("mnist-mlp"), zoo("mnist-cnn")], torch.rand(4, 3, 32, 32), torch.zeros(4, dtype=torch.long), 0.1)


def test_robustness_confidence_is_undefined_where_no_answer_is_wrong(zoo, samples):
    """A mean over no wrong answers is NaN, not 0 % (which reads as "wrong, and never confident")."""
    model = zoo("mnist-cnn")
    x, y = samples
    right = model(x).argmax(1) == y
    curve = robustness(model, x[right][:50], y[right][:50], [0.0, 0.3])
    assert curve.error[0] == 0 and np.isnan(curve.confidence[0])
    assert curve.error[1] > 0 and 0.1 < curve.confidence[1] <= 1


def test_robustness_grows_with_eps_and_adversarial_training_helps(zoo, samples):
    eps = [0.0, 0.1, 0.25]
    plain = robustness(zoo("mnist-cnn"), *samples, eps)
    trained = robustness(zoo("mnist-cnn-adv"), *samples, eps)
    assert plain.error[0] < 0.05 and np.all(np.diff(plain.error) > 0)
    assert trained.error[-1] < plain.error[-1] - 0.2  # the paper's point, §6


def test_linear_explanation_predicted_equals_measured_when_unclipped(zoo, samples):
    model = zoo("mnist-softmax")
    x, y = samples[0][:16], samples[1][:16]
    explanation = linear_explanation(model, x, y, 0.25, clip=False)
    np.testing.assert_allclose(explanation.measured, explanation.predicted, atol=1e-3, rtol=1e-4)
    assert (np.abs(explanation.predicted) <= explanation.bound + 1e-4).all()
    clipped = linear_explanation(model, x, y, 0.25, clip=True)
    assert np.abs(clipped.measured - clipped.predicted).max() > 1e-2  # clipping breaks the equality


def test_eta_equal_eps_sign_w_reaches_the_l1_bound(zoo, samples):
    model = zoo("mnist-softmax")
    weight, _ = pixel_space_weights(model)
    x = samples[0][:1]
    for c in (0, 7):
        eta = (0.1 * weight[c].sign()).view(1, 1, 28, 28)
        change = (model(x + eta) - model(x))[0, c].item()
        assert change == pytest.approx(0.1 * weight[c].abs().sum().item(), rel=1e-4)


def test_local_weights_of_softmax_regression_are_its_weights(zoo, samples):
    from advviz.core.linearity import local_weights

    model = zoo("mnist-softmax")
    weight, _ = pixel_space_weights(model)
    local = local_weights(model, samples[0][:3])
    assert local.shape == (3, 10, 784)
    torch.testing.assert_close(local, weight.expand(3, -1, -1), atol=1e-6, rtol=1e-5)


def test_linear_explanation_of_a_deep_model_uses_its_linearization(zoo, samples):
    x, y = samples[0][:8], samples[1][:8]
    small = linear_explanation(zoo("mnist-cnn"), x, y, 1e-3, clip=False)
    assert small.local and small.weights.shape == (10, 784)
    large = linear_explanation(zoo("mnist-cnn"), x, y, 0.25, clip=False)

    def agreement(result):
        return np.corrcoef(result.measured.ravel(), result.predicted.ravel())[0, 1]

    # near x the linearization predicts the change well; a ReLU network is linear only piecewise
    assert agreement(small) > 0.98 and agreement(large) < agreement(small)
    assert agreement(large) > 0.5  # ... yet "linear enough" for the attack to work


def test_rubbish_class(zoo):
    softmax = rubbish_probe(zoo("mnist-softmax"), count=2000)
    rbf = rubbish_probe(zoo("mnist-rbf"), count=2000)
    assert softmax.confident_fraction > 0.5  # confident answers far from the data
    assert rbf.confident_fraction == 0.0  # RBF units are not
    assert softmax.confidence.shape == (2000,) and softmax.inputs.shape == (2000, 1, 28, 28)
    assert softmax.mean_confidence == pytest.approx(float(softmax.confidence.mean()))


def test_reject_logit_probabilities():
    logits = torch.tensor([[-50.0, -60.0], [10.0, -10.0]])
    probs = outputs.probabilities(logits, reject_logit=True)
    assert probs[0].sum() < 1e-10 and probs[1, 0] > 0.99
    loss = outputs.loss(logits, torch.tensor([0, 0]), reject_logit=True, reduction="none")
    assert loss[0] > 40 and loss[1] < 0.01


def test_the_papers_rubbish_rates_do_not_shrink_with_the_test_images():
    """reproduce --samples 1 measured the rubbish class on one noise image: a rate of 0 % or 100 %."""
    from advviz.core.paper import RUBBISH_MIN, _Context
    from advviz.core.rubbish import rubbish_probe

    context = _Context(samples=1, device="cpu")
    share, _ = context.rubbish("mnist-softmax")
    expected = rubbish_probe(context.model("mnist-softmax"), count=RUBBISH_MIN, seed=0).confident_fraction
    assert share == expected and 0 < share < 1
