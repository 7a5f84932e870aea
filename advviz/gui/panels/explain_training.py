"""Adversarial training, live (paper §6): J̃ = α·J(x) + (1 − α)·J(x + ε·sign(∇ₓJ)).

Two models of the same architecture, data and seed are trained side by side on the worker thread
(one epoch each in turn): a plain twin and one with the paper's objective. Left: the training loss
per minibatch; right: clean and FGSM error on held-out test images after each epoch. Both trained
models then join the model list (checked), so the transfer matrix and the other panels use them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QPushButton, QSpinBox

from advviz.gui.explanations import TRAIN_ARCHITECTURES, TrainingRequest, TrainingState
from advviz.gui.panels.explain_common import ExplainPanel, graphics, pct, plots_in_steps
from advviz.gui.panels.legends import fit_legend_columns, legend_at_top

RUN_COLORS = ("#1f77b4", "#d62728")
RUN_TITLES = ("plain twin", "adversarially trained")
RUN_LOSSES = ("J", "J̃")  # what each run minimizes


def symbols_from_start(item: pg.PlotDataItem) -> pg.PlotDataItem:
    """Give ``item``'s points their symbol, size, colour and outline now: pyqtgraph hands them to its scatter with
    the first data, and a legend draws an entry's symbol from the scatter, so the error legend showed grey-purple
    default squares until the first epoch's errors arrived."""
    scatter, opts = item.scatter, item.opts
    scatter.setSymbol(opts["symbol"], update=False)
    scatter.setSize(opts["symbolSize"], update=False)
    scatter.setBrush(opts["symbolBrush"], update=False)
    scatter.setPen(opts["symbolPen"], update=False)
    return item


