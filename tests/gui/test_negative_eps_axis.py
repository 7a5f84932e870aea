"""The ε axis says what negative ε does for the attack drawn: a targeted attack's η = −ε·sign(∇ₓJ(θ, x, t))
descends the target's loss at ε > 0, so negative ε climbs it (the axis said "moves against the gradient", the
opposite); BIM and PGD run mirrored at ε < 0 (descending the loss), random signs take the opposite signs."""

from __future__ import annotations

import pytest

from advviz.gui.jobs import ATTACK_CHOICES

EXPECTED = {
    "fgsm": "negative ε moves against the gradient",
    "fgsm-targeted": "negative ε climbs the target's loss",
    "random-sign": "negative ε takes the opposite random signs",
    "bim": "negative ε descends the loss (the attack mirrored)",
    "pgd": "negative ε descends the loss (the attack mirrored)",
    "fgm-l2": "negative ε moves against the gradient",
}


def bottom_labels(window) -> tuple[str, ...]:
    """Every form the ε axis may show, longest first (it shortens to fit its width)."""
    return window.curves.plot.getAxis("bottom")._advviz_labels


def choose(window, idle, key: str) -> None:
    window.controls.attack.setCurrentIndex(window.controls.attack.findData(key))
    idle(window, timeout=120000)
    assert window.sweep.header.attack.key == key


def test_targeted_fgsm_says_negative_eps_climbs_the_targets_loss(window, idle):
    """Targeted FGSM to 2 on sample 7 (the reviewer's case): the label shown, in full and shortened, no longer
    says negative ε moves against the gradient (the target's gradient is what η descends)."""
    window.samples.set_current(7)
    choose(window, idle, "fgsm-targeted")
    window.controls.target.setCurrentIndex(2)
    idle(window)
    assert window.sweep.header.target == 2
    labels = bottom_labels(window)
    assert labels[0] == "ε  (pixel units, inputs in [0, 1]; negative ε climbs the target's loss)"
    assert labels[1] == "ε  (pixel units; negative ε climbs the target's loss)"
    assert not any("against the gradient" in label for label in labels)
    assert window.curves.plot.getAxis("bottom").labelText in labels


@pytest.mark.parametrize("key", [key for key, _ in ATTACK_CHOICES])
def test_every_attack_says_what_its_negative_half_does(window, idle, key):
    window.controls.steps.setValue(11)  # a short grid: BIM and PGD run 10 steps per ε
    choose(window, idle, key)
    labels = bottom_labels(window)
    long_forms = [label for label in labels if ";" in label]
    assert long_forms and all(label.endswith(f"; {EXPECTED[key]})") for label in long_forms), labels


def test_a_flip_on_the_negative_side_only_is_worded_for_the_attack():
    """The summary's "flips to 2 only …, at ε = −0.2" uses the axis's words (targeted: not "against the gradient")."""
    import numpy as np

    from advviz.gui.jobs import AttackChoice, SweepHeader
    from advviz.gui.panels.curves import summary_html
    from advviz.gui.state import SweepState

    eps = np.linspace(-0.2, 0.2, 5).astype(np.float32)
    logits = np.zeros((5, 3), dtype=np.float32)
    logits[:, 0] = 1.0
    logits[0] = (0.0, 0.0, 2.0)  # class 2 at ε = −0.2 only
    for key, words in (("fgsm-targeted", "only climbing the target's loss"), ("fgsm", "only against the gradient"),
                       ("bim", "only descending the loss (the attack mirrored)")):
        attack = AttackChoice(key, target=1)
        header = SweepHeader(model_name="m", class_names=("0", "1", "2"), label=0, label_known=True,
                             target=1 if attack.targeted else None, clean_logits=logits[2].copy(), reject_logit=False,
                             attack=attack, eps_max=0.2)
        state = SweepState(header)
        state.eps, state.logits, state.filled = eps, logits, 5
        assert f"flips to <b>2</b> {words}, at ε = -0.200" in summary_html(state, 2), summary_html(state, 2)
