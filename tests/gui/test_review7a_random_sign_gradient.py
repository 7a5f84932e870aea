"""The heatmaps' gradient cell under the random-sign baseline."""

from __future__ import annotations

from advviz.gui.export import panel_data


def test_random_sign_does_not_claim_a_zero_gradient(window, idle):
    """The random-sign baseline takes no gradient (the sweep hands the cell zeros): the caption said
    'loss of class 3 · max |∇| = 0', as if the model's gradient vanished at this image."""
    fgsm_caption = window.heatmaps._captions["gradient"]
    assert "max |∇| = 1.7e-05" in fgsm_caption
    window.controls.attack.setCurrentIndex(window.controls.attack.findData("random-sign"))
    idle(window)
    assert window.sweep.header.attack.key == "random-sign"
    caption = window.heatmaps._captions["gradient"]
    assert "max |∇| = 0" not in caption and "no gradient" in caption
    assert window.sweep.gradient is None  # so an export has no "gradient_raw" of zeros
    data = panel_data(window, window.heatmaps)
    assert "gradient_raw" not in data and "eta" in data
    window.controls.attack.setCurrentIndex(window.controls.attack.findData("fgsm"))
    idle(window)
    assert window.heatmaps._captions["gradient"] == fgsm_caption
