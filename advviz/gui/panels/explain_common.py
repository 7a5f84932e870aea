"""Shared pieces of the explanation panels: the caption line, image cells, plot styling, colours."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from advviz.gui.style import class_color

GREY = pg.colormap.get("CET-L1")
DIVERGING = pg.colormap.get("CET-D1A")
# Models share one palette across the robustness, linearity and rubbish panels.
MODEL_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22")


def model_color(index: int) -> str:
    return MODEL_COLORS[index % len(MODEL_COLORS)]


class ExplainPanel(QWidget):
    """A panel with a one-line caption (what the viewer is looking at), a status line and a body.

    Subclasses add their controls to ``self.bar`` and their pyqtgraph view to ``self.body``.
    """

    caption_text = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel(self.caption_text)
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.caption.setStyleSheet("font-size: 10.5pt;")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.bar = QHBoxLayout()
        self.body = QVBoxLayout()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.caption)
        layout.addLayout(self.bar)
        layout.addWidget(self.status)
        layout.addLayout(self.body, 1)
        self.shown: dict[str, np.ndarray] = {}  # what the items hold (for tests and export)

    def clear(self, message: str) -> None:
        self.status.setText(message)


def graphics() -> pg.GraphicsLayoutWidget:
    view = pg.GraphicsLayoutWidget()
    view.setBackground("w")
    return view


def style_plot(plot: pg.PlotItem, *, left: str = "", bottom: str = "", title: str | None = None) -> pg.PlotItem:
    plot.showGrid(x=True, y=True, alpha=0.25)
    for axis in ("bottom", "left"):
        plot.getAxis(axis).enableAutoSIPrefix(False)
    if left:
        plot.setLabel("left", left)
    if bottom:
        plot.setLabel("bottom", bottom)
    if title:
        plot.setTitle(title, color="#222", size="11pt")
    plot.hideButtons()
    return plot


def image_plot(view: pg.GraphicsLayoutWidget, row: int, col: int, title: str = "",
               shape: tuple[int, int] = (28, 28), title_size: str = "9pt") -> tuple[pg.PlotItem, pg.ImageItem]:
    """An axis-free, aspect-locked image cell (row 0 at the top) of a GraphicsLayoutWidget."""
    plot = view.addPlot(row=row, col=col)
    if title:
        plot.setTitle(title, color="#222", size=title_size)
    plot.hideAxis("left")
    plot.hideAxis("bottom")
    plot.setAspectLocked(True)
    plot.invertY(True)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    image = pg.ImageItem(np.zeros(shape, dtype=np.float32))
    plot.addItem(image)
    return plot, image


def to_image(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A flat (D,) or (C, H, W) array as an (H, W) image (channels: summed magnitude with sign of the mean)."""
    array = np.asarray(array, dtype=np.float32).reshape(shape)
    if shape[0] == 1:
        return array[0]
    return array.mean(axis=0)


def class_legend(legend: pg.LegendItem, names: tuple[str, ...]) -> None:
    """Colour swatches for the classes (a legend of scatter samples)."""
    legend.clear()
    for index, name in enumerate(names):
        sample = pg.ScatterPlotItem(symbol="s", size=12, brush=pg.mkBrush(class_color(index)), pen=pg.mkPen(None))
        legend.addItem(sample, name)


def pct(value: float) -> str:
    return "—" if value is None or not np.isfinite(value) else f"{100 * value:.1f}%"
