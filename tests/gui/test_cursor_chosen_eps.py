"""The ε cursor keeps the ε the user chose across changes of the sweep's grid."""

from __future__ import annotations

import pytest


def test_changing_eps_steps_back_and_forth_does_not_move_the_cursor(window, idle):
    """Each grid snapped the previous grid's point: ε steps 101 → 51 → 101 moved the paper's 0.25 to 0.26,
    and 51 → 161 on to 0.2875; the transfer matrix and the explanations silently followed."""
    assert window.curves.cursor_value() == pytest.approx(0.25, abs=1e-6)
    for steps in (51, 101, 51, 161, 101):
        window.controls.steps.setValue(steps)
        idle(window)
        shown = float(window.sweep.eps[window.cursor_index()])
        assert window.curves.cursor_value() == pytest.approx(shown, abs=1e-6)  # on the grid of each sweep
        assert abs(shown - 0.25) <= 0.5 / (steps - 1) + 1e-6, steps  # the grid point nearest 0.25
    assert window.curves.cursor_value() == pytest.approx(0.25, abs=1e-6)
    assert window.transfer_eps() == pytest.approx(0.25, abs=1e-6)


def test_a_dragged_cursor_is_the_new_choice(window, idle):
    window.curves.cursor_line.setValue(0.1334)
    window.curves.cursor_line.sigPositionChangeFinished.emit(window.curves.cursor_line)  # the drag ends: it snaps
    idle(window)
    assert window.curves.cursor_value() == pytest.approx(0.13, abs=1e-6)
    window.controls.steps.setValue(51)
    idle(window)
    window.controls.steps.setValue(101)
    idle(window)
    assert window.curves.cursor_value() == pytest.approx(0.13, abs=1e-6)


def test_a_smaller_eps_max_holds_the_chosen_eps_at_its_edge_until_it_grows_again(window, idle):
    """ε max 0.5 → 0.1 put the cursor at 0.05, and ε max back at 0.5 left it there: the 0.25 chosen was lost."""
    assert window.curves.cursor_value() == pytest.approx(0.25, abs=1e-6)
    window.controls.eps_max.setValue(0.1)
    idle(window)
    assert window.curves.cursor_value() == pytest.approx(0.1, abs=1e-6)
    assert window.transfer_eps() == pytest.approx(0.1, abs=1e-6)
    window.controls.eps_max.setValue(0.5)
    idle(window)
    assert window.curves.cursor_value() == pytest.approx(0.25, abs=1e-6)
