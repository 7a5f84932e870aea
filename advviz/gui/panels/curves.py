"""Logits (or probabilities) against ε — the paper's Figure 4.

One line per class over −ε_max … +ε_max; the true class and the class predicted at the cursor are
drawn thick; red bands mark ε where the prediction differs from the clean one; a draggable line is
the ε cursor that the heatmaps follow. Items are created once and updated with ``setData``.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from advviz.gui.panels.explain_common import fit_label
from advviz.gui.panels.grid import add_grid
from advviz.gui.panels.legends import legend_at_top
from advviz.gui.state import SweepState, flip_runs, snap_to_grid
from advviz.gui.style import FLIP_BRUSH, class_color, class_label

# Qt strokes a 1-pixel antialiased line ~20× faster than a wider one (10 curves × 1,001 points:
# 2.5 ms against 49 ms at 1.6 px), so thin lines stay at 1 px and only the 2–3 thick ones pay.
THIN, THICK = 1.0, 4.5
CURSOR_KEYS = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: +1}  # on the focused plot: the ε cursor, one grid point
LEGEND_MIN_WIDTH = 215
FLIP_POINT_PEN = pg.mkPen(FLIP_BRUSH[:3] + (150,), width=3)  # a flip band of one grid point: a line at its ε
NO_PEN = pg.mkPen(None)
LONGEST_TAGS = ("clean prediction, target", "target, predicted at cursor")  # the longest tag lists


class CurvesPanel(QWidget):
    cursorMoved = Signal(float)  # while dragging
    cursorReleased = Signal(float)  # drag finished (snapped to the grid)
    modeChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # this panel's line widths: presentation mode widens the window's, not an animation's film (a GIF
        # exported while presenting changed its lines midway)
        self.thin, self.thick = THIN, THICK
        self.view = pg.GraphicsLayoutWidget()
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # ← → move the ε cursor (Shift: ten points)
        self.view.installEventFilter(self)
        self.view.setBackground("w")
        self.plot: pg.PlotItem = self.view.addPlot(row=0, col=0)
        self.grid = add_grid(self.plot)
        self.plot.setMouseEnabled(x=True, y=True)
        self.legend = legend_at_top(self.view, 0, 1, labelTextSize="10pt", labelTextColor="#222",
                                    brush=(255, 255, 255, 230), pen=(180, 180, 180))
        self.view.ci.layout.setColumnStretchFactor(0, 10)
        self.view.ci.layout.setColumnMinimumWidth(1, LEGEND_MIN_WIDTH)
        for axis in ("bottom", "left"):
            self.plot.getAxis(axis).enableAutoSIPrefix(False)
        # the logit axis may widen for longer tick labels but never narrows: a width change re-lays out
        # the plot and repaints all of it, which happened on most frames of a streaming sweep
        self.plot.getAxis("left").setStyle(autoReduceTextSpace=False)
        # While a sweep streams, the panel sets the logit range itself, growing it with headroom:
        # pyqtgraph's auto-range would rescan every curve and move the axes at each new extreme.
        self._streaming_range: tuple[object, bool, float, float] | None = None  # (state, probabilities?, low, high)
        self._auto_y = True  # the user has not zoomed or panned the logit axis since auto-range was on
        self.plot.vb.sigRangeChangedManually.connect(self._user_moved_range)
        self._set_axis_labels(probabilities=False, norm="L∞")
        self.zero = pg.InfiniteLine(0.0, angle=90, pen=pg.mkPen("#888", width=1, style=Qt.PenStyle.DashLine))
        self.plot.addItem(self.zero)
        self.cursor_line = pg.InfiniteLine(
            0.25, angle=90, movable=True, pen=pg.mkPen("#111", width=2), hoverPen=pg.mkPen("#e65100", width=3),
            label="ε = {value:+.3f}", labelOpts={"position": 0.96, "color": "#111", "fill": (255, 255, 255, 220),
                                                 "movable": False})
        self.cursor_line.setZValue(20)
        self.plot.addItem(self.cursor_line)
        self.cursor_line.sigPositionChanged.connect(lambda line: self.cursorMoved.emit(float(line.value())))
        self.cursor_line.sigPositionChangeFinished.connect(self._snap)
        self.set_range(0.5)
        self.curves: list[pg.PlotCurveItem] = []
        self._names: tuple[str, ...] = ()
        self.bands: list[pg.LinearRegionItem] = []
        self.band_labels: list[pg.TextItem] = []
        self._eps: np.ndarray | None = None
        self.chosen_eps = float(self.cursor_line.value())  # the ε the user chose: each new grid snaps from it
        self._runs: list[tuple[pg.TextItem, float]] = []
        self.band_texts: list[str] = []
        self.band_html: list[str] = []
        self.plot.vb.sigRangeChanged.connect(lambda *_: self._place_band_labels())

        self.probabilities = QCheckBox("Show softmax probabilities instead of logits")
        self.probabilities.toggled.connect(lambda _: self.modeChanged.emit())
        self.summary = QLabel("Pick a sample to see its logits as ε grows.")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.probabilities)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)

    # -- structure ----------------------------------------------------------------------------
    def _set_axis_labels(self, *, probabilities: bool, norm: str, attack: str = "fgsm") -> None:
        """The axis labels; the ε label shortens on a narrow plot rather than run under the legend."""
        if (probabilities, norm, attack) == getattr(self, "_labels_for", None):
            return
        self._labels_for = (probabilities, norm, attack)
        negative = negative_eps_meaning(attack)
        if norm == "L2":
            fit_label(self.plot, "bottom", f"ε  (‖η‖₂; {negative})", "ε  (‖η‖₂)", "ε")
        else:
            fit_label(self.plot, "bottom", f"ε  (pixel units, inputs in [0, 1]; {negative})",
                      f"ε  (pixel units; {negative})", "ε  (pixel units)", "ε")
        self.plot.setLabel("left", "softmax probability" if probabilities else "logit")

    def set_classes(self, names: tuple[str, ...]) -> None:
        """(Re)create one line per class; called when the number of classes changes."""
        if tuple(names) == self._names:  # show_state's legend texts (with tags) stay as they are
            return
        self._names = tuple(names)
        if len(self.curves) == len(names):
            for (_, label), name in zip(self.legend.items, names):
                label.setText(name)
        else:
            for curve in self.curves:
                self.plot.removeItem(curve)
            self.legend.clear()
            self.curves = []
            for index, name in enumerate(names):
                # a bare curve item: PlotDataItem's data pipeline cost 3× its setData, 10× per frame
                curve = pg.PlotCurveItem(pen=pg.mkPen(class_color(index), width=self.thin))
                self.plot.addItem(curve)
                self.legend.addItem(curve, name)
                self.curves.append(curve)
        self.reserve_legend_width()

    def restyled(self) -> None:
        """Its texts changed size (presentation mode): the legend's column again."""
        self.reserve_legend_width()

    def reserve_legend_width(self) -> None:
        """Give the legend's column the width of the longest text a label can get ("(true)",
        "(predicted at cursor)"…), measured on the legend itself: a legend that widened or narrowed as
        the tags moved re-laid out the plot and repainted all of it on every such frame."""
        labels = [label for _, label in self.legend.items]
        widest = 0.0
        for tags in LONGEST_TAGS:
            for label, name in zip(labels, self._names):
                label.setText(f"<b>{name}  ({tags})</b>")
            self.legend.layout.activate()
            widest = max(widest, self.legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize).width())
        for label, name in zip(labels, self._names):
            label.setText(name)
        self.view.ci.layout.setColumnMinimumWidth(1, max(LEGEND_MIN_WIDTH, widest))

    def set_range(self, eps_max: float) -> None:
        self.cursor_line.setBounds((-eps_max, eps_max))
        self.plot.setXRange(-eps_max, eps_max, padding=0.02)

    def cursor_value(self) -> float:
        return float(self.cursor_line.value())

    def set_cursor(self, value: float) -> None:
        self.chosen_eps = value
        self.cursor_line.setValue(value)

    def place_cursor(self, chosen: float, grid: np.ndarray) -> None:
        """The cursor at the ``grid`` ε nearest to ``chosen``, which is remembered: the next grid (other ε steps)
        snaps from the ε chosen, not from this grid's point (ε steps 101 → 51 → 101 moved 0.25 to 0.26,
        and on to 0.2875, the transfer matrix and the explanations following)."""
        self.cursor_line.setValue(snap_to_grid(chosen, grid))
        self.chosen_eps = chosen

    def step_cursor(self, steps: int) -> None:
        """Move the ε cursor ``steps`` points along the sweep's grid (← → on the plot; + − in presentation)."""
        eps = self._eps
        if eps is None or len(eps) < 2:
            return
        index = int(np.abs(eps - self.cursor_value()).argmin()) + steps
        value = float(eps[min(max(index, 0), len(eps) - 1)])
        self.set_cursor(value)
        self.cursorReleased.emit(value)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.view and event.type() == QEvent.Type.KeyPress and event.key() in CURSOR_KEYS:
            self.step_cursor(CURSOR_KEYS[event.key()] * (10 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier
                                                          else 1))
            return True
        return super().eventFilter(watched, event)

    def _snap(self, line: pg.InfiniteLine) -> None:
        value = float(line.value())
        if self._eps is not None and len(self._eps):
            value = float(self._eps[np.abs(self._eps - value).argmin()])
            line.blockSignals(True)
            line.setValue(value)
            line.blockSignals(False)
            # the blocked signal also updates the line's label: it kept the unsnapped ε (+0.137 beside
            # heatmaps at +0.140)
            line.label.valueChanged()
        self.chosen_eps = value
        self.cursorReleased.emit(value)

    def clear(self, message: str) -> None:
        for index, curve in enumerate(self.curves):
            curve.setData([], [])
            if getattr(curve, "_advviz_look", None) not in (None, (self.thin, Qt.PenStyle.SolidLine)):
                # the legend draws each class's line as its pen: no class stays highlighted
                curve.setPen(pg.mkPen(class_color(index), width=self.thin))
                curve.setZValue(1)
                curve._advviz_look = (self.thin, Qt.PenStyle.SolidLine)
        for (_, label), name in zip(self.legend.items, self._names):  # no "(true)" of the last sample
            if label.text != name:
                label.setText(name)
        for band in self.bands:
            band.hide()
        for label in self.band_labels:
            label.hide()
        self.summary.setText(message)

    # -- drawing --------------------------------------------------------------------------------
    def show_state(self, state: SweepState, cursor_index: int) -> None:
        header = state.header
        self.set_classes(header.class_names)
        self._eps = state.eps
        probs = self.probabilities.isChecked()
        self._set_axis_labels(probabilities=probs, norm=header.attack.norm, attack=header.attack.key)
        if state.logits is None or state.eps is None:
            return
        values = state.probabilities() if probs else state.logits
        filled = state.filled
        at_cursor = state.prediction_at(min(cursor_index, filled - 1)) if filled else None
        predicted = at_cursor[0] if at_cursor else None
        names = header.class_names
        for index, curve in enumerate(self.curves):
            wide = index in (header.label, predicted, header.target)
            style = Qt.PenStyle.DashLine if header.target == index and index != header.label else Qt.PenStyle.SolidLine
            look = (self.thick if wide else self.thin, style)
            if getattr(curve, "_advviz_look", None) != look:  # a new pen repaints: only when it changes
                curve.setPen(pg.mkPen(class_color(index), width=look[0], style=style))
                curve.setZValue(10 if wide else 1)
                curve._advviz_look = look
            curve.opts["antialias"] = state.complete or not wide  # antialiased thick lines cost 6× while streaming
            curve.setData(state.eps[:filled], values[:filled, index])
        self._follow_range(state, values[:filled])
        for (_, label), index in zip(self.legend.items, range(len(names))):
            tags = []
            if index == header.label:
                tags.append("true" if header.label_known else "clean prediction")
            if index == header.target:
                tags.append("target")
            if index == predicted and index != header.label:
                tags.append("predicted at cursor")
            text = class_label(names, index) + (f"  ({', '.join(tags)})" if tags else "")
            html = f"<b>{text}</b>" if tags else text
            if label.text != html:  # LabelItem.setText re-lays out the legend: skip when unchanged
                label.setText(html)
        self._draw_bands(state, cursor_index)
        self.summary.setText(summary_html(state, cursor_index))
        # apply a new range's transform now: pyqtgraph defers it to the paint, where moving every item
        # marks the plot dirty again and Qt paints it a second time
        self.plot.vb.prepareForPaint()

    def _user_moved_range(self, *_: object) -> None:
        """A drag or wheel: the logit range is the user's from now on — unless only ε moved (pyqtgraph
        says which axes may move, not which did)."""
        low, high = self.plot.vb.viewRange()[1]
        current = self._streaming_range
        if current is not None and np.isclose(low, current[2]) and np.isclose(high, current[3]):
            return
        self._auto_y = False
        self._streaming_range = None

    def _follow_range(self, state: SweepState, shown: np.ndarray) -> None:
        """While streaming, grow the logit range by a quarter span past each new extreme (a handful of
        axis changes per sweep); when the sweep completes, hand back to pyqtgraph's exact auto-range.
        A range the user zoomed or panned to is left alone (until the auto-range button is used)."""
        view = self.plot.vb
        if view.autoRangeEnabled()[1]:
            self._auto_y = True
        if not self._auto_y:
            return
        finite = shown[np.isfinite(shown)]
        if state.complete or not finite.size:
            self._streaming_range = None
            if not view.autoRangeEnabled()[1]:
                view.enableAutoRange(y=True)
            return
        low, high = float(finite.min()), float(finite.max())
        current = self._streaming_range
        quantity = self.probabilities.isChecked()  # logits and probabilities need their own ranges
        if current is not None and current[0] is state and current[1] == quantity:
            if current[2] <= low and high <= current[3]:
                return
            low, high = min(low, current[2]), max(high, current[3])
        headroom = 0.25 * max(high - low, 1e-3)
        self._streaming_range = (state, quantity, low - headroom, high + headroom)
        view.disableAutoRange(axis=pg.ViewBox.YAxis)
        view.setYRange(low - headroom, high + headroom, padding=0)

    def _draw_bands(self, state: SweepState, cursor_index: int) -> None:
        """Shade each run of ε where the class differs from the clean one; label the run, at its end
        nearest ε = 0, with the classes it passes through from there outwards (the one at the cursor in
        bold when the cursor is inside), e.g. "→ 5 → 3"."""
        bands = state.bands()
        runs = flip_runs(bands)
        while len(self.bands) < len(bands):
            region = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(*FLIP_BRUSH), pen=NO_PEN)
            region.setZValue(-10)
            self.plot.addItem(region)
            self.bands.append(region)
        while len(self.band_labels) < len(runs):
            label = pg.TextItem(color="#b71c1c", fill=(255, 255, 255, 200))
            label.setZValue(15)
            self.plot.addItem(label, ignoreBounds=True)
            self.band_labels.append(label)
        for index, region in enumerate(self.bands):
            if index < len(bands):
                band = bands[index]
                region.setRegion((band.start, band.stop))
                # one grid point alone, beside clean ones: a band of no width, drawn as a line at that ε
                edge = FLIP_POINT_PEN if band.stop - band.start <= 1e-9 else NO_PEN
                if getattr(region, "_advviz_edge", None) is not edge:
                    for line in region.lines:
                        line.setPen(edge)
                    region._advviz_edge = edge
                region.show()
            else:
                region.hide()
        cursor = float(state.eps[cursor_index]) if state.eps is not None and state.filled else None
        names = state.header.class_names
        span = float(state.eps[-1]) - float(state.eps[0]) if state.eps is not None and len(state.eps) > 1 else 1.0
        step = span / (len(state.eps) - 1) if state.eps is not None and len(state.eps) > 1 else 1.0
        ends = (float(state.eps[0]), float(state.eps[-1])) if state.eps is not None and len(state.eps) else (0.0, 0.0)
        self._runs = []
        self.band_texts = []  # each run's classes, from ε = 0 outwards (for tests and export)
        self.band_html = []  # what each run's label shows
        for index, label in enumerate(self.band_labels):
            if index >= len(runs):
                label.hide()
                continue
            run = runs[index]
            low, high = min(b.start for b in run), max(b.stop for b in run)
            classes: list[tuple[int, bool]] = []  # (class, cursor inside its band)
            for band in run:
                inside = cursor is not None and band.start <= cursor <= band.stop
                if classes and classes[-1][0] == band.predicted:
                    classes[-1] = (band.predicted, classes[-1][1] or inside)
                else:
                    classes.append((band.predicted, inside))
            shown = classes[:3]
            parts = [f"<b>{class_label(names, c)}</b>" if inside and len(classes) > 1 else class_label(names, c)
                     for c, inside in shown]
            text = "→ " + " → ".join(parts) + (" → …" if len(classes) > len(shown) else "")
            if getattr(label, "_advviz_text", None) != text:  # setHtml re-lays out the text: only on change
                label.setHtml(f"<span style='color:#b71c1c'>{text}</span>")
                label._advviz_text = text
            self.band_html.append(text)
            self.band_texts.append("→ " + " → ".join(class_label(names, c) for c, _ in classes))
            negative = high <= 1e-9
            # at the run's end nearest ε = 0, running outwards: inwards where that end is the grid's (a run of
            # the last grid point alone, on a coarse grid)
            at = high if negative else low
            outwards = not (abs(at - ends[0 if negative else 1]) <= 1e-6 * max(1.0, abs(at)))
            label.setAnchor((1.0, 1.0) if negative == outwards else (0.0, 1.0))
            self._runs.append((label, at))
            label.setVisible(sum(band.points for band in run) * step > 0.03 * span)
        self._place_band_labels()

    def _place_band_labels(self) -> None:
        """Keep the run labels at the bottom of the visible plot (the ε cursor's label is at the top)."""
        (_, _), (bottom, top) = self.plot.vb.viewRange()
        for label, x in getattr(self, "_runs", []):
            label.setPos(x, bottom + 0.02 * (top - bottom))


