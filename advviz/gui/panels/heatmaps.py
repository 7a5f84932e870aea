"""Original x, perturbation η, adversarial x̃ = x + η and the raw gradient ∇ₓJ, at the cursor ε.

Each image has a colour bar; η and ∇ₓJ use a diverging map centred at 0 with symmetric levels.
η's levels are fixed for a sweep at the largest |η| it can reach in a pixel (ε_max·max|d| for the unit-ε
direction d, at most 1 when x̃ is clipped to [0, 1]), so η visibly grows with ε and is never lost on a far
wider bar (fast gradient L2: a pale square on ±ε_max). x̃'s caption is green when its class is the true
one, red when not, and neutral for an unlabelled image; x's caption likewise. Multi-channel (RGB) inputs: x and x̃ are shown in colour,
η and ∇ₓJ as their per-pixel magnitude, or per channel side by side (R | G | B, the panel's toggle). Items are created once and updated with
``setImage(..., autoLevels=False)``.
"""

from __future__ import annotations

import re

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QVBoxLayout, QWidget

from advviz.gui.panels.colour_bar import ColourBar
from advviz.gui.panels.explain_common import image_plot
from advviz.gui.state import SweepState
from advviz.gui.style import ERROR_COLOR, OK_COLOR, class_label

GREY = pg.colormap.get("CET-L1")  # black → white
DIVERGING = pg.colormap.get("CET-D1A")  # blue → white → red
MAGNITUDE = pg.colormap.get("CET-L3")  # black → red → yellow
KEYS = ("original", "perturbation", "adversarial", "gradient")
TITLES = {
    "original": "original x",
    "perturbation": "perturbation η = x̃ − x",
    "adversarial": "adversarial x̃ = x + η",
    "gradient": "gradient ∇ₓJ(θ, x, y)",
}
NEUTRAL_COLOR = "#222"  # the captions' text colour: a prediction of an unlabelled image
CAPTION_CHAR_PX = 7.0  # the mean width of a 10 pt caption character
SHORT_VIEW_PX = 220  # below this height a compact caption keeps its first part (the prediction, ε, whose loss)
NOT_YET = {False: "computing…", True: "not computed: stopped"}  # by SweepState.stopped
SHORT_TITLES = {"original": "x", "perturbation": "η = x̃ − x", "adversarial": "x̃ = x + η", "gradient": "∇ₓJ"}
TARGETED_GRADIENT = "gradient ∇ₓJ(θ, x, t)"  # a targeted attack's: the target t's loss, which η descends


@dataclass
class Cell:
    plot: pg.PlotItem
    image: pg.ImageItem
    bar: ColourBar
    caption: pg.LabelItem


def display(array: np.ndarray, *, signed: bool) -> np.ndarray:
    """(C, H, W) → an image: (H, W) for one channel; RGB (H, W, 3) or its magnitude for three."""
    if array.shape[0] == 1:
        return array[0]
    if signed:
        return np.sqrt((array ** 2).sum(axis=0))
    # not clipped here: the image's levels do it, and an unclipped x̃ shows the pixels its bar reaches past 1
    return np.ascontiguousarray(array.transpose(1, 2, 0))


def tile_channels(array: np.ndarray, gap: int = 1) -> np.ndarray:
    """(C, H, W) → (H, C·W + gaps): the channels side by side, separated by 0 (white in the diverging map)."""
    channels, height, width = array.shape
    tiled = np.zeros((height, channels * width + (channels - 1) * gap), dtype=np.float32)
    for channel in range(channels):
        start = channel * (width + gap)
        tiled[:, start:start + width] = array[channel]
    return tiled


def wrap_caption(html: str, chars: int) -> str:
    """A caption for a narrow column: a line per " · " part, each wrapped at spaces to about ``chars``
    visible characters (the spaces inside tags are not break points)."""
    lines = []
    for part in html.split(" · "):
        line, width = "", 0
        for word in re.split(r" (?![^<]*>)", part):
            visible = len(re.sub(r"<[^>]*>", "", word))
            if line and width + 1 + visible > chars:
                lines.append(line)
                line, width = word, visible
            else:
                line, width = (f"{line} {word}" if line else word), width + (1 if line else 0) + visible
        lines.append(line)
    return "<br>".join(lines)


def shrinkable(label: pg.LabelItem) -> pg.LabelItem:
    """Let ``label.released = True`` allow a layout to make it narrower than its text (pyqtgraph pins a
    label's minimum width to its text on every resize); centred, the text then overflows evenly."""
    original = type(label).updateMin

    def update_min() -> None:
        original(label)
        if getattr(label, "released", False):
            hints = dict(label._sizeHint)
            for hint in (Qt.SizeHint.MinimumSize, Qt.SizeHint.PreferredSize):
                hints[hint] = (1.0, hints[hint][1])
            label._sizeHint = hints
            label.setMinimumWidth(1.0)
            label.updateGeometry()

    label.updateMin = update_min  # type: ignore[method-assign]
    return label


