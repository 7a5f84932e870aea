"""Class colours must not read as the decision map's grey confidence scale."""

from __future__ import annotations

import colorsys

from PySide6.QtGui import QColor

from advviz.gui.style import CLASS_COLORS


def test_every_class_colour_is_a_hue_not_a_grey():
    """The map pales a class's colour where the model is unsure, beside a grey scale bar: a grey class
    (Tableau's #7f7f7f for class 7) looked like a region of low confidence."""
    for colour in CLASS_COLORS:
        red, green, blue, _ = QColor(colour).getRgbF()
        _, _, saturation = colorsys.rgb_to_hls(red, green, blue)
        assert saturation > 0.3, colour
    assert len(set(CLASS_COLORS)) == len(CLASS_COLORS) == 10
