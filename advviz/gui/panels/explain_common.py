"""Shared pieces of the explanation panels: the caption line, image cells, plot styling, colours."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFrame, QGraphicsGridLayout, QGraphicsItem, QLabel,
                               QScrollArea, QSizePolicy, QSpinBox, QVBoxLayout, QWidget)

from advviz.gui.panels.grid import add_grid
from advviz.gui.panels.wrap_bar import WrapBar

OPTION_WIDGETS = (QCheckBox, QComboBox, QSpinBox, QDoubleSpinBox)  # a panel's settings, kept by sessions
GREY = pg.colormap.get("CET-L1")
DIVERGING = pg.colormap.get("CET-D1A")
# Models share one palette across the robustness, linearity and rubbish panels.
MODEL_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22")


SETTING_LIMIT = 1e9  # no setting of ours is larger; a QSpinBox holds 32-bit integers (2**31 raised OverflowError)


def setting_number(value: Any) -> bool:
    """Whether ``value`` (read from a file) can be a number setting: int or float, not bool, finite, not huge."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value) and abs(value) <= SETTING_LIMIT
    except OverflowError:  # an integer of 400 digits
        return False


def model_color(index: int) -> str:
    return MODEL_COLORS[index % len(MODEL_COLORS)]


class ExplainPanel(QWidget):
    """A panel with a one-line caption (what the viewer is looking at), a status line and a body.

    Subclasses add their controls to ``self.bar`` and their pyqtgraph view to ``self.body``. The body
    scrolls vertically: below ``min_body_height`` (say, a 768-pixel laptop screen) the plots keep their
    size and a scroll bar appears instead of squashing them.

    Building a panel (pyqtgraph plots, image cells, colour bars: 20–190 ms) is split into steps: a
    subclass builds its body in :meth:`build_steps`, a generator that yields between pieces of ~5–20 ms.
    ``Panel()`` runs them all at once; ``Panel(staged=True)`` leaves them to :meth:`build_step`, one
    call per turn of the event loop (``ExplanationsController`` drives them), and the panel is usable
    once :attr:`complete`. Its first paint is split too: the views after the first are painted a turn
    later each (:meth:`showEvent`).
    """

    caption_text = ""
    min_body_height = 300  # pixels of plots before the body scrolls

    def __init__(self, parent: QWidget | None = None, *, staged: bool = False) -> None:
        super().__init__(parent)
        self.caption = QLabel(self.caption_text)
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.caption.setStyleSheet("font-size: 10.5pt;")
        # why this panel does not follow the sweep's settings, when it does not (an L2 attack's ε)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("background: #fff4d6; color: #5a4300; padding: 2px 4px;")
        self.note.hide()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        # two lines reserved: a status that wraps to one line, then two, while a job streams would resize
        # the plots below, and a resized view repaints whole (20 ms for the decision map, amid its first rows)
        self.status.setMinimumHeight(2 * self.status.fontMetrics().lineSpacing() + 2)
        self.bar = WrapBar()  # one row of controls, or more on a narrow panel
        self.content = QWidget()
        self.content.setMinimumHeight(self.min_body_height)
        self.body = QVBoxLayout(self.content)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(self.content)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.caption)
        layout.addWidget(self.note)
        layout.addLayout(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.scroll_area, 1)
        self.shown: dict[str, np.ndarray] = {}  # what the items hold (for tests and export)
        self.complete = False
        self.build_turns = 0  # build steps taken (for tests: the build is split)
        self._steps: Iterator[None] | None = self.build_steps()
        self._painted_once = False
        if not staged:
            self.finish_build()

    # -- building in steps ------------------------------------------------------------------------
    def build_steps(self) -> Iterator[None]:
        """The panel's body, piece by piece: ``yield`` between pieces (each should take ≲ 20 ms)."""
        yield from ()

    def build_step(self) -> bool:
        """Build the next piece; True once the panel is complete."""
        if self._steps is not None:
            self.build_turns += 1
            try:
                next(self._steps)
                return False
            except StopIteration:
                self._steps = None
        self.complete = True
        return True

    def finish_build(self) -> None:
        """Build what is left now."""
        while not self.build_step():
            pass

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        """The first paint of a panel (its axes, grids, texts and images laid out and drawn: 40–90 ms for
        the linear explanation) is split: the first view paints now, each further view a turn later."""
        super().showEvent(event)
        if self._painted_once or not self.complete:
            return
        self._painted_once = True
        views = self.content.findChildren(pg.GraphicsView)
        later = [view for view in views[1:] if view.updatesEnabled()]
        for view in later:
            view.setUpdatesEnabled(False)

        def next_view() -> None:
            if later:
                later.pop(0).setUpdatesEnabled(True)  # paints it (setUpdatesEnabled(True) updates the widget)
                QTimer.singleShot(1, self, next_view)  # 1 ms: after the paint (a 0 ms shot runs before it)

        if later:
            QTimer.singleShot(1, self, next_view)

    def clear(self, message: str) -> None:
        """Nothing to show, for the reason ``message`` (the status line): every result is taken off the panel."""
        self.clear_results()
        self.status.setText(message)

    def clear_results(self) -> None:
        """Take the last result off the panel: each panel extends this with its own items (their data, legends,
        images, cards and texts emptied), so that nothing of an earlier model or data set stays up beside a
        status that says there is nothing to show. Its settings stay."""
        self.shown.clear()

    def set_note(self, text: str) -> None:
        """A highlighted line under the caption; hidden when ``text`` is empty."""
        self.note.setText(text)
        self.note.setVisible(bool(text))

    # -- the panel's own settings, for sessions -----------------------------------------------------
    session_skips: tuple[str, ...] = ()  # option widgets whose choices come from results, not the user

    def _option_widgets(self) -> dict[str, QWidget]:
        return {name: widget for name, widget in vars(self).items()
                if isinstance(widget, OPTION_WIDGETS) and name not in self.session_skips}

    def options(self) -> dict[str, Any]:
        """The panel's settings by attribute name (its spin boxes, check boxes and choices)."""
        values: dict[str, Any] = {}
        for name, widget in self._option_widgets().items():
            if isinstance(widget, QCheckBox):
                values[name] = widget.isChecked()
            elif isinstance(widget, QComboBox):
                values[name] = widget.currentData()
            else:
                values[name] = widget.value()
        return values

    def set_options(self, values: dict[str, Any]) -> list[str]:
        """Set what :meth:`options` gave (each change as if the user made it); returns what was not set."""
        widgets, problems = self._option_widgets(), []
        for name, value in values.items():
            widget = widgets.get(name)
            number = setting_number(value)
            if isinstance(widget, QCheckBox) and isinstance(value, bool):
                widget.setChecked(value)
            elif isinstance(widget, QComboBox) and widget.findData(value) >= 0:
                widget.setCurrentIndex(widget.findData(value))
            elif isinstance(widget, QDoubleSpinBox) and number or isinstance(widget, QSpinBox) and number and \
                    float(value).is_integer():
                clamped = set_spin_value(widget, float(value) if isinstance(widget, QDoubleSpinBox) else int(value))
                if clamped:
                    problems.append(f"{name} {clamped}")
            else:
                problems.append(f"{name} = {value!r} cannot be set")
        return problems


