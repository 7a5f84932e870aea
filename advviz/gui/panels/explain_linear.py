"""The linear explanation (paper §3): softmax regression exactly, any other model by its linearization.

Top: each class's pixel-space weight image w_c and sign(w_c), with x and the perturbation η beside
them. Bottom left: per class, the logit change predicted by linearity, ε·w_cᵀsign(∇ₓJ), next to the
measured change, inside the grey bound ±ε‖w_c‖₁. Bottom right: the true class's logit change when
the attack may change only n of the D input dimensions — a straight line in n: many small changes
add up in high dimension. The slider picks n; the η image shows that restricted perturbation.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QSizePolicy, QSlider

from advviz.gui.explanations import LinearState
from advviz.gui.panels.colour_bar import ColourBar
from advviz.gui.panels.explain_common import (
    DIVERGING, GREY, CellGrid, ExplainPanel, compact, fit_class_ticks, fit_label, graphics, image_plot, short_class,
    style_plot, to_image,
)
from advviz.gui.panels.legends import fit_legend_columns
from advviz.gui.style import class_label

MODES = (("pixels", "n random pixels", "η = ε·sign(∇ₓJ) on n pixels drawn at random, 0 on the others"),
         ("blocks", "k×k blocks", "∇ₓJ averaged over k×k blocks (n = k² dimensions), η = ε·sign of that: one value "
                                  "per block, as if the image had k×k pixels"))
# the dashed line's legend per mode: the largest change any η of that freedom can make (advviz.core.dimension)
DIM_LABELS = ("change of the true class's logit", "Δ logit (true class)", "Δ logit")  # before a class is known
BOUND_NAMES = {"pixels": "−ε·Σ|w| over the n pixels", "blocks": "−ε·Σ|Σw| over the n blocks"}


def legend_under_title(plot: pg.PlotItem, legend: pg.LegendItem) -> None:
    """Put ``legend`` between ``plot``'s title and its view, in the place of its (hidden) top axis. Below the
    plot, the legend saying which bar is predicted, measured and the bound sat under the visible area at
    1280 × 800 and 1024 × 768 (the panel's body scrolls there, its plots ~130 px tall)."""
    top = plot.getAxis("top")
    plot.layout.removeItem(top)
    top.hide()
    plot.layout.addItem(legend, 1, 1)
    plot.layout.setAlignment(legend, Qt.AlignmentFlag.AlignHCenter)
    # its width follows the plot's (fit_legend_columns picks the columns), never the other way round: a
    # legend laid out in three columns at first kept the plot, and the view's layout, wider than the view
    legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    legend.setMinimumWidth(0)  # set, not hinted by its entries


class LinearPanel(ExplainPanel):
    caption_text = ("<b>Linear explanation</b>: an L∞ step of ε per pixel moves logit c of a linear model by "
                    "ε·w<sub>c</sub>ᵀsign(∇ₓJ) — up to ε‖w<sub>c</sub>‖₁, which grows with the number of pixels.")
    settingsChanged = Signal()
    min_body_height = 470  # weight images (≥ 170 px) above the two plots (≥ 290 px); scrolls below that

    def build_steps(self) -> Iterator[None]:
        """The controls; the image cells, six at a time; each colour bar; each plot and its legend."""
        self.state: LinearState | None = None
        self.clip = QCheckBox("clip x̃ (off: as in the paper)")
        self.clip.setToolTip("Clip x̃ to the valid pixel range [0, 1]. The paper does not: unclipped, the "
                             "predicted and measured changes agree exactly for a linear model.")
        self.mode = compact(QComboBox(), 12)
        for key, title, tooltip in MODES:
            self.mode.addItem(title, key)
            self.mode.setItemData(self.mode.count() - 1, tooltip, Qt.ItemDataRole.ToolTipRole)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider_label = QLabel("n = —")
        self.slider_label.setMinimumWidth(120)
        self.slider.setMinimumWidth(80)
        self.bar.addWidget(self.clip)
        self.bar.addWidget(QLabel("free dimensions:"))
        self.bar.addWidget(self.mode)
        self.bar.addWidget(self.slider, 1)
        self.bar.addWidget(self.slider_label)
        self.clip.toggled.connect(lambda _: self.settingsChanged.emit())
        self.mode.currentIndexChanged.connect(lambda _: self.settingsChanged.emit())
        self.slider.valueChanged.connect(lambda _: self.redraw())

        self.images = graphics()
        grid = CellGrid()  # filled first, then laid out once (not once per cell)
        self.row_titles = [pg.LabelItem("w<sub>c</sub>", color="#222", size="10pt", angle=-90),
                           pg.LabelItem("sign(w<sub>c</sub>)", color="#222", size="10pt", angle=-90)]
        for row, label in enumerate(self.row_titles):
            grid.addItem(label, row, 0)
        yield
        self.weight_cells, self.sign_cells = [], []
        for c in range(10):  # ~2 ms a cell
            self.weight_cells.append(image_plot(grid, 0, 1 + c, str(c)))
            self.sign_cells.append(image_plot(grid, 1, 1 + c, " "))  # a blank title: same size
            if c % 3 == 2:
                yield
        self.x_cell = image_plot(grid, 0, 11, "x")
        self.eta_cell = image_plot(grid, 1, 11, "η")
        yield
        self.weight_bar = ColourBar(values=(-1, 1), colour_map=DIVERGING, width=10, label="w (per pixel unit)")
        grid.addItem(self.weight_bar, 0, 12, 2)
        self.eta_bar = ColourBar(values=(-1, 1), colour_map=DIVERGING, width=10, label="η (pixel units)")
        grid.addItem(self.eta_bar, 0, 13, 2)
        yield
        self.images.addItem(grid)
        for _, image in self.weight_cells + self.sign_cells + [self.eta_cell]:
            image.setColorMap(DIVERGING)
        self.x_cell[1].setColorMap(GREY)

        self.images.setMinimumHeight(170)
        self.plots = graphics()
        self.plots.setMinimumHeight(290)
        yield
        self.bars = self.plots.addPlot(row=0, col=0)  # a PlotItem: ~10 ms, its styling as much again
        yield
        style_plot(self.bars, left="logit change", bottom="class", title="logit change under FGSM, per class")
        self.bound_bars = pg.BarGraphItem(x=[], height=[], width=0.8, brush=(200, 200, 200, 140),
                                          pen=pg.mkPen(None))
        self.predicted_bars = pg.BarGraphItem(x=[], height=[], width=0.34, brush="#1f77b4", pen=pg.mkPen(None))
        self.measured_bars = pg.BarGraphItem(x=[], height=[], width=0.34, brush="#ff7f0e", pen=pg.mkPen(None))
        for item in (self.bound_bars, self.predicted_bars, self.measured_bars):
            self.bars.addItem(item)
        bars_legend = legend = pg.LegendItem(labelTextSize="9pt", labelTextColor="#222", colCount=3)
        legend_under_title(self.bars, legend)
        legend.addItem(self.predicted_bars, "predicted ε·w<sub>c</sub>ᵀsign(∇ₓJ)")
        legend.addItem(self.measured_bars, "measured logit(x̃) − logit(x)")
        legend.addItem(self.bound_bars, "bound ±ε‖w<sub>c</sub>‖₁")
        yield

        self.dims = self.plots.addPlot(row=0, col=1)
        yield
        style_plot(self.dims, left=DIM_LABELS[0],
                   bottom="n = input dimensions the attack may change", title="many small changes add up")
        self.dim_bound = pg.PlotDataItem(pen=pg.mkPen("#9e9e9e", width=2, style=Qt.PenStyle.DashLine))
        self.dim_predicted = pg.PlotDataItem(pen=pg.mkPen("#1f77b4", width=2))
        self.dim_measured = pg.PlotDataItem(pen=None, symbol="o", symbolSize=7, symbolBrush="#ff7f0e",
                                            symbolPen=None)
        self.dim_cursor = pg.InfiniteLine(0, angle=90, pen=pg.mkPen("#111", width=1.5))
        legend = pg.LegendItem(labelTextSize="9pt", labelTextColor="#222", colCount=3)
        legend_under_title(self.dims, legend)
        for item, name in ((self.dim_measured, "measured"), (self.dim_predicted, "predicted (linear)"),
                           (self.dim_bound, BOUND_NAMES["pixels"])):
            self.dims.addItem(item)
            legend.addItem(item, name)
        self.dims.addItem(self.dim_cursor)
        self.dim_bound_name = legend.getLabel(self.dim_bound)
        yield
        self.plots.ci.layout.setColumnStretchFactor(0, 1)
        self.plots.ci.layout.setColumnStretchFactor(1, 1)
        for plot, plot_legend in ((self.bars, bars_legend), (self.dims, legend)):
            fit_legend_columns(plot, plot_legend, share=0.5, most=3)
        self.body.addWidget(self.images, 4)
        self.body.addWidget(self.plots, 5)

    @property
    def mode_key(self) -> str:
        return str(self.mode.currentData())

    # -- export -----------------------------------------------------------------------------------
    def export_views(self) -> list[pg.GraphicsLayoutWidget]:
        """The panel's two pyqtgraph views, top to bottom: the weight images, then the plots."""
        return [self.images, self.plots]

    def export_data(self) -> dict[str, np.ndarray]:
        """The numbers the panel shows (empty until the explanation arrived).

        Per class c (K,): ``predicted`` = ε·w_cᵀsign(∇ₓJ) (w_cᵀη before any clip), ``measured`` =
        logit_c(x̃) − logit_c(x), ``bound`` = ε‖w_c‖₁, and ``wx`` = w_cᵀx. Images (C, H, W): ``weights``
        (K, C, H, W) the pixel-space w_c (sign(w_c) is their sign), ``x``, ``eta_fgsm`` = x̃ − x of the
        bars, and ``eta``: the η image, the attack with ``eta_n`` free input dimensions (the slider).
        The dimension plot, for the true class ``label``: ``dim_counts`` (n), ``dim_measured``,
        ``dim_predicted`` and ``dim_bound`` = ε·Σ|w| over the n dimensions (drawn negated; NaN where
        the model has none)."""
        state = self.state
        if state is None or state.explanation is None:
            return {}
        header, explanation = state.header, state.explanation
        weights = np.asarray(explanation.weights, dtype=np.float32)
        x = np.asarray(header.x, dtype=np.float32)
        data: dict[str, np.ndarray] = {
            "class_names": np.array(header.class_names),
            "predicted": np.asarray(explanation.predicted[0], dtype=np.float32),
            "measured": np.asarray(explanation.measured[0], dtype=np.float32),
            "bound": np.asarray(explanation.bound, dtype=np.float32),
            "wx": weights @ x.ravel(),
            "model": np.array(header.model_name),
            "local": np.array(header.local),
            "label": np.array(header.label),
            "eps": np.array(header.eps, dtype=np.float32),
            "clip": np.array(header.clip),
            "precision": np.array(header.precision),  # of the forwards that measured the change (w_c: float32)
            "mode": np.array(header.mode),
            "weights": weights.reshape(len(weights), *header.image_shape),
            "x": x,
            "eta_fgsm": np.asarray(explanation.eta[0], dtype=np.float32).reshape(header.image_shape),
        }
        if state.points:
            point = state.points[min(self.slider.value(), len(state.points) - 1)]
            data.update(eta=(header.eps * np.asarray(point.direction[0], dtype=np.float32)),
                        eta_n=np.array(point.n), dim_counts=state.counts(),
                        **{f"dim_{name}": state.series(name, header.label)
                           for name in ("measured", "predicted", "bound")})
        return data

    def clear_results(self) -> None:
        """No explanation: no w_c, sign(w_c), x or η image, no bars or lines, the slider at "n = —"."""
        super().clear_results()
        self.state = None
        for c, ((cell, image), (sign_cell, sign_image)) in enumerate(zip(self.weight_cells, self.sign_cells)):
            image.clear()
            sign_image.clear()
            cell.setVisible(True)
            sign_cell.setVisible(True)
            cell.setTitle(str(c), color="#222", size="9pt")  # the class names of the last data set go
        for (cell, image), title in ((self.x_cell, "x"), (self.eta_cell, "η")):
            image.clear()
            cell.setTitle(title, color="#222", size="9pt")
        self.bound_bars.setOpts(x=[], y0=[], height=[])  # y0 too: an old (10,) y0 does not broadcast with (0,)
        for item in (self.predicted_bars, self.measured_bars):
            item.setOpts(x=[], height=[])
        for item in (self.dim_bound, self.dim_predicted, self.dim_measured):
            item.setData([], [])
        self.slider.blockSignals(True)
        self.slider.setRange(0, 0)
        self.slider.blockSignals(False)
        self.slider_label.setText("n = —")
        self.dim_cursor.hide()  # no n chosen; hidden, it leaves the auto-range too
        fit_label(self.dims, "left", *DIM_LABELS)  # no class of the last sample
        for bar in (self.weight_bar, self.eta_bar):
            bar.setLevels((-1.0, 1.0))
        self.bars.setYRange(-1.0, 1.0)
        self.dims.setRange(xRange=(0.0, 1.0), yRange=(-1.0, 0.0))  # not the last n and Δ
        self.dims.enableAutoRange()  # for the next result (no data: the range above stays)

    def show_state(self, state: LinearState) -> None:
        if state is not self.state:
            self.state = state
            self.shown.clear()
            self._draw_weights()
        self.redraw()

    def _draw_weights(self) -> None:
        state = self.state
        if state is None:
            return
        header = state.header
        self.shown["x"] = to_image(header.x, header.image_shape)
        self.x_cell[1].setImage(self.shown["x"], autoLevels=False, levels=(0.0, 1.0))
        kind = "true" if header.label_known else "predicted"
        self.x_cell[0].setTitle(f"x ({kind} {class_label(header.class_names, header.label)})", color="#222",
                                size="9pt")

    def redraw(self) -> None:
        state = self.state
        if state is None:
            return
        header = state.header
        names = header.class_names
        explanation = state.explanation
        if explanation is not None and "weights" not in self.shown:
            weights = explanation.weights
            self.shown["weights"] = weights
            scale = float(np.percentile(np.abs(weights), 99)) or 1.0  # a few extreme weights would wash out the rest
            self.weight_bar.setLevels((-scale, scale))
            for c, ((plot, image), (_, sign_image)) in enumerate(zip(self.weight_cells, self.sign_cells)):
                visible = c < len(weights)
                plot.setVisible(visible)
                self.sign_cells[c][0].setVisible(visible)
                if not visible:
                    continue
                plot.setTitle(short_class(class_label(names, c), 9), color="#222", size="9pt")
                image.setImage(to_image(weights[c], header.image_shape), autoLevels=False, levels=(-scale, scale))
                sign_image.setImage(to_image(np.sign(weights[c]), header.image_shape), autoLevels=False,
                                    levels=(-1.0, 1.0))
            classes = np.arange(len(weights), dtype=np.float64)
            self.shown.update(predicted=explanation.predicted[0], measured=explanation.measured[0],
                              bound=explanation.bound)
            self.bound_bars.setOpts(x=classes, y0=-explanation.bound, height=2 * explanation.bound)
            self.predicted_bars.setOpts(x=classes - 0.18, height=explanation.predicted[0])
            self.measured_bars.setOpts(x=classes + 0.18, height=explanation.measured[0])
            fit_class_ticks(self.bars, [class_label(names, int(c)) for c in classes])
            extreme = float(np.abs(explanation.predicted[0]).max()) * 1.6 or 1.0
            self.bars.setYRange(-extreme, extreme)  # the bound bars run off the plot: they are far larger
        self._draw_dimensions()
        self._caption()

    def _draw_dimensions(self) -> None:
        state = self.state
        assert state is not None
        header = state.header
        if not state.points:
            return
        counts = state.counts()
        label = header.label
        measured, predicted, bound = (state.series(name, label) for name in ("measured", "predicted", "bound"))
        self.shown.update(dim_counts=counts, dim_measured=measured, dim_predicted=predicted, dim_bound=-bound)
        self.dim_measured.setData(counts, measured)
        self.dim_predicted.setData(counts, predicted)
        self.dim_bound.setData(counts, -bound) if np.isfinite(bound).all() else self.dim_bound.setData([], [])
        if self.dim_bound_name.text != BOUND_NAMES[header.mode]:
            self.dim_bound_name.setText(BOUND_NAMES[header.mode])
        name = class_label(header.class_names, label)
        kind = "true class" if header.label_known else "predicted class"
        fit_label(self.dims, "left", f"change of logit {name} ({kind})", f"Δ logit {name} ({kind})",
                  f"Δ logit {name}", "Δ logit")
        self.slider.blockSignals(True)
        at_end = self.slider.value() == self.slider.maximum()
        self.slider.setRange(0, len(state.points) - 1)
        if at_end:
            self.slider.setValue(len(state.points) - 1)
        self.slider.blockSignals(False)
        point = state.points[min(self.slider.value(), len(state.points) - 1)]
        self.dim_cursor.setValue(point.n)
        self.dim_cursor.show()
        eta = header.eps * to_image(point.direction[0], header.image_shape)
        self.shown["eta"] = eta
        self.eta_bar.setLevels((-header.eps, header.eps))
        self.eta_cell[1].setImage(eta, autoLevels=False, levels=(-header.eps, header.eps))
        dimension = int(np.prod(header.image_shape))
        k = f" (k = {int(round(point.n ** 0.5))})" if header.mode == "blocks" else ""
        self.eta_cell[0].setTitle(f"η, n = {point.n}{k}", color="#222", size="9pt")
        self.slider_label.setText(f"n = {point.n} of {dimension}{k}: Δ = {point.measured[0, label]:+.2f}")

    def _caption(self) -> None:
        state = self.state
        assert state is not None
        header = state.header
        parts = [f"<b>{header.model_name}</b>"]
        if header.local:
            parts.append("<span style='color:#b26a00'>not a linear model: w<sub>c</sub> = ∇ₓz<sub>c</sub>(x), "
                         "the weights of its linearization at x</span>")
        source = "the data set's L∞ ε" if self.note.text() else "|cursor ε|"  # see ExplanationsController
        parts.append(f"FGSM ε = {header.eps:.3f} ({source}), {'clipped' if header.clip else 'unclipped'}")
        explanation = state.explanation
        if explanation is not None:
            gap = float(np.abs(explanation.predicted - explanation.measured).max())
            # the measured change comes from the model's forwards, in their precision (w_c is float32)
            rounding = f"{header.precision} forwards' rounding" if header.precision != "float32" else ""
            if gap < 1e-3:
                reason = " (equal: the model is linear)"
            elif header.local:
                reason = (" (the linearization's error: how far from linear the model is along η"
                          + (f", and {rounding})" if rounding else ")"))
            elif rounding:  # a linear model in reduced precision: unclipped, rounding is all there is
                reason = f" ({rounding}{' and clipping' if header.clip else ''}: w_c and ∇ are float32)"
            else:
                reason = " (clipping stops some pixels)"
            parts.append(f"max |predicted − measured| = {gap:.2g}{reason}")
        if state.points and len(state.points) < state.total:
            parts.append(f"dimensions {len(state.points)}/{state.total}…")
        self.status.setText(" · ".join(parts))
