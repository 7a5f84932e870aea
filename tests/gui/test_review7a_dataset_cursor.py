"""A new data set puts the ε cursor on the new sweep's grid, on the attack's scale."""

from __future__ import annotations

import pytest


def _switch(window, idle, qtbot, dataset):
    window.choose_dataset(dataset)
    qtbot.waitUntil(lambda: window.data is not None and window.data.dataset == dataset, timeout=60000)
    idle(window)


def test_cursor_on_the_grid_after_a_dataset_switch(window, idle, qtbot):
    """With 20 steps, Fashion-MNIST's ε 0.1 is not a grid point: the cursor's label and the transfer
    matrix said 0.100 while the heatmaps showed the sweep at 0.092."""
    window.controls.steps.setValue(20)
    idle(window)
    _switch(window, idle, qtbot, "fashion")
    shown = float(window.sweep.eps[window.cursor_index()])
    assert window.curves.cursor_value() == pytest.approx(shown, abs=1e-6)
    assert window.transfer_eps() == pytest.approx(shown, abs=1e-6)
    assert shown == pytest.approx(0.1, abs=0.5 / 19)


def test_cursor_on_the_l2_scale_after_a_dataset_switch(window, idle, qtbot):
    """With the L2 attack, back on MNIST (ε max 5) the cursor sat at the L∞ 0.25, off the grid (heatmaps at 0.2)."""
    window.controls.attack.setCurrentIndex(window.controls.attack.findData("fgm-l2"))
    idle(window)
    _switch(window, idle, qtbot, "fashion")
    assert window.controls.eps_max.value() == pytest.approx(3.0)
    assert window.curves.cursor_value() == pytest.approx(1.2, abs=1e-5)  # 0.1 × 3 / 0.25, as ε max scales
    _switch(window, idle, qtbot, "mnist")
    assert window.controls.eps_max.value() == pytest.approx(5.0)
    assert window.curves.cursor_value() == pytest.approx(2.5, abs=1e-5)
    assert float(window.sweep.eps[window.cursor_index()]) == pytest.approx(2.5, abs=1e-5)


def test_cursor_not_held_by_the_old_range(window, idle, qtbot):
    """ε max 0.05 on MNIST bounded the cursor line: on Fashion-MNIST (ε max 0.25) it stayed at 0.05, not 0.1."""
    window.controls.eps_max.setValue(0.05)
    idle(window)
    _switch(window, idle, qtbot, "fashion")
    assert window.controls.eps_max.value() == pytest.approx(0.25)
    assert window.curves.cursor_value() == pytest.approx(0.1, abs=1e-6)
