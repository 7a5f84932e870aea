"""On a short window (800 × 600) the heatmaps keep room for their images: compact captions keep their first part
(the prediction, ε, whose loss), the rest in their tooltips. Three- and four-line captions had left 23 pixels."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication


def settle(qtbot) -> None:
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(30)


def test_a_short_window_shows_the_images_and_keeps_the_whole_captions_in_tooltips(window, qtbot, idle):
    window.resize(800, 600)
    idle(window)
    settle(qtbot)
    heatmaps = window.heatmaps
    assert heatmaps.compact
    for key, cell in heatmaps.cells.items():
        assert cell.image.sceneBoundingRect().height() >= 40, key
    original = heatmaps.cells["original"].caption
    # "predicted 3 (100.0%) · true 3": the first part shown, the whole in the tooltip
    assert "predicted" in original.text and "true" not in original.text and "true 3" in original.toolTip()
    assert "max |∇|" in heatmaps.cells["gradient"].caption.toolTip()
    window.resize(1400, 900)  # room again: whole captions
    settle(qtbot)
    assert not heatmaps.compact and " · " in heatmaps.cells["original"].caption.text
