"""advviz's colour bar: pyqtgraph's ColorBarItem is a PlotItem (~25 ms each to build, its menus and four
axes); the window's eight bars are :class:`ColourBar`, a strip and an axis, with the calls advviz makes."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from advviz.gui.panels.colour_bar import ColourBar
from advviz.gui.panels.explain_common import DIVERGING, GREY, image_plot


def test_the_heatmaps_panel_builds_no_plot_items(qapp, monkeypatch):
    from advviz.gui.panels.heatmaps import HeatmapsPanel

    made = []
    original = pg.PlotItem.__init__
    monkeypatch.setattr(pg.PlotItem, "__init__", lambda self, *a, **k: (made.append(self), original(self, *a, **k)))
    panel = HeatmapsPanel()
    assert made == [] and all(isinstance(cell.bar, ColourBar) for cell in panel.cells.values())
    panel.deleteLater()


def test_a_colour_bar_colours_its_image_and_follows_levels_and_colour_maps(qapp):
    view = pg.GraphicsLayoutWidget()
    cell, image = image_plot(view, 0, 0, "x")
    image.setImage(np.linspace(-1, 1, 28 * 28, dtype=np.float32).reshape(28, 28), autoLevels=False)
    bar = ColourBar(values=(-0.5, 0.5), colour_map=DIVERGING, width=12, label="η")
    bar.setImageItem(image, insert_in=cell)
    assert cell.layout.itemAt(2, 5) is bar  # right of the image, where pyqtgraph's bar goes
    assert tuple(image.getLevels()) == (-0.5, 0.5) and image.getColorMap() is DIVERGING
    assert bar.axis.range == [-0.5, 0.5] and bar.axis.labelText == "η"

    bar.setLevels((0.0, 2.0))
    assert bar.levels() == (0.0, 2.0) and tuple(image.getLevels()) == (0.0, 2.0) and bar.axis.range == [0.0, 2.0]
    bar.setLevels((3.0, 1.0))  # reversed: collapsed to their middle, as pyqtgraph does
    assert bar.levels() == (2.0, 2.0)

    before = bar.strip.pixmap().toImage()
    bar.setColorMap(GREY)
    after = bar.strip.pixmap().toImage()
    assert image.getColorMap() is GREY and bar.colorMap() is GREY
    assert (after.height(), after.width()) == (256, 1) and after != before
    # the strip runs from the map's low colour (row 0: the view's y = 0, its bottom) to its high colour
    low, high = GREY.getLookupTable(nPts=256, alpha=True)[[0, -1]]
    assert after.pixelColor(0, 0).getRgb()[:3] == tuple(int(v) for v in low[:3])
    assert after.pixelColor(0, 255).getRgb()[:3] == tuple(int(v) for v in high[:3])
    view.deleteLater()


def test_a_labelled_bar_keeps_its_tick_values_unscaled(qapp):
    bar = ColourBar(values=(-0.5, 0.5), colour_map=DIVERGING, label="w (per pixel unit)")
    bar.resize(60, 200)
    assert bar.axis.autoSIPrefix is False  # "500" with "(x0.001)" in the label had said 0.5
    bar.deleteLater()
