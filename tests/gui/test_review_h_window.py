"""A lecturer's walk through the window (review H): what a recording showed wrong."""

from __future__ import annotations

from explain_helpers import show


def test_the_decision_maps_extent_box_says_the_extent_it_follows(window, idle):
    """Following ε max, the disabled box kept saying ±0.50 while the axes spanned ±0.25 (Fashion-MNIST)."""
    panel = show(window, idle, "map")
    assert panel.follow.isChecked() and panel.state.header.extent == 0.5
    window.controls.eps_max.setValue(0.3)
    idle(window)
    assert abs(panel.state.header.extent - 0.3) < 1e-9
    assert abs(panel.extent.value() - 0.3) < 1e-9, panel.extent.text()
