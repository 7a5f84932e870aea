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

