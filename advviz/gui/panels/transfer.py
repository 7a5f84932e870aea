"""The transfer matrix (paper §8): examples crafted on the row's model, shown to the column's model.

Three views of the same N×N result: error rate of the target; its mean confidence where it is
wrong; how often it picks the same wrong class as the source. Cells fill in as the worker yields
them; each shows its number, or "—" where the mean is over no examples (undefined, left uncoloured).
"""

from __future__ import annotations

import html
import re

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout,
                               QWidget)

from advviz.core.eps_limits import largest_eps
from advviz.gui.panels.colour_bar import ColourBar
from advviz.gui.state import TransferState
from advviz.gui.style import short_names

METRICS = (
    ("error", "error rate of the target model"),
    ("confidence", "mean confidence of the target on its wrong answers"),
    ("agreement", "same wrong class as the source (where both are wrong)"),
)
# what a computed cell's "—" means, per metric (the error rate is defined in every computed cell)
UNDEFINED = {
    "confidence": "the target made no wrong answers",
    "agreement": "source and target were never both wrong",
}
UNDEFINED_TEXT = "—"
UNDEFINED_COLOR = "#666"
COLORMAP = pg.colormap.get("viridis")
TYPED_EPS_MIN = 0.001
LABEL_GAP = 8  # pixels between neighbouring column names


def wrapped_label(name: str, width: float, metrics: QFontMetrics) -> str:
    """``name`` on as few lines as fit ``width`` pixels, broken after its hyphens ("mlp-halfa" ran into
    "mlp-halfb" beside it); a part wider than ``width`` on its own is elided in the middle."""
    parts = [part + "-" for part in name.split("-")[:-1]] + [name.split("-")[-1]]
    lines: list[str] = []
    for part in parts:
        if lines and metrics.horizontalAdvance(lines[-1] + part) <= width:
            lines[-1] += part
        else:
            lines.append(part)
    return "\n".join(metrics.elidedText(line, Qt.TextElideMode.ElideMiddle, max(1, int(width))) for line in lines)


