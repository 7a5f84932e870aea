"""The analyses check their images and labels on the way in, in the caller's terms."""

from __future__ import annotations

import pytest
import torch

from advviz.core.errors import AdvvizError
from advviz.core.robustness import robustness
from advviz.core.sweep import fgsm_sweep
from advviz.core.transfer import transfer_matrix


@pytest.fixture(scope="module")
def batch(mnist_test):
    return mnist_test[0][:4], mnist_test[1][:4]


def _every_analysis(model, x, y):
    return [lambda: fgsm_sweep(model, x, y, [0.1]), lambda: robustness(model, x, y, [0.1]),
            lambda: transfer_matrix([model], x, y, 0.1)]


@pytest.mark.parametrize("case, says", [
    ("one image without its batch axis", "must be a (B, C, H, W) tensor"),
    ("an empty batch", "the batch is empty"),
    ("integer pixels", "floating point"),
    ("0–255 units", "divide by 255"),
    ("a label past the classes", "class indices 0…9"),
    ("float labels", "labels must be integers"),
    ("one label for four images", "one per image"),
])
def test_bad_input_is_named(zoo, batch, case, says):
    """torch had said "expected input[1, 64, 28, 28] to have 1 channels", "Target 10 is out of bounds", …"""
    model = zoo("mnist-softmax")
    x, y = batch
    x, y = {"one image without its batch axis": (x[0], y[:1]), "an empty batch": (x[:0], y[:0]),
            "integer pixels": ((x * 255).to(torch.uint8), y), "0–255 units": (x * 255, y),
            "a label past the classes": (x, torch.full_like(y, 10)), "float labels": (x, y.float()),
            "one label for four images": (x, y[:1])}[case]
    for run in _every_analysis(model, x, y):
        with pytest.raises(ValueError, match=says.replace("(", r"\(").replace(")", r"\)")):
            run()


def test_a_nan_pixel_is_refused_everywhere(zoo, batch):
    """robustness and transfer reported 100 % error, or 25 % then 0 % for the same call once the frozen graph,
    which does not carry NaN through, ran the forwards."""
    x, y = batch
    x = x.clone()
    x[0, 0, 5, 5] = float("nan")
    for run in _every_analysis(zoo("mnist-cnn"), x, y):
        with pytest.raises(AdvvizError, match="NaN or infinite"):
            run()


def test_float64_images_int32_labels_and_one_eps_are_taken(zoo, batch):
    model = zoo("mnist-softmax")
    x, y = batch
    curve = robustness(model, x.double(), y.int(), 0.1)
    assert curve.error.shape == (1,)
    assert fgsm_sweep(model, x.double(), y.int(), [0.0, 0.1]).shape == (2, 4, 10)
