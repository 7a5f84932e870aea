"""The window's "forwards" precision in the paper's-arguments panels (review 7c)."""

from __future__ import annotations

from explain_helpers import show


def choose(window, idle, precision):
    combo = window.controls.precision
    combo.setCurrentIndex(combo.findData(precision))
    combo.activated.emit(combo.currentIndex())  # as a click does
    idle(window)


def test_the_linear_explanation_of_softmax_regression_in_bfloat16_blames_the_rounding_not_clipping(window, idle):
    """Unclipped softmax regression in bfloat16 said 'max |predicted − measured| = 0.056 (clipping stops some
    pixels)' beside 'unclipped': the gap is the bfloat16 forwards' rounding of the measured change."""
    window.controls.set_checked(["mnist-softmax"])
    idle(window)
    choose(window, idle, "bfloat16")
    panel = show(window, idle, "linear")
    assert not panel.clip.isChecked()
    text = panel.status.text()
    assert "unclipped" in text and "bfloat16 forwards' rounding" in text and "clipping" not in text, text
    choose(window, idle, "float32")
    panel = show(window, idle, "linear")
    assert "(equal: the model is linear)" in panel.status.text(), panel.status.text()
