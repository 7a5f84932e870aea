"""The linear explanation and the decision map of an image of the user's without a label."""

from __future__ import annotations

import numpy as np
from PIL import Image

from explain_helpers import show


def _flat_folder(window, idle, tmp_path):
    """Five MNIST test digits saved flat in a folder (no class sub-folders): their labels are unknown."""
    folder = tmp_path / "flat"
    folder.mkdir()
    for index in range(5):
        pixels = (window.data.x[20 + index, 0].numpy() * 255).astype(np.uint8)
        Image.fromarray(pixels).save(folder / f"digit{index}.png")
    window.load_folder(str(folder))
    idle(window)
    assert bool((window.data.y < 0).all()) and len(window.data.y) == 5


def test_linear_explanation_of_an_unlabelled_image(window, idle, tmp_path):
    """It failed with 'IndexError: Target -1 is out of bounds' on the message line and an empty panel."""
    _flat_folder(window, idle, tmp_path)
    panel = show(window, idle, "linear")
    assert window.error_label.text() == ""
    state = window.explain.states["linear"]
    assert state.explanation is not None and state.points
    predicted = int(np.argmax(window.sweep.header.clean_logits))  # the class the sweep attacks
    assert state.header.label == predicted and not state.header.label_known
    assert panel.x_cell[0].titleLabel.text.startswith(f"x (predicted {predicted})")


def test_decision_map_of_an_unlabelled_image(window, idle, tmp_path):
    """It failed with 'RuntimeError: Inference tensors cannot be saved for backward', and its header
    would have called the clean prediction the true class."""
    _flat_folder(window, idle, tmp_path)
    panel = show(window, idle, "map")
    assert window.error_label.text() == ""
    state = window.explain.states["map"]
    assert state.complete and state.header.label == -1
    predicted = int(np.argmax(window.sweep.header.clean_logits))
    assert state.start.clean_prediction == predicted
    text = panel.status.text()
    assert f"clean prediction <b>{predicted}</b>, label unknown" in text and "true" not in text