def set_spin_value(box: QSpinBox | QDoubleSpinBox, value: float) -> str | None:
    """Set a spin box; say so (``"= 1000 is outside 1 … 50; used 50"``) where it had to bring the value
    into its range, which it does quietly."""
    box.setValue(value)
    rounding = 10 ** -box.decimals() if isinstance(box, QDoubleSpinBox) else 0  # a double spin box rounds
    if abs(box.value() - value) <= rounding:
        return None
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    return f"= {shown} is outside {box.minimum():g} … {box.maximum():g}; used {box.value():g}"


def compact(combo: QComboBox, chars: int = 14) -> QComboBox:
    """A combo box whose width does not follow its longest entry (the full text is in the drop-down)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    return combo


def fit_label(plot: pg.PlotItem, axis: str, *texts: str) -> None:
    """Label ``axis`` with the longest of ``texts`` (plain text) that fits its length; refit on resize.

    A label longer than its axis would be cut off (left) or run under a neighbour (bottom)."""
    item = plot.getAxis(axis)
    first = not hasattr(item, "_advviz_labels")
    item._advviz_labels = texts  # type: ignore[attr-defined]

    def refit(*_: object) -> None:
        vertical = axis in ("left", "right")
        length = plot.vb.height() if vertical else plot.vb.width()
        metrics = QFontMetricsF(item.label.font())
        options = item._advviz_labels  # type: ignore[attr-defined]
        chosen = next((t for t in options if metrics.horizontalAdvance(t) + 8 <= length), options[-1])
        if item.labelText != chosen or not item.label.isVisible():
            plot.setLabel(axis, chosen)
        item.resizeEvent(None)  # centre the label (its font may have changed)

    if first:
        plot.vb.sigResized.connect(refit)
    item._advviz_refit = refit  # type: ignore[attr-defined]
    refit()


def refit_labels(plot: pg.PlotItem) -> None:
    """Re-choose the fitted axis labels of ``plot`` (after a font change)."""
    for axis in ("left", "bottom", "right", "top"):
        refit = getattr(plot.getAxis(axis), "_advviz_refit", None)
        if refit is not None:
            refit()


def short_class(name: str, chars: int) -> str:
    """"T-shirt/top" → "T-shirt"; longer than ``chars`` → cut with a full stop ("Pullov.")."""
    name = name.split("/")[0]
    return name if len(name) <= chars else name[: max(chars - 1, 1)] + "."


def fit_class_ticks(plot: pg.PlotItem, names: tuple[str, ...] | list[str], positions: list[float] | None = None
                    ) -> None:
    """Class names as ticks of the bottom axis, shortened until neighbours do not overlap; refit on resize."""
    fit_ticks(plot, [[short_class(name, chars) for chars in (12, 9, 7, 5, 4, 3, 2)] for name in names], positions)


def fit_ticks(plot: pg.PlotItem, choices: list[list[str]], positions: list[float] | None = None) -> None:
    """Ticks of the bottom axis, each given as texts from longest to shortest: the longest level at which
    neighbours do not overlap (the last level otherwise); refit on resize."""
    axis = plot.getAxis("bottom")
    first = not hasattr(axis, "_advviz_ticks")
    axis._advviz_ticks = (choices, positions)  # type: ignore[attr-defined]

    def refit(*_: object) -> None:
        options, where = axis._advviz_ticks  # type: ignore[attr-defined]
        where = where if where is not None else list(range(len(options)))
        (low, high), _ = plot.vb.viewRange()
        per_tick = plot.vb.width() / max((high - low), 1e-9)  # pixels between neighbouring ticks
        font = axis.style.get("tickFont")
        metrics = QFontMetricsF(font) if font is not None else QFontMetricsF(axis.font())
        levels = max((len(texts) for texts in options), default=1)
        for level in range(levels):
            texts = [tick[min(level, len(tick) - 1)] for tick in options]
            if max((metrics.horizontalAdvance(t) for t in texts), default=0) + 6 <= per_tick:
                break
        axis.setTicks([[(float(p), t) for p, t in zip(where, texts)]])

    if first:
        plot.vb.sigResized.connect(refit)
        plot.vb.sigXRangeChanged.connect(refit)
    refit()


def graphics() -> pg.GraphicsLayoutWidget:
    view = pg.GraphicsLayoutWidget()
    view.setBackground("w")
    return view


def style_plot(plot: pg.PlotItem, *, left: str = "", bottom: str = "", title: str | None = None) -> pg.PlotItem:
    add_grid(plot)
    for axis in ("bottom", "left"):
        plot.getAxis(axis).enableAutoSIPrefix(False)
    if left:
        plot.setLabel("left", left)
    if bottom:
        plot.setLabel("bottom", bottom)
    eliding_title(plot)
    if title:
        plot.setTitle(title, color="#222", size="11pt")
    plot.hideButtons()
    return plot


TITLE_MIN_CHARS = 6  # a title shrinks to about this many characters and "…"


def plots_in_steps(view: pg.GraphicsLayoutWidget, plots: list[pg.PlotItem], labels: list[dict[str, str]]
                   ) -> Iterator[None]:
    """Build steps: one plot per column of ``view``'s first row, styled with each of ``labels`` (style_plot's
    ``left``, ``bottom``, ``title``), appended to ``plots``. A PlotItem costs ~10 ms, its styling as much: a step
    each."""
    for column, label in enumerate(labels):
        plot = view.addPlot(row=0, col=column)
        yield
        plots.append(style_plot(plot, **label))
        yield


def eliding_title(plot: pg.PlotItem) -> pg.PlotItem:
    """Let ``plot``'s title end in "…" where the plot is narrower than it, instead of widening the plot.

    pyqtgraph pins a label's minimum width to its text: a long title ("mean confidence on the wrong
    answers", in a presentation's font) made its plot, and the view's layout, wider than the view, and
    the legend beside the plot ran off its right edge. The title still asks for its full width (its
    preferred size), so wherever it fits nothing changes; its full text stays in ``titleLabel.text``."""
    label = plot.titleLabel
    if getattr(label, "_advviz_eliding", False):
        return plot
    label._advviz_eliding = True  # type: ignore[attr-defined]
    label_type = type(label)
    state = {"busy": False, "natural": 0.0, "least": 0.0}

    def metrics() -> QFontMetricsF:
        font = QFont(label.item.font())
        size = str(label.opts.get("size", ""))
        if size.endswith("pt"):
            font.setPointSizeF(float(size[:-2]))
        elif size.endswith("px"):
            font.setPixelSize(max(int(round(float(size[:-2]))), 1))
        return QFontMetricsF(font)

    def update_min() -> None:
        label_type.updateMin(label)
        if not state["busy"]:  # the full text's widths (not the elided text's, shown while busy)
            fm = metrics()
            margin = 2 * label.item.document().documentMargin()
            state["natural"] = fm.horizontalAdvance(label.text) + margin
            state["least"] = min(fm.horizontalAdvance(label.text[:TITLE_MIN_CHARS] + "…") + margin,
                                 state["natural"])
        least = state["least"]
        hints = dict(label._sizeHint)
        height = hints[Qt.SizeHint.MinimumSize][1]
        hints[Qt.SizeHint.MinimumSize] = (least, height)
        hints[Qt.SizeHint.PreferredSize] = (state["natural"], height)
        label._sizeHint = hints
        label.setMinimumWidth(least)
        label.updateGeometry()

    def resize_event(event: object) -> None:
        label_type.resizeEvent(label, event)
        if state["busy"] or "<" in label.text:  # rich text is not elided
            return
        full = label.text
        width = label.width() - 2 * label.item.document().documentMargin()
        shown = full if state["natural"] <= label.width() + 0.5 else metrics().elidedText(
            full, Qt.TextElideMode.ElideRight, max(width, 1.0))
        current = label.item.toPlainText()
        if shown != current:
            state["busy"] = True
            try:
                label_type.setText(label, shown)
            finally:
                label.text = full
                state["busy"] = False
            label.setToolTip(full if shown != full else "")

    label.updateMin = update_min  # type: ignore[method-assign]
    label.resizeEvent = resize_event  # type: ignore[method-assign]
    return plot


class ImageCell(pg.GraphicsWidget):
    """An axis-free, aspect-locked image under an optional title: the parts of a ``PlotItem`` an image
    cell uses, in the same grid places (title row 0, view row 2, so a ``ColorBarItem`` can be inserted
    in it). A PlotItem also builds its context menus and axes, ~60 ms a cell: the linear explanation's
    22 cells held the window 1.5 s while it was built."""

    def __init__(self, shape: tuple[int, int] = (28, 28)) -> None:
        super().__init__()
        self.layout = QGraphicsGridLayout()
        self.layout.setContentsMargins(1, 1, 1, 1)
        self.layout.setHorizontalSpacing(0)
        self.layout.setVerticalSpacing(0)
        self.setLayout(self.layout)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)  # share the row, as plots do
        self.vb = pg.ViewBox(lockAspect=True, invertY=True, enableMouse=False, enableMenu=False)
        self.layout.addItem(self.vb, 2, 1)
        self.titleLabel = pg.LabelItem("", size="11pt", parent=self)
        self.layout.addItem(self.titleLabel, 0, 1)
        for row in range(4):
            self.layout.setRowMinimumHeight(row, 0)
            self.layout.setRowSpacing(row, 0)
        self.layout.setRowStretchFactor(2, 100)
        self.layout.setColumnStretchFactor(1, 100)
        self.setTitle(None)
        self.image = pg.ImageItem(np.zeros(shape, dtype=np.float32))
        self.vb.addItem(self.image)

    def setTitle(self, title: str | None = None, **options: object) -> None:  # noqa: N802 - PlotItem's name
        """Show ``title`` (``LabelItem.setText`` options) above the image; None hides the title row."""
        if title is None:
            self.titleLabel.setVisible(False)
            self.layout.setRowFixedHeight(0, 0)
            self.titleLabel.setMaximumHeight(0)
        else:
            self.titleLabel.setMaximumHeight(30)
            self.layout.setRowFixedHeight(0, 30)
            self.titleLabel.setVisible(True)
            self.titleLabel.setText(title, **options)


class CellGrid(pg.GraphicsWidget):
    """A grid of items for a view's layout, laid out once when the grid is: pyqtgraph's
    ``GraphicsLayout.addItem`` lays out the whole grid again after each item it adds, so the linear
    explanation's 26 images, titles and colour bars took 36 layout passes — 60–150 of the 160–280 ms
    its construction held the event loop. Same places as in the view's own layout (``addItem(item,
    row, col, rowspan, colspan)``); add the grid to the view once it is filled."""

    def __init__(self) -> None:
        super().__init__()
        self.layout = QGraphicsGridLayout()
        self.layout.setContentsMargins(0, 0, 0, 0)  # the view's layout keeps its own margins around the grid
        self.setLayout(self.layout)

    def addItem(self, item: QGraphicsItem, row: int, col: int, rowspan: int = 1,  # noqa: N802 - pyqtgraph's name
                colspan: int = 1) -> None:
        self.layout.addItem(item, row, col, rowspan, colspan)


def image_plot(view: pg.GraphicsLayoutWidget | CellGrid, row: int, col: int, title: str = "",
               shape: tuple[int, int] = (28, 28), title_size: str = "9pt") -> tuple[ImageCell, pg.ImageItem]:
    """An image cell (row 0 at the top) placed in a GraphicsLayoutWidget or a CellGrid: the cell and its image."""
    cell = ImageCell(shape)
    if title:
        cell.setTitle(title, color="#222", size=title_size)
    view.addItem(cell, row=row, col=col)
    return cell, cell.image


def to_image(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A flat (D,) or (C, H, W) array as an (H, W) image (channels: summed magnitude with sign of the mean)."""
    array = np.asarray(array, dtype=np.float32).reshape(shape)
    if shape[0] == 1:
        return array[0]
    return array.mean(axis=0)


def pct(value: float) -> str:
    return "—" if value is None or not np.isfinite(value) else f"{100 * value:.1f}%"
