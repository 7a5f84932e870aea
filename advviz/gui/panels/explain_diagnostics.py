"""The diagnostics strip: the usual ways an adversarial evaluation goes wrong, checked on the model.

Cards: are the outputs logits (or already probabilities)? the input range, where normalization
happens, the share of pixels whose gradient is exactly 0 (sign(0) = 0: they never move), and the
effective ‖η‖∞ after clipping next to the requested ε. Green is fine, orange is a warning.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy

from advviz.gui.explanations import DiagnosticsResult
from advviz.gui.panels.explain_common import ExplainPanel, fit_ticks, graphics, style_plot
from advviz.gui.style import OK_COLOR, WARN_COLOR

CARDS = ("outputs", "inputs", "normalization", "gradient", "eps")
CARD_TITLES = {"outputs": "model outputs", "inputs": "input range", "normalization": "normalization",
               "gradient": "zero-gradient pixels", "eps": "effective ‖η‖∞ vs requested ε"}


CARD_MIN_HEIGHT = 96
EPS_BARS = 3  # requested ε, ‖η‖∞, mean |η|: the first plot's bars; the pixel shares follow


class DiagnosticsPanel(ExplainPanel):
    caption_text = ("<b>Diagnostics</b> of the first checked model under FGSM at the cursor ε: logits or "
                    "probabilities, input range and normalization, pixels that cannot move, and how much "
                    "clipping to [0, 1] shrinks the perturbation.")

    def build_steps(self) -> Iterator[None]:
        """The panel's controls, then its plots a piece per step (see ExplainPanel)."""
        grid = QGridLayout()
        self.cards: dict[str, QLabel] = {}
        for column, key in enumerate(CARDS):
            card = QLabel()
            card.setTextFormat(Qt.TextFormat.RichText)
            card.setWordWrap(True)
            card.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            card.setMinimumHeight(CARD_MIN_HEIGHT)
            self._style(card, None)
            grid.addWidget(card, 0, column)
            self.cards[key] = card
        self.warnings = QLabel("")
        self.warnings.setWordWrap(True)
        self.warnings.setTextFormat(Qt.TextFormat.RichText)
        self.body.addLayout(grid)
        self.body.addWidget(self.warnings)
        self.cards_grid = grid
        self.content.installEventFilter(self)  # its width changes how tall the wrapped texts are
        yield
        self.view = graphics()
        yield
        self.eps_plot = self.view.addPlot(row=0, col=0)  # a PlotItem: ~10 ms, its styling as much
        yield
        # ‖η‖∞ reaches ε as soon as one pixel moves the whole ε; the mean |η| shows what the clip took away
        style_plot(self.eps_plot, left="pixel units", title="requested ε vs the perturbation x̃ − x")
        self.eps_bars = pg.BarGraphItem(x=[0, 1, 2], height=[0, 0, 0], width=0.6,
                                        brushes=["#9e9e9e", "#1f77b4", "#17becf"], pen=pg.mkPen(None))
        self.eps_plot.addItem(self.eps_bars)
        fit_ticks(self.eps_plot, [["requested ε", "ε"], ["‖η‖∞ (mean)", "‖η‖∞"], ["mean |η| per pixel", "mean |η|"]])
        yield
        self.share_plot = self.view.addPlot(row=0, col=1)  # a PlotItem: ~10 ms, its styling as much
        yield
        style_plot(self.share_plot, left="share of all pixels",
                   title="pixels that move less than ε")
        self.share_plot.setYRange(0, 1.02, padding=0)
        self.share_bars = pg.BarGraphItem(x=[0, 1, 2], height=[0, 0, 0], width=0.6,
                                          brushes=["#b26a00", "#d62728", "#9467bd"], pen=pg.mkPen(None))
        self.share_plot.addItem(self.share_bars)
        fit_ticks(self.share_plot, [["gradient exactly 0", "∇ = 0"], ["kept still by the clip", "clip: still"],
                                    ["shortened by the clip", "clip: shorter"]])
        self.eps_plot.setXRange(-0.6, 2.6, padding=0)
        self.share_plot.setXRange(-0.6, 2.6, padding=0)
        self.texts = [pg.TextItem(color="#222", anchor=(0.5, 1.0)) for _ in range(6)]
        for index, text in enumerate(self.texts):
            (self.eps_plot if index < EPS_BARS else self.share_plot).addItem(text)
        # the wrapped cards ask the scroll area for their height-for-width; the plots take what is left,
        # down to 200 px (the view's own size hint would make the panel scroll on a large screen)
        self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.view.setMinimumHeight(200)
        self.body.addWidget(self.view, 1)
        self.result: DiagnosticsResult | None = None

    def export_data(self) -> dict[str, np.ndarray]:
        """Every check of the diagnosis by its core name (``requested_eps``, ``effective_linf``,
        ``zero_gradient_fraction``, ``clipped_fraction``, …, ``warnings``), the model, the number of
        test images and whether x̃ was clipped; empty before the first diagnosis."""
        result = self.result
        if result is None:
            return {}
        data: dict[str, np.ndarray] = {"model": np.array(result.model_name), "samples": np.array(result.samples),
                                       "clip": np.array(result.clip)}
        for item in fields(result.diagnostics):
            value = getattr(result.diagnostics, item.name)
            data[item.name] = np.array([str(v) for v in value], dtype=str) if isinstance(value, list) else np.array(value)
        return data

    @staticmethod
    def _style(card: QLabel, ok: bool | None) -> None:
        border = "#bbb" if ok is None else OK_COLOR if ok else WARN_COLOR
        card.setStyleSheet(f"QLabel {{ border: 2px solid {border}; border-radius: 6px; padding: 6px; "
                           f"background: white; }}")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.content and event.type() == QEvent.Type.Resize:
            self.restyled()
        return False

    def restyled(self) -> None:
        """Each wrapped text asks for the height it needs at its width, as its minimum: the layout's minimum
        then holds it and the scroll area scrolls. Laid out by their one-line minimums, the texts took more
        height than the layout knew of, and the plots' category labels were cut off below (1280 × 720, and
        presenting). Also after presentation mode changes the fonts."""
        for card in self.cards.values():
            card.setMinimumHeight(max(CARD_MIN_HEIGHT, card.heightForWidth(card.width())))
        text = self.warnings
        text.setMinimumHeight(text.heightForWidth(text.width()) if text.text() else 0)
        # the body's explicit minimum is what the scroll area reads (it overrides the layout's own); the
        # layouts' cached minimums are measured again first (else the narrower cards of a new scroll bar
        # were read at their old heights)
        self.cards_grid.invalidate()
        self.body.invalidate()
        self.content.setMinimumHeight(max(self.min_body_height, self.body.minimumSize().height()))

    def _card(self, key: str, ok: bool, body: str) -> None:
        mark = f"<span style='color:{OK_COLOR}'>✔</span>" if ok else f"<span style='color:{WARN_COLOR}'>⚠</span>"
        self.cards[key].setText(f"{mark} <b>{CARD_TITLES[key]}</b><br>{body}")
        self._style(self.cards[key], ok)

    def clear_results(self) -> None:
        """Empty grey cards, no warnings, no bars or values above them."""
        super().clear_results()
        self.result = None
        for card in self.cards.values():
            card.setText("")
            self._style(card, None)
        self.warnings.setText("")
        self.restyled()
        for bars in (self.eps_bars, self.share_bars):
            bars.setOpts(height=[0.0, 0.0, 0.0])
        for text in self.texts:
            text.setText("")

    def show_state(self, result: DiagnosticsResult) -> None:
        self.result = result
        d = result.diagnostics
        self._card("outputs", not d.outputs_look_like_probabilities,
                   ("look like (log-)probabilities: a softmax is already applied — attacks want logits"
                    if d.outputs_look_like_probabilities else "logits (not probabilities)")
                   + f"<br>mean row sum {d.output_row_sums:.3g}")
        inside = d.input_min >= 0 and d.input_max <= 1
        self._card("inputs", inside, f"[{d.input_min:.3g}, {d.input_max:.3g}]"
                   + (" — inside [0, 1]: ε is in pixel units" if inside else " — outside [0, 1]"))
        self._card("normalization", True, d.normalization)
        self._card("gradient", d.zero_gradient_fraction <= 0.5,
                   f"{d.zero_gradient_fraction:.1%} of input gradients are exactly 0 (sign(0) = 0: they stay put)")
        ratio = d.effective_linf / d.requested_eps if d.requested_eps > 0 else 1.0
        # ‖η‖∞ is the largest move: it can reach ε while the clip keeps many pixels still
        self._card("eps", ratio > 0.9 and d.blocked_fraction <= 0.25,
                   f"requested ε = {d.requested_eps:.3f}, effective ‖η‖∞ {d.effective_linf:.3f} ({ratio:.0%}), "
                   f"mean |η| {d.effective_mean:.3f}<br>"
                   f"{d.blocked_fraction:.1%} of pixels kept still by the clip, {d.clipped_fraction:.1%} of moved "
                   "ones shortened")
        self.warnings.setText("" if not d.warnings else "<span style='color:%s'>⚠ %s</span>"
                              % (WARN_COLOR, "<br>⚠ ".join(d.warnings)))
        self.restyled()
        eps_values = np.array([d.requested_eps, d.effective_linf, d.effective_mean])
        moved = max(0.0, 1.0 - d.zero_gradient_fraction - d.blocked_fraction)  # every other pixel moves
        shares = np.array([d.zero_gradient_fraction, d.blocked_fraction, d.clipped_fraction * moved])
        self.eps_bars.setOpts(height=eps_values)
        self.share_bars.setOpts(height=shares)
        self.eps_plot.setYRange(0, max(float(eps_values.max()) * 1.2, 1e-3), padding=0)
        for index, (text, value) in enumerate(zip(self.texts, [*eps_values, *shares])):
            text.setText(f"{value:.3f}" if index < EPS_BARS else f"{value:.1%}")
            text.setPos(index if index < EPS_BARS else index - EPS_BARS, value)
        self.shown.update(eps=eps_values, shares=shares)
        self.status.setText(f"<b>{result.model_name}</b> on {result.samples} test images · FGSM at ε = "
                            f"{d.requested_eps:.3f}, {'x̃ clipped to [0, 1]' if result.clip else 'unclipped'} (as in the controls)")
