"""The linearity meter: how straight are the logits along the FGSM direction, per model?

For each checked model, every logit of a batch of test images is swept along x + ε·sign(∇ₓJ) and
fitted with a straight line; the histogram shows the R² of those fits (1 = exactly linear). Softmax
regression sits at 1 (unclipped), ReLU and maxout networks close to it — the paper's "linear
enough" — while the RBF network bends far from it.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QSpinBox

from advviz.gui.explanations import LinearityState
from advviz.gui.panels.explain_common import ExplainPanel, graphics, model_color, style_plot

BINS = np.linspace(0.0, 1.0, 41)


class LinearityPanel(ExplainPanel):
    caption_text = ("<b>Linearity meter</b>: R² of a straight-line fit to each logit along x + ε·sign(∇ₓJ), "
                    "over a batch of test images — 1 means the model is exactly linear in ε (softmax), "
                    "far below 1 means it bends (RBF).")
    settingsChanged = Signal()

    def build_steps(self) -> Iterator[None]:
        """The panel's controls, then its plots a piece per step (see ExplainPanel)."""
        self.samples = QSpinBox(minimum=4, maximum=2000, singleStep=16, value=64)
        self.samples.setSuffix(" test images")
        self.samples.setKeyboardTracking(False)
        self.clip = QCheckBox("clip x̃ to [0, 1] — off here, unclipped as in the paper")
        self.clip.setToolTip("Independent of the left panel's clip: clipping bends even a linear model, so the "
                             "meter measures unclipped sweeps unless you tick this")
        self.bar.addWidget(self.samples)
        self.bar.addWidget(self.clip)
        self.bar.addStretch(1)
        self.samples.valueChanged.connect(lambda _: self.settingsChanged.emit())
        self.clip.toggled.connect(lambda _: self.settingsChanged.emit())
        yield
        self.view = graphics()
        yield
        self.plot = self.view.addPlot()  # a PlotItem: ~10 ms, its styling as much
        yield
        style_plot(self.plot, left="share of logits",
                   bottom="R² of a straight-line fit of the logit against ε (1 = linear)")
        self.legend = self.plot.addLegend(offset=(10, 10), labelTextSize="10pt", labelTextColor="#222", brush=(255, 255, 255, 220))
        self.plot.setXRange(0, 1.02, padding=0)
        self.curves: list[pg.PlotDataItem] = []
        self.body.addWidget(self.view)
        self.state: LinearityState | None = None

    def clear_results(self) -> None:
        """No histograms, and no legend naming the last models and their median R²."""
        super().clear_results()
        self.state = None
        for curve in self.curves:
            curve.setData([], [])
        self.legend.clear()
        self.legend.hide()  # an empty legend was an empty box on the plot

    def _ensure(self, names: list[str]) -> None:
        while len(self.curves) < len(names):
            index = len(self.curves)
            color = pg.mkColor(model_color(index))
            fill = pg.mkColor(color)
            fill.setAlpha(50)
            curve = pg.PlotDataItem(stepMode="center", pen=pg.mkPen(color, width=2.5), fillLevel=0, fillBrush=fill)
            self.plot.addItem(curve)
            self.curves.append(curve)
        self.legend.clear()
        self.legend.show()
        for index, curve in enumerate(self.curves):
            if index < len(names):
                self.legend.addItem(curve, names[index])

    def show_state(self, state: LinearityState) -> None:
        fresh = state is not self.state
        self.state = state
        header = state.header
        if fresh:
            self.shown.clear()
            self._ensure(header.names)
        for index, curve in enumerate(self.curves):
            r2 = state.r2.get(index)
            if r2 is None or index >= len(header.names):
                curve.setData([], [])
                continue
            values = np.clip(r2.ravel(), 0.0, 1.0)
            counts, _ = np.histogram(values, bins=BINS)
            self.shown[header.names[index]] = r2
            # the name says what an export's series is (the legend's text changes with the median)
            curve.setData(BINS, counts / max(len(values), 1),
                          name=f"{header.names[index]}: share of logits per R² bin")
            median = float(np.median(r2))
            for sample, label in self.legend.items:
                if sample.item is curve:
                    label.setText(f"{header.names[index]}: median R² = {median:.4f}")
        done = len(state.r2)
        eps = header.eps
        status = (f"{header.samples} test images × {len(eps)} values of ε in {eps[0]:+.2f}…{eps[-1]:+.2f} "
                  f"(ε max of the controls), {'clipped' if header.clip else 'unclipped'}; every logit of every image "
                  f"counts once")
        status += state.unfinished(done, len(header.names), "models")
        self.status.setText(status)
