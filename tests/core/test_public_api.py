"""The documented public API resolves (lazily) to the core's functions."""

from __future__ import annotations

import advviz


def test_every_public_name_resolves():
    for name in advviz.__all__:
        assert getattr(advviz, name) is not None, name


def test_readme_example(mnist_test):
    import torch

    x, y = advviz.load_dataset("mnist", split="test")
    model = advviz.load_model("mnist-cnn")
    logits = advviz.fgsm_sweep(model, x[:1], y[:1], torch.linspace(-0.5, 0.5, 201))
    assert logits.shape == (201, 1, 10)
    assert advviz.class_names("fashion")[0] == "T-shirt/top"


def test_the_lazy_public_api_is_listed_by_dir():
    """`"fgsm_sweep" in dir(advviz)` was False: help(advviz) and tab completion found none of the API."""
    import advviz

    assert {"fgsm_sweep", "load_dataset", "transfer_matrix", "make_attack"} <= set(dir(advviz))