class TransferPanel(QWidget):
    settingsChanged = Signal()  # ε source or sample count changed: recompute

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.metric_choice = QComboBox()
        self.metric_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.metric_choice.setMinimumContentsLength(10)  # elided when narrow (an 800-pixel screen); whole in its list
        for key, title in METRICS:
            self.metric_choice.addItem(title, key)
        self.follow = QCheckBox("ε at the cursor")
        self.follow.setChecked(True)
        self.follow.setToolTip("Use |ε| of the curve panel's cursor (recomputed when you release it); "
                               "untick to type ε")
        # up to the attack's ε limit (the window keeps it: ControlsPanel.epsLimitChanged)
        self.eps = QDoubleSpinBox(decimals=3, minimum=0.0, maximum=largest_eps("Linf"), singleStep=0.01, value=0.25)
        self.eps.setPrefix("ε = ")
        self.eps.setEnabled(False)
        self.samples = QSpinBox(minimum=10, maximum=2000, singleStep=100, value=500)
        self.samples.setSuffix(" images")
        self.samples.setToolTip("How many test images craft and evaluate the examples")
        self.follow.toggled.connect(self._follow_toggled)
        # editingFinished also comes when the box just loses focus: only a new value recomputes (a click
        # into the box and out again restarted the whole matrix)
        self._asked = (self.eps.value(), self.samples.value())  # the values of the last recompute asked for
        self.settingsChanged.connect(self._remember_asked)
        self.eps.editingFinished.connect(self._edited_if_changed)
        self.samples.editingFinished.connect(self._edited_if_changed)
        self.metric_choice.currentIndexChanged.connect(lambda _: self.redraw())
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show:"))
        bar.addWidget(self.metric_choice, 1)
        bar.addWidget(self.follow)
        bar.addWidget(self.eps)
        bar.addWidget(self.samples)

        self.caption = QLabel("Check two or more models in the left panel to see how adversarial examples transfer.")
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("w")
        self.plot: pg.PlotItem = self.view.addPlot()
        self.plot.invertY(True)  # no locked aspect: cells as wide as the panel allows, room for the column names
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setLabel("left", "source model (examples crafted on it)")
        self.plot.setLabel("bottom", "target model (evaluated)")
        for side in ("bottom", "left"):
            self.plot.getAxis(side).enableAutoSIPrefix(False)  # names, not numbers: an empty matrix said "(x0.001)"
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.colorbar = ColourBar(values=(0.0, 1.0), colour_map=COLORMAP, width=14)
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self.plot.vb.sigResized.connect(lambda _: self._fit_column_names())
        self.texts: list[pg.TextItem] = []
        self.state: TransferState | None = None
        self.images_noun = "test images"  # "of your images" for the user's own (set by the window)
        self._cleared: TransferState | None = None  # the last result clear() removed
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.caption)
        layout.addWidget(self.view, 1)

    def _remember_asked(self) -> None:
        self._asked = (self.eps.value(), self.samples.value())

    def _edited_if_changed(self) -> None:
        if (self.eps.value(), self.samples.value()) != self._asked:
            self.settingsChanged.emit()

    @property
    def metric_key(self) -> str:
        return str(self.metric_choice.currentData())

    def set_metric(self, key: str) -> None:
        self.metric_choice.setCurrentIndex([k for k, _ in METRICS].index(key))

    def export_title(self) -> str:
        """What a saved image shows, written above it: the panel's caption (metric, attack, ε, samples)."""
        caption = html.unescape(re.sub(r"<[^>]*>", "", self.caption.text()))
        return f"Transfer matrix · {caption}" if self.state is not None else caption

    def clear(self, message: str) -> None:
        if self.state is not None:  # the result cleared away must not come back on the next redraw
            self._cleared = self.state
        self.state = None
        self.image.clear()
        for text in self.texts:
            text.hide()
        for side in ("bottom", "left"):  # no model names, and no numbers (−500…500 ×0.001) on an empty matrix
            self.plot.getAxis(side).setTicks([[]])
        self.caption.setText(message)

    def show_state(self, state: TransferState) -> None:
        """Show ``state`` — unless the panel was cleared of it: moving the ε cursor to 0 cleared the matrix,
        and the next redraw put the old ε's matrix (and its caption) back under the greyed-out cursor ε."""
        if state is self._cleared:
            return
        self.state = state
        self.redraw()

    def _follow_toggled(self, on: bool) -> None:
        self.eps.setEnabled(not on)
        self.eps.blockSignals(True)
        self.eps.setMinimum(0.0 if on else TYPED_EPS_MIN)  # the cursor may sit at 0; a typed ε may not
        self.eps.blockSignals(False)
        self.settingsChanged.emit()

    def show_eps(self, eps: float) -> None:
        """Show the ε the matrix is computed at in the (greyed-out) ε box while it follows the cursor."""
        self.eps.blockSignals(True)
        self.eps.setValue(eps)
        self.eps.blockSignals(False)
        self._remember_asked()  # the matrix is computed at it

    def shown_matrix(self) -> np.ndarray | None:
        return None if self.state is None else self.state.matrix(self.metric_key)

    def _fit_column_names(self) -> None:
        """The bottom axis's model names, each on as many lines as its column's width needs; where even that
        would cut one ("s…x", "c…adv" in 9 columns at 800 × 600), the columns are numbered like the rows."""
        if self.state is None:
            return
        names = short_names(self.state.header.names)
        axis = self.plot.getAxis("bottom")
        metrics = QFontMetrics(axis.style["tickFont"] or axis.font())
        width = self.plot.vb.width() / max(1, len(names)) - LABEL_GAP
        labels = [wrapped_label(name, width, metrics) for name in names]
        numbered = any("…" in label for label in labels)
        if numbered:
            labels = [str(number) for number in range(1, len(names) + 1)]
        rows = [f"{number} · {name}" if numbered else name for number, name in enumerate(names, 1)]
        self.plot.getAxis("left").setTicks([list(enumerate(rows))])
        lines = max(label.count("\n") + 1 for label in labels)
        axis.setTicks([list(enumerate(labels))])
        axis.setStyle(autoExpandTextSpace=False, tickTextHeight=lines * metrics.height())

    def redraw(self) -> None:
        state = self.state
        if state is None:
            return
        names = state.header.names
        size = len(names)
        matrix = state.matrix(self.metric_key)
        computed = state.result.computed()
        # NaN (pending or undefined) draws transparent: an undefined mean must not look like a real 0 %
        shown = np.where(np.isfinite(matrix), matrix, np.nan).astype(np.float32)
        self.image.setImage(shown, autoLevels=False, levels=(0.0, 1.0))
        self.image.setRect(-0.5, -0.5, size, size)
        self._fit_column_names()  # and the rows' names
        self.plot.setRange(xRange=(-0.5, size - 0.5), yRange=(-0.5, size - 0.5), padding=0.02)
        while len(self.texts) < size * size:
            text = pg.TextItem(anchor=(0.5, 0.5))
            text.setZValue(5)
            self.plot.addItem(text)
            self.texts.append(text)
        for index, text in enumerate(self.texts):
            row, column = divmod(index, size)
            if index >= size * size or not computed[row, column]:
                text.hide()
                continue
            value = float(matrix[row, column])
            if np.isfinite(value):
                text.setText(f"{value:.0%}")
                text.setColor("#000" if value > 0.6 else "#fff")
            else:
                text.setText(UNDEFINED_TEXT)
                text.setColor(UNDEFINED_COLOR)
            text.setPos(column, row)
            text.show()
        title = dict(METRICS)[self.metric_key]
        status = state.unfinished(state.done, state.total, "cells")
        if (computed & ~np.isfinite(matrix)).any():
            status += f" · {UNDEFINED_TEXT} = undefined: {UNDEFINED.get(self.metric_key, 'no examples')}"
        prefix = names[0].split("-", 1)[0] if short_names(names) != list(names) else ""
        self.caption.setText(
            (f"{prefix} models (axes drop the “{prefix}-”) · " if prefix else "") +
            f"<b>{title}</b> · {state.header.attack_title} at ε = {state.header.eps:.3f} on "
            f"{state.header.samples} {self.images_noun} · row = source, column = target; the diagonal is the "
            f"white-box attack{status}")
