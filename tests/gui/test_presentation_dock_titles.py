"""Presentation mode enlarges the docks' titles too (Qt draws them in the dock's own font), and leaving gives them
their size back."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QDockWidget

from advviz.gui.layout import HEATMAP_DOCK


def _title(dock: QDockWidget) -> tuple[int, int]:
    """(height of the title bar, height of the title's dark text) in pixels, from a grab of the dock."""
    QApplication.processEvents()
    bar = dock.widget().geometry().top()  # the content starts below the title bar
    image = dock.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    pixels = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine())
    scale = image.height() / dock.height()  # device pixels per logical pixel
    title = pixels[: round(bar * scale), : round(dock.width() * scale * 0.5)]  # the left half: no float button
    rows = np.nonzero((title < 110).any(axis=1))[0]
    return bar, int(rows[-1] - rows[0] + 1) if len(rows) else 0


def test_the_heatmaps_dock_title_grows_while_presenting_and_shrinks_back(make_window, qtbot):
    """The heatmaps' title ("Perturbation at the cursor ε") stayed 9 pt beside 13 pt tabs while presenting."""
    window = make_window()
    dock = window.findChild(QDockWidget, HEATMAP_DOCK)
    _ = window.heatmaps  # the dock's panel, built after the first paint
    qtbot.waitUntil(lambda: dock.widget() is window.heatmaps and dock.widget().geometry().top() > 0)
    normal_bar, normal_text = _title(dock)
    panel_size = window.heatmaps.font().pointSizeF()
    assert normal_text > 0

    window.presentation.action.trigger()
    qtbot.waitUntil(lambda: window.presentation.settled, timeout=10000)
    bar, text = _title(dock)
    assert bar > normal_bar and text >= 1.3 * normal_text, (normal_bar, normal_text, bar, text)
    # the panel below keeps its font: its texts are enlarged once, by the panel's own styling
    assert window.heatmaps.font().pointSizeF() == panel_size

    window.presentation.action.trigger()
    qtbot.waitUntil(lambda: window.presentation.settled, timeout=10000)
    assert _title(dock) == (normal_bar, normal_text)
    assert window.heatmaps.font().pointSizeF() == panel_size
    assert not window.heatmaps.testAttribute(Qt.WidgetAttribute.WA_SetFont)  # it follows its dock's font again
