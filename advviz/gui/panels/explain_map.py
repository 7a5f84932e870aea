"""The 2-D decision map (paper §5): the predicted class over a plane through x.

Horizontal: a along FGSM's direction sign(∇ₓJ); vertical: b along a random ±1 direction made
orthogonal to it (same length). Each point x + a·d₁ + b·d₂ is coloured by the class the model
predicts, paler where it is less confident. Adversarial examples fill broad regions on the FGSM
side, not thin pockets; along the random direction the class barely changes. Rows stream in as the
worker computes them; markers show x and x + ε·sign(∇ₓJ) at the cursor ε.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QSpinBox

from advviz.core.eps_limits import largest_eps
from advviz.gui.explanations import MapState
from advviz.gui.panels.colour_bar import ColourBar
from advviz.gui.panels.explain_common import ExplainPanel, fit_label, graphics, style_plot
from advviz.gui.panels.legends import class_legend
from advviz.gui.style import CLASS_COLORS, class_label

PENDING = np.array([250, 250, 250], dtype=np.float32)
BRIGHTNESS = pg.ColorMap([0.0, 1.0], [(235, 235, 235), (40, 40, 40)])  # paler = less confident


MIN_STRENGTH = 0.35  # a class's colour where the model is least sure: 35 % of it over white


def class_rgb(predictions: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """(H, W) classes and confidences → (H, W, 3) uint8: class colour, paler where less confident;
    near-white where not computed yet (class −1)."""
    palette = np.array([pg.mkColor(c).getRgb()[:3] for c in CLASS_COLORS], dtype=np.float32)
    colours = palette[np.clip(predictions, 0, None) % len(palette)]
    # paled at most to 35 %: at 15 % every class was a pastel a viewer could not tell from its neighbours
    strength = MIN_STRENGTH + (1 - MIN_STRENGTH) * np.clip(confidence, 0.0, 1.0)[..., None]
    rgb = np.where((predictions >= 0)[..., None], 255 - (255 - colours) * strength, PENDING)
    return rgb.astype(np.uint8)


class DecisionMapPanel(ExplainPanel):
    caption_text = ("<b>2-D decision map</b>: the class the model predicts on the plane through x spanned by "
                    "FGSM's direction sign(∇ₓJ) (→) and a random orthogonal sign direction (↑); paler = less "
                    "confident. Adversarial examples fill wide regions, not rare pockets.")
    settingsChanged = Signal()

    def build_steps(self) -> Iterator[None]:
        """The panel's controls, then its plots a piece per step (see ExplainPanel)."""
        self.resolution = QSpinBox(minimum=11, maximum=301, singleStep=20, value=101)
        self.resolution.setPrefix("resolution ")
        self.resolution.setKeyboardTracking(False)
        # along sign directions: an L∞ extent, of which 1 spans the whole [0, 1] range
        self.extent = QDoubleSpinBox(decimals=2, minimum=0.01, maximum=largest_eps("Linf"), singleStep=0.05,
                                     value=0.5)
        self.extent.setPrefix("extent ±")
        self.extent.setKeyboardTracking(False)
        self.follow = QCheckBox("extent = ε max of the controls")
        self.follow.setChecked(True)
        self.extent.setEnabled(False)
        self.follow.toggled.connect(lambda on: (self.extent.setEnabled(not on), self.settingsChanged.emit()))
        for box in (self.resolution, self.extent):
            box.valueChanged.connect(lambda _: self.settingsChanged.emit())
        self.bar.addWidget(self.resolution)
        self.bar.addWidget(self.follow)
        self.bar.addWidget(self.extent)
        self.bar.addStretch(1)

        yield
        self.view = graphics()
        yield
        self.plot = self.view.addPlot(row=0, col=0)  # a PlotItem: ~10 ms, its styling as much
        yield
        style_plot(self.plot)
        fit_label(self.plot, "bottom", "a: step along FGSM's direction sign(∇ₓJ) (pixel units)",
                  "a: along sign(∇ₓJ) (pixel units)", "a")
        fit_label(self.plot, "left", "b: step along a random orthogonal sign direction",
                  "b: random orthogonal direction", "b")
        # no locked aspect: a square plane in a wide plot would leave half the plot empty
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.markers = pg.ScatterPlotItem(size=16, pxMode=True)
        self.markers.setZValue(10)
        self.plot.addItem(self.markers)
        self.x_text = pg.TextItem("x", color="#000", anchor=(0.5, 1.4), fill=(255, 255, 255, 200))
        self.eps_text = pg.TextItem("", color="#000", anchor=(0.5, -0.4), fill=(255, 255, 255, 200))
        for text in (self.x_text, self.eps_text):
            text.setZValue(11)
            self.plot.addItem(text)
        self.legend = pg.LegendItem(labelTextSize="10pt", labelTextColor="#222", brush=(255, 255, 255, 230),
                                    pen=(180, 180, 180))
        self.view.addItem(self.legend, row=0, col=1)
        yield
        self.brightness = ColourBar(values=(0.0, 1.0), colour_map=BRIGHTNESS, width=12,
                                    label="confidence (paler = less sure)")
        self.view.addItem(self.brightness, row=0, col=2)
        self.body.addWidget(self.view)
        self.state: MapState | None = None
        self.cursor_eps = 0.25
        self._names: tuple[str, ...] = ()
        self._empty()

    def export_data(self) -> dict[str, np.ndarray]:
        """The map's data, not its colours, for the rows computed so far: ``predictions`` (rows, W) the
        class at each point, ``confidence`` its probability and ``logits`` (rows, W, K); point [i, j]
        is x + ``a``[j]·d₁ + ``b``[i]·d₂, ``a`` (W,) the step along FGSM's direction d₁ = sign(∇ₓJ)
        (``direction_a``) and ``b`` (rows,) along the random orthogonal one (``direction_b``), in
        pixel units (ε). Also the class names, x's clean prediction and label, the model, the extent,
        the clip and ``cursor_eps`` (the marked x + ε·sign(∇ₓJ)); empty before the first rows."""
        state = self.state
        if state is None or state.start is None or state.filled == 0:
            return {}
        header, start, rows = state.header, state.start, state.filled
        a = np.asarray(start.a)
        return {"a": a, "b": np.asarray(start.b)[:rows],
                "predictions": state.predictions[:rows].copy(), "confidence": state.confidence[:rows].copy(),
                "logits": state.logits[:rows].copy(), "class_names": np.array(header.class_names),
                "clean_prediction": np.array(start.clean_prediction), "label": np.array(header.label),
                "model": np.array(header.model_name), "extent": np.array(header.extent),
                "clip": np.array(header.clip), "resolution": np.array(header.resolution),
                "cursor_eps": np.array(max(min(self.cursor_eps, float(a[-1])), float(a[0]))),
                "direction_a": np.asarray(start.fgsm_direction, dtype=np.float32),
                "direction_b": np.asarray(start.other_direction, dtype=np.float32)}

    @staticmethod
    def export_rows(data: dict[str, np.ndarray]) -> list[list[str]]:
        """The CSV: one row per computed point, b (rows) outer, a inner."""
        names = [str(name) for name in data["class_names"]]
        table: list[list[str]] = [["a", "b", "prediction", "prediction index", "confidence"]]
        for i, b in enumerate(data["b"]):
            for j, a in enumerate(data["a"]):
                predicted = int(data["predictions"][i, j])
                table.append([f"{a:.6g}", f"{b:.6g}", class_label(names, predicted), str(predicted),
                              f"{float(data['confidence'][i, j]):.6g}"])
        return table

    def clear_results(self) -> None:
        super().clear_results()
        self.state = None
        self._empty()

    def _empty(self) -> None:
        """No map: an empty plane of the extent, without the markers of x and x + ε·sign∇ or a legend.
        (Auto-ranged on the marker's text alone, the axes showed ticks of 1e-96 around an "x".)"""
        self.image.clear()
        self.markers.setData([])
        for item in (self.x_text, self.eps_text, self.legend):
            item.setVisible(False)
        extent = float(self.extent.value())
        self.plot.setRange(xRange=(-extent, extent), yRange=(-extent, extent), padding=0.02)

    def set_cursor(self, eps: float) -> None:
        self.cursor_eps = float(eps)

    def show_state(self, state: MapState) -> None:
        fresh = state is not self.state
        self.state = state
        header = state.header
        if header.class_names != self._names:
            class_legend(self.legend, header.class_names)
            self._names = header.class_names
        if state.start is None:
            return
        for item in (self.x_text, self.eps_text, self.legend):
            item.setVisible(True)
        a, b = state.start.a, state.start.b
        step_a = float(a[1] - a[0]) if len(a) > 1 else 1.0
        step_b = float(b[1] - b[0]) if len(b) > 1 else 1.0
        self.shown.update(predictions=state.predictions, confidence=state.confidence, a=a, b=b)
        self.image.setImage(class_rgb(state.predictions, state.confidence), autoLevels=False, levels=(0, 255))
        self.image.setRect(float(a[0]) - step_a / 2, float(b[0]) - step_b / 2, step_a * len(a), step_b * len(b))
        if fresh:
            x_range = (float(a[0]) - step_a / 2, float(a[-1]) + step_a / 2)
            y_range = (float(b[0]) - step_b / 2, float(b[-1]) + step_b / 2)
            self.plot.setRange(xRange=x_range, yRange=y_range, padding=0.02)
            self.plot.vb.prepareForPaint()  # the new transform now, not during the paint (a second repaint)
        eps = max(min(self.cursor_eps, float(a[-1])), float(a[0]))
        self.markers.setData([
            {"pos": (0.0, 0.0), "symbol": "star", "brush": pg.mkBrush("w"), "pen": pg.mkPen("#000", width=1.5)},
            {"pos": (eps, 0.0), "symbol": "x", "brush": pg.mkBrush("w"), "pen": pg.mkPen("#000", width=1.5)},
        ])
        self.x_text.setPos(0.0, 0.0)
        self.eps_text.setPos(eps, 0.0)
        self.eps_text.setText(f"x + ε·sign∇, ε = {eps:+.3f}")
        names = header.class_names
        centre = len(b) // 2
        parts = [f"<b>{header.model_name}</b>",
                 f"clean prediction <b>{class_label(names, state.start.clean_prediction)}</b>, "
                 + (f"true {class_label(names, header.label)}" if header.label >= 0 else "label unknown"),
                 f"{header.resolution}×{header.resolution} points, {'clipped to [0, 1]' if header.clip else 'unclipped'}"]
        if state.filled > centre:
            row = state.predictions[centre]
            flipped = np.nonzero((row != state.start.clean_prediction) & (a > 0))[0]
            if len(flipped):
                parts.append(f"along FGSM the class first changes at a = {a[flipped[0]]:+.3f} "
                             f"→ {class_label(names, int(row[flipped[0]]))}")
            share = float((state.predictions[: state.filled] != state.start.clean_prediction).mean())
            parts.append(f"{share:.0%} of the plane gets another class than x")
        self.status.setText(" · ".join(parts) + state.unfinished(state.filled, header.resolution, "rows"))