# What ε < 0 does, per attack (keys of :data:`~advviz.gui.jobs.ATTACK_CHOICES`): (the ε axis's phrase, the summary's
# "flips … only <this>"). A directional attack moves along −d; an iterative one is run mirrored (core.sweep's
# _iterative_chunks): targeted at the label, it descends the loss J(θ, x, y).
NEGATIVE_EPS = {
    "fgsm": ("negative ε moves against the gradient", "against the gradient"),
    "fgm-l2": ("negative ε moves against the gradient", "against the gradient"),
    # η = −ε·sign(∇ₓJ(θ, x, t)): ε > 0 descends the target's loss, ε < 0 climbs it
    "fgsm-targeted": ("negative ε climbs the target's loss", "climbing the target's loss"),
    "random-sign": ("negative ε takes the opposite random signs", "with the opposite random signs"),
    "bim": ("negative ε descends the loss (the attack mirrored)", "descending the loss (the attack mirrored)"),
    "pgd": ("negative ε descends the loss (the attack mirrored)", "descending the loss (the attack mirrored)"),
}


def negative_eps_meaning(attack: str) -> str:
    """What the ε axis's negative half is for ``attack`` (a key of :data:`~advviz.gui.jobs.ATTACK_TITLES`): the
    random-sign baseline takes no gradient, its η = ε·s steps along the opposite random signs; targeted FGSM's
    η = −ε·sign(∇ₓJ(θ, x, t)) climbs the target's loss at ε < 0; BIM and PGD run mirrored, descending the loss."""
    return NEGATIVE_EPS.get(attack, NEGATIVE_EPS["fgsm"])[0]


