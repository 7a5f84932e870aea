"""A colour bar beside an image: its colour map as a strip, and an axis of the values it stands for.

pyqtgraph's ``ColorBarItem`` is a ``PlotItem``: each one builds a plot's context menus, option forms and
four axes, ~25 ms on this machine. The window's eight bars held the GUI thread ~200 ms; the heatmaps'
four alone made the turn after the first paint, and each animation export's film, ~100 ms longer.
:class:`ColourBar` is the part advviz shows — a strip in a frame and a value axis, ~3 ms — with the
same calls: ``setImageItem(image, insert_in=cell)``, ``setLevels``, ``levels``, ``setColorMap``, ``axis``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGraphicsGridLayout, QGraphicsPixmapItem

STEPS = 256  # colours in the strip


class ColourBar(pg.GraphicsWidget):
    """A vertical colour bar: ``colour_map`` over ``values`` (low, high), ``width`` pixels wide, an
    optional ``label`` along its axis. The images it is given (:meth:`setImageItem`) take its colour
    map and levels."""

    def __init__(self, *, values: tuple[float, float] = (0.0, 1.0), colour_map: pg.ColorMap, width: int = 14,
                 label: str | None = None) -> None:
        super().__init__()
        self.values = (float(values[0]), float(values[1]))
        self._colour_map = colour_map
        self._images: list[pg.ImageItem] = []
        layout = QGraphicsGridLayout()
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.setLayout(layout)
        self.strip_view = pg.ViewBox(enableMouse=False, enableMenu=False, defaultPadding=0.0,
                                     border=pg.mkPen("#888"))
        self.strip_view.setRange(xRange=(0, 1), yRange=(0, STEPS), padding=0)
        self.strip_view.disableAutoRange()
        self.strip = QGraphicsPixmapItem()
        self.strip.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        self.strip_view.addItem(self.strip)
        self.axis = pg.AxisItem("right")
        self.axis.setZValue(0.5)
        self.axis.enableAutoSIPrefix(False)  # a labelled axis would scale its ticks: "500" and "(x0.001)" for 0.5
        if label:
            self.axis.setLabel(label)
        layout.addItem(self.strip_view, 0, 0)
        layout.setColumnFixedWidth(0, width)
        layout.addItem(self.axis, 0, 1)
        self._draw_strip()
        self.axis.setRange(*self.values)

    # -- the calls of pyqtgraph's ColorBarItem that advviz makes --------------------------------------
    def setImageItem(self, image: pg.ImageItem, insert_in: Any = None) -> None:  # noqa: N802 - pyqtgraph's name
        """Colour ``image`` by this bar (its map and levels from now on); ``insert_in`` a plot or image cell
        to place the bar in, right of its view (grid row 2, column 5, as pyqtgraph places it)."""
        self._images.append(image)
        if insert_in is not None:
            insert_in.layout.addItem(self, 2, 5)
            insert_in.layout.setColumnFixedWidth(4, 5)  # a gap between the view and the bar
        self._apply_to_images(colour_map=True)

    def setLevels(self, values: tuple[float, float]) -> None:  # noqa: N802 - pyqtgraph's name
        low, high = (float(v) for v in values)
        if low > high:
            low = high = (low + high) / 2
        self.values = (low, high)
        self.axis.setRange(low, high)
        self._apply_to_images(colour_map=False)

    def levels(self) -> tuple[float, float]:
        return self.values

    def setColorMap(self, colour_map: pg.ColorMap) -> None:  # noqa: N802 - pyqtgraph's name
        self._colour_map = colour_map
        self._draw_strip()
        self._apply_to_images(colour_map=True)

    def colorMap(self) -> pg.ColorMap:  # noqa: N802 - pyqtgraph's name
        return self._colour_map

    # -- inside ------------------------------------------------------------------------------------------
    def _draw_strip(self) -> None:
        table = self._colour_map.getLookupTable(nPts=STEPS, alpha=True)  # (STEPS, 4) uint8, low colour first
        rgba = np.ascontiguousarray(np.asarray(table, dtype=np.uint8)[:, None, :])  # a column: STEPS × 1
        image = QImage(rgba.data, 1, STEPS, 4, QImage.Format.Format_RGBA8888)
        self.strip.setPixmap(QPixmap.fromImage(image))  # row 0 (low) at y = 0: the bottom of the view

    def _apply_to_images(self, *, colour_map: bool) -> None:
        for image in self._images:
            if colour_map:
                image.setColorMap(self._colour_map)
            image.setLevels(self.values)
