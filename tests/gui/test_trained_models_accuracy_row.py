"""Models trained in the window, and weights files, are listed with their clean accuracy, as the zoo's are.

The adversarial-training panel's two models joined the models list by their names alone ("mnist-softmax-plain-1"),
beside "mnist-cnn  · 97.8% clean"; so did a weights file loaded with Load weights file…. They are measured the one
way user models are (jobs.clean_accuracy, on the window's images, when the models job loads them).
"""

from __future__ import annotations

import torch
from explain_helpers import start_training
from models_list_helpers import model_row


def _accuracy(window, key) -> float:
    """The model's share right on the window's images, measured here (float32, one batch)."""
    model = window.loaded[key]
    with torch.no_grad():
        predictions = model(window.data.x.to(next(model.parameters()).device)).argmax(dim=1).cpu()
    return float((predictions == window.data.y).float().mean())


def test_trained_models_and_weights_files_list_their_clean_accuracy(window, qtbot, idle):
    start_training(window)
    qtbot.waitUntil(lambda: "training" in window.explain.states and window.explain.states["training"].complete,
                    timeout=60000)
    idle(window)
    trained = window.explain.states["training"].trained
    assert len(trained) == 2
    keys = {key for key, spec in window.specs.items() if spec.path in {model.path for model in trained.values()}}
    assert len(keys) == 2 and keys <= set(window.loaded)
    for key in keys:
        item = model_row(window, key)
        expected = f"{window.specs[key].label}  · {_accuracy(window, key):.1%} clean"
        assert item.text() == expected, (item.text(), expected)
        assert item.toolTip().startswith("trained in this session: "), item.toolTip()  # its own tooltip kept
        assert item.toolTip().endswith("\nclean accuracy on the window's 2,000 images"), item.toolTip()

    # the same file loaded as a weights file (Load weights file…): measured too
    from advviz.gui.jobs import ModelSpec

    model = next(iter(trained.values()))
    spec = ModelSpec(f"file:{model.path}|again", "my weights", model.path, model.architecture, "mnist")
    window.add_weights(spec)
    idle(window)
    assert model_row(window, spec.key).text() == f"my weights  · {_accuracy(window, spec.key):.1%} clean"
