"""Third review: the logits tab's cursor, the heatmaps with RGB images, the transfer matrix's states."""

from __future__ import annotations

import pytest


def test_a_released_cursor_label_shows_the_snapped_eps(window, idle):
    """Dropped between grid points, the cursor snaps to the grid; its label said the unsnapped ε
    ("ε = +0.137") while the heatmaps showed ε = +0.140."""
    curves = window.curves
    curves.cursor_line.setValue(0.137)  # a drag ends here
    curves.cursor_line.sigPositionChangeFinished.emit(curves.cursor_line)
    idle(window)
    assert curves.cursor_value() == pytest.approx(0.14, abs=1e-6)
    assert curves.cursor_line.label.textItem.toPlainText() == "ε = +0.140"
    assert window.heatmaps.cells["perturbation"].caption.text.startswith("ε = +0.140")


def test_the_cursor_at_zero_leaves_no_old_transfer_matrix(window, idle):
    """With "ε at the cursor", moving the cursor to 0 said "move the ε cursor away from 0" for a moment;
    the next redraw put the matrix of the previous ε (and its caption "at ε = 0.250") back."""
    panel = window.transfer_panel
    panel.samples.setValue(20)
    window.controls.set_checked(["mnist-cnn", "mnist-softmax"])
    idle(window)
    assert panel.shown_matrix() is not None and "ε = 0.250" in panel.caption.text()
    window.curves.set_cursor(0.0)
    window.curves.cursorReleased.emit(0.0)
    idle(window)
    assert "away from 0" in panel.caption.text()
    assert panel.shown_matrix() is None
    assert not any(text.isVisible() for text in panel.texts)
    window.curves.set_cursor(0.1)  # a new ε brings a new matrix
    window.curves.cursorReleased.emit(0.1)
    idle(window)
    assert panel.shown_matrix() is not None and "ε = 0.100" in panel.caption.text()