def eta_span(state: SweepState, *, magnitude: bool) -> float:
    """The η colour bar's half-range for a whole sweep: the largest |η| (or, ``magnitude``, the largest
    per-pixel norm over channels) that any ε of the sweep can give a pixel.

    A directional attack moves x by ε·d, so |η| ≤ ε_max·max|d| (FGSM: ε_max; fast gradient L2: ε_max times
    the largest entry of the unit-norm gradient, far less); an iterative attack stays in the L∞ ball of ε.
    With x̃ clipped to [0, 1] no pixel moves by more than 1 (√C for the magnitude of C channels).
    """
    eps_max = abs(float(state.header.eps_max))
    channels = 1 if state.x is None else state.x.shape[0]
    reach = 1.0  # |d| per pixel for an iterative L∞ attack
    if state.direction is not None:
        direction = np.nan_to_num(state.direction, nan=0.0, posinf=0.0, neginf=0.0)
        per_pixel = np.sqrt((direction ** 2).sum(axis=0)) if magnitude else np.abs(direction)
        reach = float(per_pixel.max()) if per_pixel.size else 0.0
    elif magnitude:
        reach = float(np.sqrt(channels))
    span = eps_max * reach if reach > 0 else eps_max  # a zero direction moves nothing: any scale will do
    if state.clip:
        span = min(span, float(np.sqrt(channels)) if magnitude else 1.0)
    return max(span, 1e-6)


def verdict_color(predicted: int, label: int, label_known: bool) -> str:
    """A prediction's colour: green when it is the true class, red when not, neutral without a label."""
    if not label_known:
        return NEUTRAL_COLOR
    return OK_COLOR if predicted == label else ERROR_COLOR


SHORT_BAR = 100  # pixels: a shorter colour bar labels its two ends only (at 800 × 600 five labels overlapped)


def label_bar(bar: ColourBar) -> None:
    """Automatic ticks on a tall colour bar; on a short one, its two ends, which say the scale."""
    if bar.height() >= SHORT_BAR:
        bar.axis.setTicks(None)
        return
    low, high = bar.levels()
    bar.axis.setTicks([[(low, f"{low:.2g}"), (high, f"{high:.2g}")], []])


class HeatmapsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("w")
        self.cells: dict[str, Cell] = {}
        for column, key in enumerate(KEYS):
            plot, image = image_plot(self.view, 0, column, TITLES[key], title_size="11pt")
            signed = key in ("perturbation", "gradient")
            bar = ColourBar(values=(-1.0, 1.0) if signed else (0.0, 1.0), colour_map=DIVERGING if signed else GREY,
                            width=14)
            bar.setImageItem(image, insert_in=plot)
            # labelled whenever its height changes: after a resize, and after presentation mode's fonts left it
            # behind another tab (its sparse ticks stayed: no resize of the panel relabelled it)
            bar.geometryChanged.connect(lambda bar=bar: label_bar(bar))
            caption = pg.LabelItem("", color="#222", size="10pt", justify="center")
            self.view.addItem(caption, row=1, col=column)
            shrinkable(caption).released = False
            shrinkable(plot.titleLabel).released = False
            self.cells[key] = Cell(plot, image, bar, caption)
        self.view.ci.layout.setRowStretchFactor(0, 10)
        self.compact = False  # short titles, captions on two lines: for a narrow window
        self._captions: dict[str, str] = {key: "" for key in KEYS}
        self._full_width = 0.0  # the layout's minimum width with full titles and one-line captions
        self._released = False  # the labels' minimum widths are released (compact)
        self._targeted = False  # the sweep's attack has a target: the gradient is of the target's loss
        self.per_channel = QCheckBox("RGB: show η and ∇ₓJ per channel (R | G | B) instead of their magnitude")
        self.per_channel.hide()  # shown for multi-channel inputs
        self.offers_per_channel = True  # False where nobody can click it (an animation's frames)
        self.per_channel.toggled.connect(lambda _: self._last is not None and self.show_state(*self._last))
        self._last: tuple[SweepState, int] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.per_channel)
        layout.addWidget(self.view)
        self.shown: dict[str, np.ndarray] = {}  # what each image holds (for tests and export)
        self._looks: dict[str, tuple] = {}  # each image's levels and colour map
        self._measured_texts: tuple[str, ...] | None = None  # the captions the last fit() measured

    def _set(self, key: str, array: np.ndarray, levels: tuple[float, float], *, colormap: pg.ColorMap | None = None
             ) -> None:
        """Show ``array``; a no-op when the cell already shows it (a redraw at up to 60 Hz while a sweep
        streams mostly repeats the same images, and each setImage repaints)."""
        cell = self.cells[key]
        look = (levels, id(colormap) if colormap is not None else None)
        shown = self.shown.get(key)
        if (shown is not None and self._looks.get(key) == look and shown.shape == array.shape
                and np.array_equal(shown, array)):
            return
        previous = self._looks.get(key)
        cell.image.show()  # (hidden by clear)
        self.shown[key] = array
        self._looks[key] = look
        if previous != look:  # a colour bar given its levels again re-renders its axis (~3 ms a bar)
            if colormap is not None:
                cell.bar.setColorMap(colormap)
            cell.bar.setLevels(levels)
            label_bar(cell.bar)
        cell.image.setImage(array, autoLevels=False, levels=levels)

    def clear(self) -> None:
        """Empty cells: no image (a black square read as a black x), colour bars at their default levels."""
        for key, cell in self.cells.items():
            cell.image.setImage(np.zeros((28, 28), dtype=np.float32), autoLevels=False)
            cell.image.hide()
            cell.bar.setLevels((-1.0, 1.0) if key in ("perturbation", "gradient") else (0.0, 1.0))
            label_bar(cell.bar)
        self._captions = {key: "" for key in KEYS}
        self._apply_texts()
        self.shown.clear()
        self._looks.clear()
        self._measured_texts = None  # the labels were emptied: the next texts must be set again

    # -- fitting the width: full titles and one-line captions where they fit, short ones otherwise ----------
    def _caption(self, key: str, text: str) -> None:
        self._captions[key] = text

    def _apply_texts(self) -> None:
        force = not self.compact and self._released  # back to full texts: restore the minimum widths
        for key, cell in self.cells.items():
            title = SHORT_TITLES[key] if self.compact else TITLES[key]
            if key == "gradient" and self._targeted and not self.compact:
                title = TARGETED_GRADIENT
            if force or cell.plot.titleLabel.text != title:
                cell.plot.setTitle(title, color="#222", size=cell.plot.titleLabel.opts.get("size", "11pt"))
            caption = self._captions[key]
            if self.compact and self.view.height() < SHORT_VIEW_PX:
                # a short view (800 × 600): the first part only — three-line captions left the images 23 pixels
                caption = caption.split(" · ")[0]
            caption = wrap_caption(caption, self._caption_chars()) if self.compact else caption
            if force or cell.caption.text != caption:
                cell.caption.setText(caption)  # (re)sets the label's minimum width to its text
                cell.caption.setToolTip(re.sub(r"<[^>]*>", "", self._captions[key]))  # the whole caption
            for label in (cell.caption, cell.plot.titleLabel):  # compact: cells may shrink past their texts
                if label.released != self.compact:
                    label.released = self.compact
                    label.updateMin()
        self._released = self.compact

    def _caption_chars(self) -> int:
        """Characters of caption text a column holds (a quarter of the view, less its colour bar)."""
        return max(12, int((self.view.width() / len(KEYS) - 40) / CAPTION_CHAR_PX))

    def restyled(self) -> None:
        """Its texts' font changed (presentation mode): full or compact texts chosen afresh. Compact, :meth:`fit`
        compares the view with the full texts' width measured in the other font (presentation's 1244 pixels after
        leaving: at 1098 it stayed compact)."""
        self.compact = False
        self.fit()

    def fit(self, *, force: bool = True) -> None:
        """Choose full or compact texts for the current width (measured: fonts differ in presentation mode).
        ``force=False`` skips the measurement (a full layout pass) when no caption changed."""
        texts = tuple(self._captions.values())
        if not force and texts == self._measured_texts:
            return
        self._measured_texts = texts
        available = self.view.width() - 8
        if self.compact and available < self._full_width:  # still too narrow for the full texts
            self._apply_texts()
            return
        self.compact = False
        self._apply_texts()
        self._full_width = self._needed_width()
        if self._full_width > available:
            self.compact = True
            self._apply_texts()
            # measuring the full texts widened the layout past the view; it keeps that width until the next
            # resize of the view (the gradient cell lay off screen in presentation mode at 1024 px)
            self.view.ci.setGeometry(self.view.range)

    def _needed_width(self) -> float:
        """The layout's minimum width for the texts just set (the cached one lags a text change)."""
        layout = self.view.ci.layout
        for cell in self.cells.values():
            cell.plot.layout.invalidate()
        layout.invalidate()
        layout.activate()
        return layout.minimumWidth()

    def resizeEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt's name
        super().resizeEvent(event)
        self.fit()

    def show_state(self, state: SweepState, index: int) -> None:
        if state.x is None or state.eps is None:
            return
        header = state.header
        names = header.class_names
        index = min(max(index, 0), state.total - 1)
        eps = float(state.eps[index])
        x = state.x
        rgb = x.shape[0] == 3
        self._last = (state, index)
        self._targeted = header.target is not None
        self.per_channel.setVisible(rgb and self.offers_per_channel)
        per_channel = rgb and self.per_channel.isChecked()
        low, high = (0.0, 1.0) if state.clip else (min(0.0, float(x.min()) - abs(eps)), max(1.0, float(x.max()) + abs(eps)))
        self._set("original", display(x, signed=False), (0.0, 1.0))
        clean, confidence = state.clean()
        clean_color = verdict_color(clean, header.label, header.label_known)
        self._caption("original",
            f"predicted <b><span style='color:{clean_color}'>{class_label(names, clean)}</span></b> ({confidence:.1%})"
            + (f" · true {class_label(names, header.label)}" if header.label_known else ""))

        adversarial = state.adversarial_at(index)
        span = eta_span(state, magnitude=rgb and not per_channel)
        if adversarial is not None:
            eta = adversarial - x
            if per_channel:
                self._set("perturbation", tile_channels(eta), (-span, span), colormap=DIVERGING)
            else:
                magnitude_map = MAGNITUDE if rgb else DIVERGING
                self._set("perturbation", display(eta, signed=True), (0.0, span) if rgb else (-span, span),
                          colormap=magnitude_map)
            self._set("adversarial", display(adversarial, signed=False), (low, high))
            norm = float(np.sqrt((eta ** 2).sum())) if header.attack.norm == "L2" else float(np.abs(eta).max())
            norm_name = "‖η‖₂" if header.attack.norm == "L2" else "‖η‖∞"
            self._caption("perturbation", f"ε = {eps:+.3f} · {norm_name} = {norm:.3f}"
                          + (" · R | G | B" if per_channel else ""))
            prediction = state.prediction_at(index)
            if prediction is None:
                self._caption("adversarial", NOT_YET[state.stopped])
            else:
                cls, conf = prediction
                color = verdict_color(cls, header.label, header.label_known)
                self._caption("adversarial",
                    f"predicted <b><span style='color:{color}'>{class_label(names, cls)}</span></b> ({conf:.1%})")
        else:  # an iterative attack that has not reached this ε: no image of another attack or sample
            blank = np.zeros_like(display(x, signed=False))  # white on both colour maps: an empty cell
            self._set("perturbation", blank, (-span, span), colormap=DIVERGING)
            self._set("adversarial", blank + high, (low, high))
            self._caption("perturbation", f"ε = {eps:+.3f} · {NOT_YET[state.stopped]}")
            self._caption("adversarial", NOT_YET[state.stopped])
        if state.gradient is None:  # random signs take no gradient: a blank cell, not a vanished gradient
            blank = np.zeros_like(display(x, signed=False))
            self._set("gradient", blank, (-1.0, 1.0), colormap=DIVERGING)
            self._caption("gradient", "not used: random signs, no gradient")
        else:
            self._show_gradient(state, per_channel=per_channel, rgb=rgb)
        self.fit(force=False)

    def _show_gradient(self, state: SweepState, *, per_channel: bool, rgb: bool) -> None:
        header = state.header
        names = header.class_names
        gradient = np.nan_to_num(state.gradient, nan=0.0, posinf=0.0, neginf=0.0)  # a colour bar needs finite levels
        peak = float(np.abs(gradient).max())
        scale = peak or 1.0
        if per_channel:
            self._set("gradient", tile_channels(gradient), (-scale, scale), colormap=DIVERGING)
        else:
            self._set("gradient", display(gradient, signed=True), (0.0, scale) if rgb else (-scale, scale),
                      colormap=MAGNITUDE if rgb else DIVERGING)
        target = header.target
        loss_of = (f"loss of target {class_label(names, target)} (η descends it)" if target is not None
                   else f"loss of class {class_label(names, header.label)}")
        zero = state.zero_gradient_fraction
        # the scale in words: a narrow colour bar may only have room for its 0 tick
        self._caption("gradient", f"{loss_of} · max |∇| = {peak:.2g}"
                      + (f" · <span style='color:#b26a00'>{zero:.0%} exactly 0</span>" if zero > 0.05 else ""))
