"""Robustness curves (paper §4–§6 metrics): error rate and confidence on wrong answers against ε.

Every checked model on one plot, one colour each: FGSM solid, the random-sign baseline (same ‖η‖∞,
random signs) dashed. The gap between the two is the point: the *direction* of the gradient matters,
not the size of the noise.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QGraphicsItem, QSpinBox

from advviz.gui.explanations import ROBUSTNESS_ATTACKS, RobustnessState
from advviz.gui.panels.explain_common import ExplainPanel, graphics, model_color, plots_in_steps
from advviz.gui.panels.legends import legend_at_top
from advviz.gui.style import short_names

STYLES = {"fgsm": Qt.PenStyle.SolidLine, "random-sign": Qt.PenStyle.DashLine}
METRIC_TITLES = {"error": "error rate", "confidence": "mean confidence on the wrong answers"}  # what each plot shows


class RobustnessPanel(ExplainPanel):
    caption_text = ("<b>Robustness curves</b>: error rate (left) and mean confidence on the wrong answers (right) "
                    "as ε grows, for every checked model — FGSM solid, random-sign noise of the same size dashed.")
    settingsChanged = Signal()

    def build_steps(self) -> Iterator[None]:
        """The panel's controls, then its plots a piece per step (see ExplainPanel)."""
        self.samples = QSpinBox(minimum=10, maximum=2000, singleStep=100, value=500)
        self.samples.setSuffix(" test images")
        self.samples.setKeyboardTracking(False)
        self.points = QSpinBox(minimum=3, maximum=51, value=11)
        self.points.setSuffix(" values of ε (0 … ε max)")
        self.points.setKeyboardTracking(False)
        for box in (self.samples, self.points):
            box.valueChanged.connect(lambda _: self.settingsChanged.emit())
            self.bar.addWidget(box)
        self.bar.addStretch(1)
        yield
        self.view = graphics()
        yield
        plots: list[pg.PlotItem] = []
        yield from plots_in_steps(self.view, plots, [
            dict(left="error rate", bottom="ε (pixel units)", title="error rate on x + η"),
            dict(left="mean confidence", bottom="ε (pixel units)", title="mean confidence on the wrong answers")])
        self.error_plot, self.confidence_plot = plots
        for plot in (self.error_plot, self.confidence_plot):
            plot.setYRange(0, 1.02, padding=0)
        self.legend = legend_at_top(self.view, 0, 2, labelTextSize="10pt", labelTextColor="#222",
                                    brush=(255, 255, 255, 230), pen=(180, 180, 180))
        self.legend.hide()  # until the first job names its models
        # the legend's line-style rows: never drawn on a plot
        self._style_samples = {attack: pg.PlotDataItem(pen=pg.mkPen("#555", width=2.5, style=STYLES[attack]))
                               for attack, _ in ROBUSTNESS_ATTACKS}
        self.curves: dict[tuple[int, str, str], pg.PlotCurveItem] = {}
        # FGSM's measured points, every model's in one item per plot: a PlotDataItem with symbols per
        # curve cost ~5 ms to create, 16 of them a 60 ms stall when the first result arrived
        self.fgsm_points = {metric: pg.ScatterPlotItem(size=6, pen=None) for metric in ("error", "confidence")}
        self.error_plot.addItem(self.fgsm_points["error"])
        self.confidence_plot.addItem(self.fgsm_points["confidence"])
        self.body.addWidget(self.view)
        self.state: RobustnessState | None = None
        self._legend_names: tuple[str, ...] = ()
        self._brushes: dict[int, QBrush] = {}
        self._ranged: dict[str, RobustnessState] = {}  # the state each plot's ε range was set for
        self._drawn: dict[tuple[int, str, str], tuple[RobustnessState, int]] = {}  # each curve's state and points

    def clear_results(self) -> None:
        """No curves or points, and no legend of the last models."""
        super().clear_results()
        self.state = None
        for curve in self.curves.values():
            curve.setData([], [])
        for points in self.fgsm_points.values():
            points.setData([], [])
        self._drawn.clear()
        self._legend_names = ()
        self.legend.clear()
        self.legend.hide()  # an empty legend was an empty framed box beside the plots

    def _curve(self, index: int, attack: str, metric: str) -> pg.PlotCurveItem:
        key = (index, attack, metric)
        if key not in self.curves:
            curve = pg.PlotCurveItem(pen=pg.mkPen(model_color(index), width=2.5, style=STYLES[attack]))
            # each step changes one model's curve: the others are copied from their cache, not stroked
            # again (16 antialiased 2.5 px curves took 20–45 ms a paint)
            curve.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            (self.error_plot if metric == "error" else self.confidence_plot).addItem(curve)
            self.curves[key] = curve
        return self.curves[key]

    def _after_fresh(self, state: RobustnessState, legend_changed: bool) -> None:
        """A new job's second plot, then (a turn later: 10–20 ms to rebuild) its legend."""
        if self.state is state:
            self._show_metric(state, "confidence")
        if legend_changed:
            QTimer.singleShot(1, self, lambda names=self._legend_names: self._fill_legend(names))

    def _fill_legend(self, names: tuple[str, ...]) -> None:
        """One row per model (its colour, its short name), then one per attack (its line style): a row per
        (model, attack) pair made the legend as wide as the two plots at 1024 pixels."""
        if names != self._legend_names:  # the models changed again meanwhile: that call fills it
            return
        self.legend.show()
        texts = short_names(list(names))
        if len(self.legend.items) == len(texts) + len(ROBUSTNESS_ATTACKS):  # as many models: relabel in place
            for (_, label), text in zip(self.legend.items, texts):
                label.setText(text)
            return
        self.legend.clear()
        for index, text in enumerate(texts):
            self.legend.addItem(self._curve(index, "fgsm", "error"), text)
        for attack, title in ROBUSTNESS_ATTACKS:
            self.legend.addItem(self._style_samples[attack], title)

    def _show_metric(self, state: RobustnessState, metric: str) -> None:
        """One plot (``metric`` "error" or "confidence"): every model's two curves and FGSM's points."""
        eps = np.asarray(state.header.eps)
        values = state.error if metric == "error" else state.confidence
        plot = self.error_plot if metric == "error" else self.confidence_plot
        if self._ranged.get(metric) is not state:
            self._ranged[metric] = state
            plot.setXRange(float(eps[0]), float(eps[-1]), padding=0.02)
        for index, name in enumerate(state.header.names):
            for a, (attack, title) in enumerate(ROBUSTNESS_ATTACKS):
                row = values[index, a]
                # the points computed so far; a NaN confidence among them (no wrong answer to average
                # over) is a gap in the curve, not a point at 0
                done = np.isfinite(state.error[index, a])
                key = (index, attack, metric)
                if self._drawn.get(key) != (state, int(done.sum())):  # a curve that did not change keeps its cache
                    self._drawn[key] = (state, int(done.sum()))
                    # named for the export: model, attack and plot (a curve is reused by the next model list)
                    self._curve(index, attack, metric).setData(
                        eps[done], row[done], connect="finite", name=f"{name}, {title}: {METRIC_TITLES[metric]} per ε")
        rows = values[:, [key for key, _ in ROBUSTNESS_ATTACKS].index("fgsm")]  # (models, ε)
        models, columns = np.nonzero(np.isfinite(rows))
        self.fgsm_points[metric].setData(eps[columns], rows[models, columns],
                                         brush=[self._brush(int(index)) for index in models])
        plot.vb.prepareForPaint()  # a new range's transform now, not during the paint (a second repaint)

    def _brush(self, index: int) -> QBrush:
        if index not in self._brushes:
            self._brushes[index] = pg.mkBrush(model_color(index))
        return self._brushes[index]

    def show_state(self, state: RobustnessState) -> None:
        fresh = state is not self.state
        self.state = state
        header = state.header
        if fresh:
            self.shown.clear()
            for curve in self.curves.values():
                curve.setData([], [])
            legend_changed = tuple(header.names) != self._legend_names
            self._legend_names = tuple(header.names)
        for index, name in enumerate(header.names):
            for a, (attack, _) in enumerate(ROBUSTNESS_ATTACKS):
                self.shown[f"{name}/{attack}/error"] = state.error[index, a]
                self.shown[f"{name}/{attack}/confidence"] = state.confidence[index, a]
        self._show_metric(state, "error")
        if fresh:  # a new range on both plots: the second plot's repaint in the next turn, not this one
            QTimer.singleShot(1, self, lambda: self._after_fresh(state, legend_changed))
        else:
            self._show_metric(state, "confidence")
        eps = np.asarray(header.eps)
        done = int(np.isfinite(state.error).sum())
        total = state.error.size
        text = (f"{header.samples} test images · ε from 0 to {eps[-1]:.3f} · "
                f"{'clipped to [0, 1]' if header.clip else 'unclipped'}")
        text += state.unfinished(done, total, "points")
        self.status.setText(text)
