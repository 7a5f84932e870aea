"""The window's ε boxes stop at the largest ε that means anything, as the CLI's options do."""

from __future__ import annotations

import pytest

from advviz.core.eps_limits import largest_eps


def test_eps_max_stops_at_the_pixel_range_of_the_attack_norm(window, idle):
    """ε max took up to 50 (L∞): the clipped curves lay flat beyond 1, the cursor was held at 1.0, and the
    headline said "flips at ε = +1.000" for a flip near 0.1. The CLI refused anything over 1."""
    controls = window.controls
    assert controls.eps_max.maximum() == 1.0 and window.transfer_panel.eps.maximum() == 1.0
    controls.eps_max.setValue(50.0)
    assert controls.eps_max.value() == 1.0
    controls.attack.setCurrentIndex(controls.attack.findData("fgm-l2"))
    idle(window)
    assert controls.eps_max.maximum() == pytest.approx(28.0) == largest_eps("L2", 784)
    assert window.transfer_panel.eps.maximum() == pytest.approx(28.0)
    assert "at most 28" in controls.eps_max.toolTip()
    controls.attack.setCurrentIndex(controls.attack.findData("fgsm"))
    idle(window)
    assert controls.eps_max.maximum() == 1.0 and controls.eps_max.value() == 0.5
    assert window.explain.panels["map"].extent.maximum() == 1.0
