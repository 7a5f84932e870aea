"""A targeted attack's gradient cell names the target's loss, J(θ, x, t), not the true label's."""

from __future__ import annotations


def test_gradient_title_names_the_target_while_the_attack_is_targeted(window, idle):
    controls, gradient = window.controls, window.heatmaps.cells["gradient"]
    assert gradient.plot.titleLabel.text == "gradient ∇ₓJ(θ, x, y)"
    controls.attack.setCurrentIndex(controls.attack.findData("fgsm-targeted"))
    idle(window)
    assert window.sweep.header.target is not None
    assert gradient.plot.titleLabel.text == "gradient ∇ₓJ(θ, x, t)"  # it showed the target's gradient as J(θ, x, y)
    controls.attack.setCurrentIndex(controls.attack.findData("fgsm"))
    idle(window)
    assert gradient.plot.titleLabel.text == "gradient ∇ₓJ(θ, x, y)"
