"""The rubbish class (paper §9): confident answers on inputs that look like nothing.

Inputs drawn from N(0, I) (or uniform on [0, 1]) are shown to every checked model. Left: the share
each model labels with confidence > 0.5; middle: the distribution of its confidence; bottom: the
rubbish images one model is most sure about, with the class it sees in them. Linear-ish models
(softmax, maxout, ReLU) answer confidently; the RBF network says "none of these".
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QSpinBox

from advviz.gui.explanations import RubbishState
from advviz.gui.panels.explain_common import GREY, ExplainPanel, graphics, image_plot, model_color, style_plot
from advviz.gui.style import class_label, short_names

GALLERY = 8
BINS = np.linspace(0.0, 1.0, 26)
SHARE_NAME = "share with confidence > 0.5"


class RubbishPanel(ExplainPanel):
    caption_text = ("<b>Rubbish class</b>: inputs of pure noise, N(0, I) or uniform — how many does each model "
                    "label with confidence > 0.5?")
    paper_note = " (The paper, on MNIST: maxout 98%, softmax 60%, RBF 0%.)"
    settingsChanged = Signal()
    session_skips = ("gallery_model",)  # lists the models of the last result

    def build_steps(self) -> Iterator[None]:
        """The panel's controls, then its plots a piece per step (see ExplainPanel)."""
        self.caption.setText(self.caption_text + self.paper_note)
        self.distribution = QComboBox()
        self.distribution.addItem("Gaussian N(0, I)", "gaussian")
        self.distribution.addItem("uniform on [0, 1]", "uniform")
        self.count = QSpinBox(minimum=10, maximum=20000, singleStep=500, value=2000)
        self.count.setSuffix(" noise images")
        self.count.setKeyboardTracking(False)
        self.gallery_model = QComboBox()
        self.bar.addWidget(self.distribution)
        self.bar.addWidget(self.count)
        self.bar.addWidget(QLabel("gallery of:"))
        self.bar.addWidget(self.gallery_model, 1)
        self.distribution.currentIndexChanged.connect(lambda _: self.settingsChanged.emit())
        self.count.valueChanged.connect(lambda _: self.settingsChanged.emit())
        self.gallery_model.currentIndexChanged.connect(lambda _: self.redraw())

        yield
        self.view = graphics()
        yield
        self.share_plot = self.view.addPlot(row=0, col=0)  # a PlotItem: ~10 ms, its styling as much
        yield
        style_plot(self.share_plot, left="share with confidence > 0.5",
                   title="confidently classified noise")
        self.share_plot.setYRange(0, 1.15, padding=0)  # room for the percentage above a full bar
        self.share_plot.getAxis("left").setTicks([[(v / 5, f"{v / 5:g}") for v in range(6)]])
        # named, with each bar's model as its label: what an export says the values are
        self.share_bars = pg.BarGraphItem(x=[], height=[], width=0.6, brushes=[], pen=pg.mkPen(None),
                                          name=SHARE_NAME, labels=[])
        self.share_plot.addItem(self.share_bars)
        self.share_texts: list[pg.TextItem] = []
        yield
        self.hist_plot = self.view.addPlot(row=0, col=1)  # a PlotItem: ~10 ms, its styling as much
        yield
        style_plot(self.hist_plot, left="share of noise images",
                   bottom="confidence (max probability)", title="confidence on noise")
        self.hist_plot.addItem(pg.InfiniteLine(0.5, angle=90, pen=pg.mkPen("#888", width=1, style=Qt.PenStyle.DashLine)))
        # top centre: the RBF network's spike sits at confidence 0, the confident models' mass near 1
        self.hist_legend = self.hist_plot.addLegend(offset=(0, 4), labelTextSize="8pt", labelTextColor="#222",
                                                    brush=(255, 255, 255, 200), verSpacing=-6)
        self.hist_legend.anchor(itemPos=(0.5, 0), parentPos=(0.5, 0), offset=(0, 4))
        self.hist_curves: list[pg.PlotDataItem] = []
        yield
        self.gallery = graphics()
        self.gallery_title = pg.LabelItem("", color="#222", size="10pt")
        self.gallery.addItem(self.gallery_title, row=0, col=0, colspan=GALLERY)
        yield
        self.cells = []
        for column in range(GALLERY):  # ~2 ms a cell
            self.cells.append(image_plot(self.gallery, 1, column))
            if column == GALLERY // 2 - 1:
                yield
        for _, image in self.cells:
            image.setColorMap(GREY)
        self.body.addWidget(self.view, 3)
        self.body.addWidget(self.gallery, 2)
        self.state: RubbishState | None = None

    def clear_results(self) -> None:
        """No bars, histograms or gallery; no legend, ticks or gallery choice naming the last models."""
        super().clear_results()
        self.state = None
        self.share_bars.setOpts(x=[], height=[], brushes=[], labels=[])
        self.share_plot.getAxis("bottom").setTicks([[]])
        for curve in self.hist_curves:
            curve.setData([], [])
        self.hist_legend.clear()
        self.hist_legend.hide()  # an empty legend was an empty box on the plot
        for text in self.share_texts:
            text.hide()
        for plot, image in self.cells:
            image.clear()
            plot.setTitle("")
        self.gallery_title.setText("")
        self.gallery_model.blockSignals(True)
        self.gallery_model.clear()
        self.gallery_model.blockSignals(False)

    def show_state(self, state: RubbishState) -> None:
        if state is not self.state:
            self.state = state
            mnist = all(name.startswith("mnist-") for name in state.header.names)
            self.caption.setText(self.caption_text + (self.paper_note if mnist else ""))
            self.shown.clear()
            self.gallery_model.blockSignals(True)
            current = self.gallery_model.currentText()
            self.gallery_model.clear()
            self.gallery_model.addItems(state.header.names)
            self.gallery_model.setCurrentIndex(max(0, self.gallery_model.findText(current)))
            self.gallery_model.blockSignals(False)
        self.redraw()

    def redraw(self) -> None:
        state = self.state
        if state is None:
            return
        header = state.header
        names = header.names
        while len(self.hist_curves) < len(names):
            color = model_color(len(self.hist_curves))
            curve = pg.PlotDataItem(stepMode="center", pen=pg.mkPen(color, width=2.5))
            self.hist_plot.addItem(curve)
            self.hist_curves.append(curve)
        while len(self.share_texts) < len(names):
            text = pg.TextItem(color="#222", anchor=(0.5, 1.0))
            self.share_plot.addItem(text)
            self.share_texts.append(text)
        self.hist_legend.clear()
        self.hist_legend.show()
        xs, heights, brushes, labels = [], [], [], []
        for index, (name, short) in enumerate(zip(names, short_names(names))):
            step = state.results.get(index)
            curve = self.hist_curves[index]
            if step is None:
                curve.setData([], [])
                self.share_texts[index].hide()
                continue
            result = step.result
            counts, _ = np.histogram(result.confidence, bins=BINS)
            # named for the export (the legend's text carries the mean, which is not the series' name)
            curve.setData(BINS, counts / max(len(result.confidence), 1),
                          name=f"{name}: share of noise images per confidence bin")
            self.hist_legend.addItem(curve, f"{short}: mean {result.mean_confidence:.0%}")
            xs.append(index)
            labels.append(name)
            heights.append(result.confident_fraction)
            brushes.append(pg.mkBrush(model_color(index)))
            self.shown[f"{name}/confidence"] = result.confidence
            text = self.share_texts[index]
            text.setText(f"{result.confident_fraction:.1%}")
            text.setPos(index, result.confident_fraction)
            text.show()
        for curve in self.hist_curves[len(names):]:
            curve.setData([], [])
        for text in self.share_texts[len(names):]:
            text.hide()
        self.shown["share"] = np.array(heights)
        self.share_bars.setOpts(x=xs, height=heights, brushes=brushes, labels=labels)
        self.share_plot.getAxis("bottom").setTicks([list(enumerate(short_names(names)))])
        self.share_plot.setXRange(-0.6, len(names) - 0.4, padding=0)
        self._draw_gallery()
        done = len(state.results)
        text = f"{header.count} {header.distribution} noise images (same for every model, seed 0)"
        text += state.unfinished(done, len(names), "models")
        self.status.setText(text)

    def _draw_gallery(self) -> None:
        state = self.state
        assert state is not None
        index = max(0, self.gallery_model.currentIndex())
        step = state.results.get(index)
        if step is None:
            return
        result = step.result
        order = np.argsort(-result.confidence, kind="stable")[:GALLERY]
        self.shown["gallery"] = order
        low, high = (-2.5, 2.5) if result.distribution == "gaussian" else (0.0, 1.0)
        for (plot, image), chosen in zip(self.cells, order):
            picture = result.inputs[chosen]
            picture = picture[0] if picture.shape[0] == 1 else picture.mean(axis=0)
            image.setImage(picture, autoLevels=False, levels=(low, high))
            plot.setTitle(f"{class_label(step.class_names, int(result.predictions[chosen]))} "
                          f"({result.confidence[chosen]:.0%})", color="#222", size="9pt")
        self.gallery_title.setText(f"the {GALLERY} noise images <b>{step.name}</b> is surest of, with the class "
                                   f"it sees (grey {low:g} … {high:g})")
