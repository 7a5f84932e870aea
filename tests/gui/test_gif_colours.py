"""The exported ε-sweep animation, for a video: each class's curve keeps its colour in the GIF, and the frame width
is the user's, with the text growing with it."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPointF

from advviz.gui import animate, animation_export, video
from advviz.gui.style import CLASS_COLORS

CLASS_RGB = np.array([[int(colour[i:i + 2], 16) for i in (1, 3, 5)] for colour in CLASS_COLORS])
TOLERANCE = 8  # per channel


def gif_frames(path) -> list[np.ndarray]:
    with Image.open(path) as gif:
        frames = []
        for index in range(gif.n_frames):
            gif.seek(index)
            frames.append(np.asarray(gif.convert("RGB"), dtype=np.int16))
    return frames


def near(pixels: np.ndarray, colour: np.ndarray) -> np.ndarray:
    return np.abs(pixels - colour).max(axis=-1) <= TOLERANCE


def test_a_gif_keeps_rare_colours_exactly_beside_many_others(tmp_path):
    """One shared 255-colour median-cut palette spent its colours where most pixels are: a thin line's colour,
    a few hundred pixels, became a neighbour's (class 0's blue lavender, class 2's green grey)."""
    rng = np.random.default_rng(0)
    coarse = rng.integers(0, 256, (10, 15, 3)).astype(np.uint8)  # a smooth field of many colours (an RGB image)
    frame = np.asarray(Image.fromarray(coarse).resize((600, 400), Image.Resampling.BICUBIC), dtype=np.int16).copy()
    lines = [(slice(30 + 35 * index, 32 + 35 * index), slice(50, 150)) for index in range(len(CLASS_RGB))]
    for line, colour in zip(lines, CLASS_RGB):  # a 2-pixel line of each class colour, 100 pixels long
        frame[line] = colour
    frames = [Image.fromarray(frame.astype(np.uint8), "RGB")]
    decoded = gif_frames(video.save_gif(frames, tmp_path / "lines.gif"))[0]
    for index, (line, colour) in enumerate(zip(lines, CLASS_RGB)):
        assert np.abs(decoded[line] - colour).max() == 0, (index, CLASS_COLORS[index], decoded[line][0, 0])
    assert np.abs(decoded - frame).mean() < 12  # and the rest as close as a median cut of its own (10)


