"""The cached runners (frozen graph, reduced-precision copy) follow weights edited in place through ``.data``."""

from __future__ import annotations

import copy

import torch

from advviz.core import batching
from advviz.core.precision import set_forward_precision


def test_a_weight_edit_through_data_reaches_the_frozen_graph(zoo, mnist_test):
    """``p.data.mul_(0.5)`` keeps the parameter's pointer and version: the frozen graph kept the old weights."""
    model = copy.deepcopy(zoo("mnist-cnn"))
    x = mnist_test[0][:300]
    for _ in range(3):  # the second use of these weights freezes them
        batching.forward(model, x)
    for parameter in model.parameters():
        parameter.data.mul_(0.5)
    with torch.inference_mode():
        expected = model(x)
    torch.testing.assert_close(batching.forward(model, x), expected, atol=1e-4, rtol=1e-4)


def test_a_weight_edit_through_data_reaches_the_reduced_copy(zoo, mnist_test):
    model = copy.deepcopy(zoo("mnist-mlp"))
    set_forward_precision(model, "bfloat16")
    x = mnist_test[0][:64]
    before = batching.forward(model, x)
    for parameter in model.parameters():
        parameter.data.mul_(0.5)
    after = batching.forward(model, x)
    assert (after - before).abs().max() > 0.5  # the copy was made again from the edited weights
