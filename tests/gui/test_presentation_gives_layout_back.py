"""Leaving presentation mode gives the window back as it was: its docks' sizes, and the heatmaps' images, colour
bars, titles and captions where they were.

The docks' state was restored while the window still had the full screen's size; the window's own size came back
later and the docks were shared out again (the controls 2 pixels narrower). The heatmaps stayed compact (short
titles, captions on two lines), their full texts' width measured in presentation's font, and the η colour bar kept
3 pixels of presentation's tick room (pyqtgraph narrows an axis only by more than 10 pixels).
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QDockWidget


def layout(window) -> dict[str, object]:
    """Where everything of the window's frame and the heatmaps' cells is, and which texts they show."""
    found: dict[str, object] = {"window": window.geometry().getRect(),
                                "central": window.centralWidget().geometry().getRect()}
    for dock in window.findChildren(QDockWidget):
        found[dock.objectName()] = (dock.isVisible(), dock.geometry().getRect())
    heatmaps = window.heatmaps
    found["heatmaps compact"] = heatmaps.compact
    for key, cell in heatmaps.cells.items():
        for part, item in (("image", cell.plot.vb), ("bar", cell.bar), ("title", cell.plot.titleLabel),
                           ("caption", cell.caption)):
            rect = item.sceneBoundingRect()
            found[f"{key} {part}"] = tuple(round(value, 1) for value in rect.getRect())
        found[f"{key} texts"] = (cell.plot.titleLabel.text, cell.caption.text)
    return found


def settle(qtbot) -> None:
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(60)


@pytest.mark.parametrize("detour", [False, True])
def test_leaving_presentation_gives_the_window_back_as_it_was(window, qtbot, idle, detour):
    """F11 and F11 again (``detour``: the paper's arguments in front meanwhile, the heatmaps dock hidden and shown
    again): every dock, image, colour bar and text where it was before."""
    settle(qtbot)
    before = layout(window)
    assert not before["heatmaps compact"]
    window.presentation.action.trigger()
    qtbot.waitUntil(lambda: window.presentation.settled, timeout=10000)
    settle(qtbot)
    if detour:
        window.tabs.setCurrentWidget(window.explain.tabs)
        settle(qtbot)
        window.tabs.setCurrentIndex(0)
        idle(window)
        settle(qtbot)
    window.presentation.action.trigger()
    qtbot.waitUntil(lambda: window.presentation.settled, timeout=10000)
    settle(qtbot)
    after = layout(window)
    changed = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
    assert not changed
