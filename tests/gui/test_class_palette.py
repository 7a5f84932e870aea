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


def _lab(rgb):
    """CIE L*a*b* of sRGB 0–255 (D65): distances between colours as seen."""
    import numpy as np

    c = np.asarray(rgb, float) / 255
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ c
    f = np.cbrt(np.maximum(xyz / np.array([0.95047, 1.0, 1.08883]), 0.008856))
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_the_maps_paled_class_colours_stay_apart():
    """Where the model is unsure the map pales each class toward white; at 15 % of their colour every pair
    was a pastel within ~4 ΔE of another, and 4 and 7 (an MNIST flip) read as one lavender."""
    import itertools

    import numpy as np

    from advviz.gui.panels.explain_map import class_rgb

    for confidence in (0.1, 0.3, 0.5, 1.0):
        colours = class_rgb(np.arange(10)[None, :], np.full((1, 10), confidence))[0]
        distances = {(a, b): np.linalg.norm(_lab(colours[a]) - _lab(colours[b]))
                     for a, b in itertools.combinations(range(10), 2)}
        assert min(distances.values()) > 10, (confidence, min(distances, key=distances.get))
        assert distances[(4, 7)] > 25, (confidence, distances[(4, 7)])
