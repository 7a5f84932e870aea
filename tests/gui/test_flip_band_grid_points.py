"""The red flip band starts where the header says the class flips: at a grid point. On the grid −1, 0, 1 (ε max 1,
3 steps; or ``advviz animate --steps 2``) the header said "flips to 2 at ε = +1.000" beside a band from +0.5, half
a grid step earlier, where no argmax was ever computed. Now a band's edge beside a clean point is its own grid
point (a lone point is a line there), in the window and in an animation's frames."""

from __future__ import annotations

import re

import numpy as np
import pytest

from advviz.gui.jobs import AttackChoice, SweepHeader
from advviz.gui.state import Band, SweepState, flip_runs



def band_tinted(pixels: np.ndarray) -> np.ndarray:
    """Pixels of the white plot under the band's translucent red (about 249, 225, 225), not a curve's colour."""
    red, green, blue = (pixels[..., channel].astype(int) for channel in range(3))
    return (red > 235) & (red - green > 12) & (red - green < 50) & (np.abs(green - blue) < 10)


def flip_red(pixels: np.ndarray) -> np.ndarray:
    """The band's tint or its line's stronger red (a band of one grid point)."""
    red, green, blue = (pixels[..., channel].astype(int) for channel in range(3))
    return (red > 200) & (red - green > 12) & (np.abs(green - blue) < 12)


def state_for(eps, predicted, clean=0, classes=3) -> SweepState:
    eps = np.asarray(eps, dtype=np.float32)
    logits = np.zeros((len(eps), classes), dtype=np.float32)
    logits[np.arange(len(eps)), predicted] = 5.0
    clean_logits = np.zeros(classes, dtype=np.float32)
    clean_logits[clean] = 5.0
    header = SweepHeader(model_name="m", class_names=tuple(str(c) for c in range(classes)), label=clean,
                         label_known=True, target=None, clean_logits=clean_logits, reject_logit=False,
                         attack=AttackChoice("fgsm"), eps_max=float(eps[-1]))
    state = SweepState(header)
    state.eps, state.logits, state.filled = eps, logits, len(eps)
    return state


def test_band_edges_are_grid_points_beside_clean_ones_and_midpoints_between_classes():
    state = state_for([-1, 0, 1], [0, 0, 2])
    assert state.bands() == [Band(1.0, 1.0, 2, 1)]  # was (0.5, 1.5): from half a step before the flip
    assert state.flip_eps()[0] == state.bands()[0].start
    state = state_for([-1, -0.5, 0, 0.5, 1], [1, 1, 0, 2, 1])
    bands = state.bands()
    assert bands == [Band(-1.0, -0.5, 1, 2), Band(0.5, 0.75, 2, 1), Band(0.75, 1.0, 1, 1)]
    assert [[b.predicted for b in run] for run in flip_runs(bands)] == [[1], [2, 1]]  # touching: one run


def flip_eps_in_header(window) -> float:
    match = re.search(r"flips to <b>[^<]+</b> at ε = ([+-][\d.]+)", window.curves.summary.text())
    assert match, window.curves.summary.text()
    return float(match.group(1))


def test_the_band_starts_at_the_eps_the_header_names_on_a_coarse_grid(window, idle):
    window.controls.set_checked(["mnist-softmax"])  # sample 0 flips only at ε = +1 on the grid −1, 0, 1
    window.controls.eps_max.setValue(1.0)
    window.controls.steps.setValue(3)
    idle(window)
    assert list(window.sweep.eps) == [-1.0, 0.0, 1.0]
    named = flip_eps_in_header(window)
    shown = [band.getRegion() for band in window.curves.bands if band.isVisible()]
    positive = [region for region in shown if region[1] > 0]
    assert positive and min(region[0] for region in positive) == pytest.approx(named)  # it started at +0.5
    # one grid point alone: drawn as a line at that ε, its run labelled inside the plot
    band = next(band for band in window.curves.bands if band.isVisible() and band.getRegion()[1] > 0)
    assert band.lines[0].pen.style() != 0 and band.lines[0].pen.widthF() >= 2  # 0: Qt.NoPen
    label = window.curves.band_labels[0]
    assert label.isVisible() and label.anchor.x() == 1.0  # ending at the grid's end, not running off the plot


def red_columns(image, film, eps_values, test=band_tinted) -> list[int]:
    """How many pixels of each ε's column, inside the plot, are tinted red (the flip band's colour)."""
    from PySide6.QtCore import QPointF

    plot = film.curves.plot
    pixels = np.asarray(image.convertToFormat(image.Format.Format_RGB32).constBits(), dtype=np.uint8)
    pixels = pixels.reshape(image.height(), image.bytesPerLine() // 4, 4)[:, : image.width(), :3][..., ::-1]
    ratio = image.devicePixelRatio()
    top = plot.vb.mapViewToScene(QPointF(0, plot.vb.viewRange()[1][1]))
    bottom = plot.vb.mapViewToScene(QPointF(0, plot.vb.viewRange()[1][0]))
    counts = []
    for eps in eps_values:
        scene = plot.vb.mapViewToScene(QPointF(eps, 0))
        point = film.curves.view.mapTo(film, film.curves.view.mapFromScene(scene))
        low = film.curves.view.mapTo(film, film.curves.view.mapFromScene(top)).y()
        high = film.curves.view.mapTo(film, film.curves.view.mapFromScene(bottom)).y()
        x = round(point.x() * ratio)
        column = pixels[round(low * ratio) + 5: round(high * ratio) - 5, x].astype(int)
        counts.append(int(test(column).sum()))
    return counts


def test_an_animation_frame_shades_no_eps_before_the_flip(window, idle):
    """``advviz animate --steps 2`` sweeps the grid −ε, 0, ε: its frame at ε = 0 showed the band from ε/2."""
    from advviz.gui import animate

    window.controls.set_checked(["mnist-softmax"])
    window.controls.eps_max.setValue(1.0)
    window.controls.steps.setValue(3)
    idle(window)
    film = animate.SweepFilm(width=640)
    try:
        image = next(film.frames(window.sweep, [0.0]))
        before, at_flip = red_columns(image, film, [0.5, 0.75]), red_columns(image, film, [1.0], flip_red)
        assert max(before) < 10, before  # no red between the clean ε = 0 and the flip at +1 (a curve's edge at most)
        assert at_flip[0] > 50, at_flip  # the flip itself is drawn
        assert "flips to <b>2</b> at ε = +1.000" in film.curves.summary.text()
    finally:
        film.dispose()
