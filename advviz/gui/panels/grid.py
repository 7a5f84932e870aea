"""A cheap plot grid: pyqtgraph's ``showGrid`` costs ~10 ms each time an axis re-generates its ticks.

``PlotItem.showGrid`` makes each axis draw its grid lines across the whole plot into a QPicture and
replay it; while a sweep streams and the range grows, that re-generation dominated a frame (16 ms of
a 56 ms paint). :class:`TickGrid` draws the same lines — at the axes' own tick positions, fainter for
minor ticks — straight from the view range with a 1-pixel cosmetic pen, in ~1.5 ms (a repaint in an
unchanged range reuses the lines it mapped).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QColor, QPainter, QPen

ALPHAS = (64, 28, 14)  # major, minor, finer tick levels (out of 255), like showGrid(alpha=0.25)


class TickGrid(pg.GraphicsObject):
    """Grid lines of ``plot`` at the bottom and left axes' tick values, behind the plotted items.

    A child of the ViewBox itself, not of its data coordinates: its geometry is the box's rectangle,
    which a range change leaves alone, so a new range repaints the plot once (an item in data
    coordinates changes geometry with the range, and its old area was repainted a second time)."""

    def __init__(self, plot: pg.PlotItem) -> None:
        super().__init__(plot.vb)
        self.plot = plot
        self.pens = []
        for alpha in ALPHAS:
            pen = QPen(QColor(0, 0, 0, alpha))
            pen.setCosmetic(True)
            pen.setWidth(1)
            self.pens.append(pen)
        self.setZValue(plot.vb.childGroup.zValue() - 1)
        self._lines_for: tuple | None = None
        self._lines: list[list[QLineF]] = []
        plot.vb.sigRangeChanged.connect(lambda *_: self.update())
        plot.vb.sigResized.connect(lambda *_: (self.prepareGeometryChange(), self.update()))

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF(self.plot.vb.rect())

    def lines(self) -> list[list[QLineF]]:
        """The grid lines per tick level, in this item's (the box's) coordinates — recomputed only when
        the range, the size or the ticks changed: most repaints are of new data in an unchanged range."""
        (x0, x1), (y0, y1) = self.plot.vb.viewRange()
        to_box = self.plot.vb.childGroup.transform()  # view coordinates → the box's
        custom = tuple(_custom_ticks(self.plot.getAxis(name)) for name in ("bottom", "left"))
        key = (x0, x1, y0, y1, self.plot.vb.width(), self.plot.vb.height(), custom,
               to_box.m11(), to_box.m22(), to_box.dx(), to_box.dy())
        if key == self._lines_for:
            return self._lines
        levels: list[list[QLineF]] = [[] for _ in ALPHAS]
        for name, low, high, pixels in (("bottom", x0, x1, self.plot.vb.width()),
                                        ("left", y0, y1, self.plot.vb.height())):
            axis = self.plot.getAxis(name)
            if not axis.isVisible() or pixels <= 0:
                continue
            custom = _custom_ticks(axis)
            ticks = ([(None, values) for values in custom] if custom is not None
                     else [(spacing, values) for spacing, values in axis.tickValues(low, high, pixels)])
            for level, (_, values) in enumerate(ticks[:len(ALPHAS)]):
                for value in values:
                    line = QLineF(value, y0, value, y1) if name == "bottom" else QLineF(x0, value, x1, value)
                    levels[level].append(to_box.map(line))
        self._lines_for, self._lines = key, levels
        return levels

    def paint(self, painter: QPainter, *_: object) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for pen, lines in zip(self.pens, self.lines()):
            if lines:
                painter.setPen(pen)
                painter.drawLines(lines)


def _custom_ticks(axis: pg.AxisItem) -> tuple[tuple[float, ...], ...] | None:
    """The tick positions an axis was given with ``setTicks`` (per level), or None for automatic ticks."""
    levels = getattr(axis, "_tickLevels", None)  # where pyqtgraph keeps setTicks' argument
    if not levels:
        return None
    return tuple(tuple(float(value) for value, _ in level) for level in levels)


def add_grid(plot: pg.PlotItem) -> TickGrid:
    """Give ``plot`` a grid (instead of ``plot.showGrid``); the grid does not affect the auto-range."""
    return TickGrid(plot)