class TrainingPanel(ExplainPanel):
    caption_text = ("<b>Adversarial training, live</b>: the same network trained twice — plainly, and on "
                    "J̃ = α·J(x) + (1−α)·J(x + ε·sign∇ₓJ). Watch the FGSM error of the adversarially trained "
                    "one fall while its twin stays fooled.")
    trainRequested = Signal(object)  # TrainingRequest (dataset filled in by the window)

    def build_steps(self) -> Iterator[None]:
        """The panel's controls, then its plots a piece per step (see ExplainPanel)."""
        self.architecture = QComboBox()
        self.architecture.setToolTip("The architecture both models share")
        for name in TRAIN_ARCHITECTURES:
            self.architecture.addItem(name, name)
        self.samples = QSpinBox(minimum=100, maximum=8000, singleStep=500, value=2000)
        self.samples.setSuffix(" images")
        self.samples.setToolTip("Training images (from the shipped training split)")
        self.epochs = QSpinBox(minimum=1, maximum=50, value=3)
        self.epochs.setSuffix(" epochs")
        self.epochs.valueChanged.connect(lambda count: self.epochs.setSuffix(" epoch" if count == 1 else " epochs"))
        self.alpha = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=1.0, singleStep=0.1, value=0.5)
        self.alpha.setPrefix("α = ")
        self.eps = QDoubleSpinBox(decimals=3, minimum=0.0, maximum=1.0, singleStep=0.05, value=0.25)
        self.eps.setToolTip("The paper's ε for the data set (MNIST 0.25, Fashion-MNIST 0.1) when it loads")
        self.eps.setPrefix("ε = ")
        self.train = QPushButton("Train both")
        self.train.setToolTip("Train the plain twin and the adversarially trained model, one epoch each in turn")
        self.train.clicked.connect(lambda: self.trainRequested.emit(self.request("")))
        for widget in (self.architecture, self.samples, self.epochs, self.alpha, self.eps, self.train):
            self.bar.addWidget(widget)
        self.bar.addStretch(1)

        yield
        self.view = graphics()
        yield
        plots: list[pg.PlotItem] = []
        yield from plots_in_steps(self.view, plots, [
            dict(left="training loss (minibatch)", bottom="epoch",
                 title="loss: J for the twin, J̃ for the adversarial run"),
            dict(left="error on held-out test images", bottom="epoch",
                 title="FGSM error (thick) and clean error (dashed) per epoch")])
        self.loss_plot, self.error_plot = plots
        self.error_plot.setYRange(0, 1.02, padding=0)
        # the legends sit under the plots, where they cover no line
        # at its own height: stretched to the other's four rows, the loss legend's one row had its labels at the
        # top and their lines in the middle, a row apart
        self.loss_legend, self.error_legend = (legend_at_top(self.view, 1, column, labelTextSize="10pt",
                                                             labelTextColor="#222", colCount=2) for column in (0, 1))
        self.loss_curves, self.clean_curves, self.fgsm_curves = [], [], []
        for run in range(2):
            color = RUN_COLORS[run]
            loss = pg.PlotDataItem(pen=pg.mkPen(color, width=1.5))
            clean = symbols_from_start(pg.PlotDataItem(pen=pg.mkPen(color, width=1.5, style=Qt.PenStyle.DashLine),
                                                       symbol="o", symbolSize=6, symbolBrush=color, symbolPen=None))
            fgsm = symbols_from_start(pg.PlotDataItem(pen=pg.mkPen(color, width=3.5), symbol="s", symbolSize=8,
                                                      symbolBrush=color, symbolPen=None))
            self.loss_plot.addItem(loss)
            self.error_plot.addItem(clean)
            self.error_plot.addItem(fgsm)
            self.loss_legend.addItem(loss, RUN_TITLES[run])
            self.error_legend.addItem(fgsm, f"{RUN_TITLES[run]}: FGSM error")
            self.error_legend.addItem(clean, f"{RUN_TITLES[run]}: clean error")
            self.loss_curves.append(loss)
            self.clean_curves.append(clean)
            self.fgsm_curves.append(fgsm)
        for plot, legend in ((self.loss_plot, self.loss_legend), (self.error_plot, self.error_legend)):
            fit_legend_columns(plot, legend, share=0.5, most=2)  # one column where two overran a narrow view
        self.body.addWidget(self.view)
        self.state: TrainingState | None = None
        self.status.setText("Press <b>Train both</b> to train the two models side by side.")

    def request(self, dataset: str) -> TrainingRequest:
        return TrainingRequest(dataset=dataset, architecture=str(self.architecture.currentData()),
                               samples=self.samples.value(), epochs=self.epochs.value(),
                               alpha=float(self.alpha.value()), eps=float(self.eps.value()))

    def set_eps(self, eps: float) -> None:
        self.eps.setValue(eps)

    def clear_results(self) -> None:
        """No loss or error curves. (Not on unchecking every model: this panel trains models of its own, and its
        run stays up whatever the models list holds; the controller clears it when a training cannot start.)"""
        super().clear_results()
        self.state = None
        for curve in self.loss_curves + self.clean_curves + self.fgsm_curves:
            curve.setData([], [])

    def _listed(self, state: TrainingState) -> bool:
        """Whether the window lists the trained models (not when the data set changed during training);
        True outside a window."""
        specs = getattr(self.window(), "specs", None)
        if not isinstance(specs, dict):
            return True
        paths = {getattr(spec, "path", None) for spec in specs.values()}
        return all(model.path in paths for model in state.trained.values())

    def show_state(self, state: TrainingState) -> None:
        if state is not self.state:
            self.state = state
            self.shown.clear()
        request = state.header.request
        for run, model in enumerate(state.header.names):
            loss = np.array(state.loss[run], dtype=np.float64).reshape(-1, 2)
            epochs = np.array(state.epochs[run], dtype=np.float64).reshape(-1, 3)
            # named for the export: which model, which quantity, and what x counts
            self.loss_curves[run].setData(loss[:, 0], loss[:, 1],
                                          name=f"{model}: training loss {RUN_LOSSES[run]} per minibatch")
            self.clean_curves[run].setData(epochs[:, 0], epochs[:, 1], name=f"{model}: clean error per epoch")
            self.fgsm_curves[run].setData(epochs[:, 0], epochs[:, 2], name=f"{model}: FGSM error per epoch")
            self.shown[f"run{run}/fgsm_error"] = epochs[:, 2]
            self.shown[f"run{run}/clean_error"] = epochs[:, 1]
        for plot in (self.loss_plot, self.error_plot):
            plot.setXRange(0, request.epochs, padding=0.02)
        names = state.header.names
        parts = [f"{request.architecture} on {request.samples} {request.dataset} training images, "
                 f"{request.epochs} epoch{'' if request.epochs == 1 else 's'}, α = {request.alpha:g}, ε = {request.eps:g}; errors on "
                 f"{request.validation} test images (FGSM at the same ε)"]
        last = [state.epochs[run][-1] if state.epochs[run] else None for run in range(2)]
        if all(last):
            parts.append(f"after epoch {last[1][0]}: FGSM error <b>{pct(last[0][2])}</b> (twin) vs "
                         f"<b>{pct(last[1][2])}</b> (adversarial), clean {pct(last[0][1])} vs {pct(last[1][1])}")
        if state.complete and self._listed(state):
            parts.append(f"<span style='color:#2e7d32'>added <b>{names[0]}</b> and <b>{names[1]}</b> to the "
                         f"models list (checked: see the transfer matrix)</span>")
        elif state.complete:  # the data set changed meanwhile: the window lists only its own data set's models
            folder = Path(state.trained[0].path).parent
            parts.append(f"<span style='color:#b26a00'>saved <b>{names[0]}</b> and <b>{names[1]}</b> in {folder}, "
                         f"not in the models list: they take {request.dataset} images (load them there with "
                         f"<i>Load weights file…</i>)</span>")
        else:
            done = sum(len(runs) for runs in state.loss)
            batches = state.loss[0] and state.loss[0][-1] or None
            if state.stopped:
                parts.append(f"stopped after {done} minibatches: no model added")
            else:
                parts.append(f"training… ({done} minibatches)" if batches else "training…")
        self.status.setText(" · ".join(parts))
