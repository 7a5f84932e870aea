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


def test_models_trained_in_the_window_join_in_the_chosen_precision_with_their_drift_said(window, idle, qtbot):
    """With bfloat16 forwards chosen, the two models adversarial training added to the list ran in float32
    (the transfer matrix mixed them with bfloat16 targets) and no drift was said for them."""
    from advviz.core.batching import forward_precision

    choose(window, idle, "bfloat16")
    panel = window.explain.panels["training"]
    panel.architecture.setCurrentIndex(panel.architecture.findData("softmax"))
    panel.samples.setValue(200)
    panel.epochs.setValue(1)
    window.explain.show("training")
    panel.train.click()
    qtbot.waitUntil(lambda: "training" in window.explain.states and window.explain.states["training"].complete,
                    timeout=60000)
    idle(window)
    names = window.explain.states["training"].header.names
    trained = {key: model for key, model in window.loaded.items() if model.name in names}
    assert len(trained) == 2 and all(key in window.controls.checked_keys() for key in trained)
    assert {forward_precision(model) for model in trained.values()} == {"bfloat16"}
    text = window.error_label.text()
    assert text.startswith("bfloat16 forwards: max |Δ logit|") and all(name in text for name in names), text
