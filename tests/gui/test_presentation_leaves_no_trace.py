"""Leaving presentation mode leaves no presentation measure behind."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from advviz.gui.panels.heatmaps import SHORT_BAR


def _leave(window, qtbot):
    window.presentation.action.trigger()
    qtbot.waitUntil(lambda: window.presentation.settled, timeout=10000)


def test_colour_bars_get_their_ticks_back_after_presenting_behind_another_tab(window, qtbot, idle):
    """F11 on the curves, the paper's arguments in front, F11 off: the heatmaps' bars kept presentation mode's
    two end ticks on their full height (the ∇ₓJ bar showed no numbers) until the window was resized."""
    window.presentation.action.trigger()
    window.tabs.setCurrentWidget(window.explain.tabs)
    QApplication.processEvents()
    _leave(window, qtbot)
    window.tabs.setCurrentIndex(0)
    idle(window)
    for key, cell in window.heatmaps.cells.items():
        tall = cell.bar.height() >= SHORT_BAR
        assert tall and cell.bar.axis._tickLevels is None, (key, cell.bar.height(), cell.bar.axis._tickLevels)


def test_the_curves_legend_column_is_measured_again_after_presenting(window, qtbot):
    """Classes set while presenting (F11 pressed during start-up) kept the legend's presentation width after it:
    the plot squeezed to ~100 px at 1024 × 768."""
    layout = window.curves.view.ci.layout
    normal = layout.columnMinimumWidth(1)
    window.presentation.action.trigger()
    qtbot.waitUntil(lambda: window.presentation.settled, timeout=10000)
    names = window.curves._names
    window.curves._names = ()
    window.curves.set_classes(names)  # measured in the presentation font
    assert layout.columnMinimumWidth(1) > normal
    _leave(window, qtbot)
    assert layout.columnMinimumWidth(1) == normal