def negative_eps_side(attack: str) -> str:
    """The summary's words for the negative half ("flips to 5 only against the gradient, at ε = −0.2")."""
    return NEGATIVE_EPS.get(attack, NEGATIVE_EPS["fgsm"])[1]


def summary_html(state: SweepState, cursor_index: int) -> str:
    """The rich-text line above the curves (names escaped: a model or class may be called "<b>")."""
    header = state.header

    def label(index: int) -> str:
        return html.escape(class_label(header.class_names, index))

    clean, confidence = state.clean()
    truth = (f"true class <b>{label(header.label)}</b>" if header.label_known
             else "label unknown (attacking the clean prediction)")
    parts = [f"<b>{html.escape(header.model_name)}</b> · {html.escape(header.attack.title_for(header.class_names))}", truth,
             f"clean prediction <b>{label(clean)}</b> ({confidence:.1%})"]
    up, down = state.flip_eps()
    if state.filled:
        if up is not None:
            flipped = state.logits[state.index_of(up)].argmax()  # type: ignore[index]
            parts.append(f"<span style='color:#c62828'>flips to <b>{label(int(flipped))}</b> "
                         f"at ε = {up:+.3f}</span>")
        elif state.complete:
            parts.append(f"no flip for 0 &lt; ε ≤ {header.eps_max:g}")
        if down is not None:  # the negative half (NEGATIVE_EPS: against the gradient…) flips it too
            other = label(int(state.logits[state.index_of(down)].argmax()))  # type: ignore[index]
            against = negative_eps_side(header.attack.key)
            parts.append(f"(and to <b>{other}</b> at ε = {down:+.3f})" if up is not None
                         else f"flips to <b>{other}</b> only {against}, at ε = {down:+.3f}")
        target = header.target
        if target is not None and target != clean:
            reached = state.first_eps_predicting(target)
            if reached is not None:
                parts.append(f"<span style='color:#c62828'>reaches target <b>{label(target)}</b> "
                             f"at ε = {reached:+.3f}</span>")
            elif state.complete:
                parts.append(f"does not reach target {label(target)} for ε ≤ {header.eps_max:g}")
    if state.zero_gradient_fraction > 0.5:
        parts.append("<span style='color:#b26a00'>the gradient is zero here: sign(0) = 0 does not move</span>")
    return " · ".join(parts)
