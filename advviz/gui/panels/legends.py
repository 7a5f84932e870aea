"""Legends of the panels: at the top of their cell with each swatch on its name's middle, in as many columns as
fit, or the classes' colour swatches."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsItem, QSizePolicy

from advviz.gui.style import class_color


LEGEND_MIN_HEIGHT = 60  # a legend can shrink to this (its rows cut off below) rather than squeeze its plot out


class TopLegend(pg.LegendItem):
    """A legend whose every entry's row is as tall as its text (see :func:`legend_at_top`): the entry's swatch,
    pyqtgraph's 20-pixel ItemSample centred in its row, sits on the text's middle. A legend given more height than
    its rows (``legend_at_top``'s minimum) stretched them, and their labels, whose text stays at the top: the
    training panel's loss lines were drawn 9 pixels below their names, the curves' one class's line 8 pixels. A
    label keeps its text's height as that changes (presentation mode's font)."""

    def addItem(self, item: Any, name: str) -> None:  # noqa: N802 - pyqtgraph's name
        super().addItem(item, name)
        self.items[-1][1].setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)


def legend_at_top(view: pg.GraphicsLayoutWidget, row: int, col: int, **options: Any) -> TopLegend:
    """A legend (``pg.LegendItem``'s ``options``) in ``view``'s layout at ``row``, ``col``, at its natural height
    at the top of its cell: stretched to the plot's height, its rows spread apart and each sample was drawn below
    its name."""
    legend = TopLegend(**options)
    view.addItem(legend, row=row, col=col)
    legend.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
    view.ci.layout.setAlignment(legend, Qt.AlignmentFlag.AlignTop)
    # On a short view its last rows are cut off, not the plot beside it: a legend's full height
    # as the row's minimum pushed the plot's ε axis out of a 1366 × 768 laptop's window at 125 %.
    legend.setMinimumHeight(LEGEND_MIN_HEIGHT)
    legend.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape)
    return legend


def fit_legend_columns(plot: pg.PlotItem, legend: pg.LegendItem, *, share: float, most: int) -> None:
    """Lay ``legend`` out in the most columns (≤ ``most``) whose width fits ``share`` of the width of
    ``plot``'s view; refit when the plot resizes. Three columns in a presentation's large font were wider
    than half a 1024-pixel window, and pushed the plot beside them out of it."""

    def refit(*_: object) -> None:
        views = plot.scene().views() if plot.scene() is not None else []
        if not views:
            return
        available = share * views[0].width() - 12
        for columns in range(most, 0, -1):
            legend.setColumnCount(columns)  # re-lays out only when the count changes
            legend.layout.activate()
            if columns == 1 or legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize).width() <= available:
                break

    plot.vb.sigResized.connect(refit)
    refit()


def class_legend(legend: pg.LegendItem, names: tuple[str, ...]) -> None:
    """Colour swatches for the classes (a legend of scatter samples)."""
    legend.clear()
    for index, name in enumerate(names):
        sample = pg.ScatterPlotItem(symbol="s", size=12, brush=pg.mkBrush(class_color(index)), pen=pg.mkPen(None))
        legend.addItem(sample, name)