def test_every_class_colour_is_in_the_exported_gif(window, qtbot, tmp_path):
    """The reviewer's GIF had no pixel of most class colours (thin lines scaled to 0.67 pixels, then a palette
    without their colours): 0 and 7 alike, the legend's lines pastel."""
    export = animation_export.AnimationExport(window, tmp_path / "sweep.gif", max_frames=3, width=640).start()
    qtbot.waitUntil(lambda: export.done, timeout=60000)
    assert export.error is None
    for frame in gif_frames(tmp_path / "sweep.gif"):
        curves = frame[: frame.shape[0] * 5 // 9]  # the curves panel: the film's upper five ninths
        for index, colour in enumerate(CLASS_RGB):
            assert near(curves, colour).sum() >= 150, (index, CLASS_COLORS[index], near(curves, colour).sum())


def curve_pixels(film: animate.SweepFilm, curve) -> np.ndarray:
    """The frame pixels (x, y) along ``curve``, about one per pixel of its length."""
    view = film.curves.view
    xs, ys = curve.getData()
    points = []
    for x, y in zip(xs, ys):
        on_view = view.mapFromScene(curve.mapToScene(QPointF(float(x), float(y))))
        on_film = view.mapTo(film, on_view)
        points.append((on_film.x() * film.pixel_ratio, on_film.y() * film.pixel_ratio))
    points = np.array(points)
    dense = [np.linspace(a, b, max(2, int(np.hypot(*(b - a))))) for a, b in zip(points[:-1], points[1:])]
    return np.concatenate(dense)


@pytest.mark.parametrize("width", [640, 1280])
def test_the_pixels_along_each_class_curve_are_its_colour_in_the_gif(window, tmp_path, width):
    """Each class's curve, where no other curve or the cursor comes near, is drawn in the class's own colour in
    the decoded GIF (a 1-pixel antialiased line has no pixel of its colour: the film draws at least 2)."""
    layout, ratio = animate.film_layout(width)
    film = animate.SweepFilm(width=layout, pixel_ratio=ratio)
    try:
        images = list(film.frames(window.sweep, [0.1]))
        frame = gif_frames(video.save_gif([video.to_pil(images[0])], tmp_path / "frame.gif"))[0]
        assert frame.shape[1] == width
        paths = [curve_pixels(film, curve) for curve in film.curves.curves]
        cursor = film.curves.view.mapTo(film, film.curves.view.mapFromScene(
            film.curves.cursor_line.mapToScene(QPointF(0, 0)))).x() * ratio
    finally:
        film.dispose()
    for index, path in enumerate(paths):
        others = np.concatenate([other for k, other in enumerate(paths) if k != index])
        checked = passed = 0
        for x, y in path[::3]:
            if abs(x - cursor) < 6 or np.hypot(*(others - (x, y)).T).min() < 8:
                continue  # crossings, and the cursor line drawn over the curves
            patch = frame[int(round(y)) - 1: int(round(y)) + 2, int(round(x)) - 1: int(round(x)) + 2]
            checked += 1
            passed += bool(near(patch, CLASS_RGB[index]).any())
        assert checked >= 20 and passed >= 0.95 * checked, (index, CLASS_COLORS[index], passed, checked)


def header_text_height(frame: Image.Image) -> int:
    """The height of the frame's first line of dark text (the curves' summary)."""
    grey = np.asarray(frame.convert("L"))
    dark_rows = (grey < 100).any(axis=1)
    top = int(np.argmax(dark_rows))
    return int(np.argmin(dark_rows[top:]))


def test_a_wider_frame_shows_the_same_layout_with_larger_text(window):
    """Frames were laid out 1.5× their width: a 1,920-pixel frame had the 640-pixel frame's ~6-pixel text."""
    small, = animate.render(window.sweep, [0.2], width=640)
    large, = animate.render(window.sweep, [0.2], width=1920)
    assert large.width == 1920 and large.height == pytest.approx(3 * small.height, abs=3)
    assert header_text_height(large) >= 2.5 * header_text_height(small)
    shrunk = np.asarray(large.resize(small.size, Image.Resampling.LANCZOS).convert("L"), dtype=np.int16)
    assert np.abs(shrunk - np.asarray(small.convert("L"), dtype=np.int16)).mean() < 12  # one layout, scaled


def test_the_window_asks_the_frame_width_with_the_file_type(window, qtbot, tmp_path, monkeypatch, idle):
    """The window's export was 640 pixels wide whatever the user wanted; its default is now the curves
    panel's width on screen, and 1,280 and 1,920 (video widths) are offered beside it."""
    from PySide6.QtWidgets import QFileDialog

    window.controls.steps.setValue(21)  # 11 frames
    idle(window)
    asked = []

    def ask(parent, caption, folder, filters, selected="", *args, **kwargs):
        asked.append((filters.split(";;"), selected))
        return str(tmp_path / answers[0][0]), answers.pop(0)[1]

    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    on_screen = round(window.curves.width() * window.curves.devicePixelRatioF())
    on_screen = min(max(on_screen - on_screen % 2, 640), 1920)
    answers = [("default.gif", ""), ("wide.gif", "")]
    assert animation_export.ask_animation(window) == tmp_path / "default.gif"
    filters, selected = asked[0]
    assert selected == filters[0] and f"{on_screen} px wide" in filters[0] and "on screen" in filters[0]
    assert any("1920 px wide" in text for text in filters) and any("1280 px wide" in text for text in filters)
    assert window.exports[0].width == on_screen  # no type chosen (a typed name): the default width
    window.exports[0].cancel()
    answers[0] = ("wide.gif", next(text for text in filters if "1920 px wide" in text and "*.gif" in text))
    assert animation_export.ask_animation(window) == tmp_path / "wide.gif"
    qtbot.waitUntil(lambda: not window.exports, timeout=120000)
    with Image.open(tmp_path / "wide.gif") as gif:
        assert gif.width == 1920 and gif.n_frames == 11
