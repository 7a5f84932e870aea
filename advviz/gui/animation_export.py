"""The window's File ▸ Export animation: the current sweep's frames drawn one per turn of the event loop,
converted and written on a worker thread, with progress and Cancel (:class:`AnimationExport`)."""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from advviz.gui.animate import MAX_FRAMES, SweepFilm, check_out_path, film_layout, frame_eps, render
from advviz.gui.export import ExportError
from advviz.gui.state import SweepState
from advviz.gui.video import NO_FFMPEG, ffmpeg_path, save_frames, to_pil

if TYPE_CHECKING:
    from PIL import Image

    from advviz.gui.window import MainWindow


# Widths the window offers besides the panel's own: a 720p and a 1080p video's, and a small file's.
OFFERED_WIDTHS = (1280, 1920, 640)
MIN_WIDTH, MAX_WIDTH = 640, 1920  # the on-screen default's bounds: readable text, and frames a video can hold


def screen_width(window: "MainWindow") -> int:
    """The default frame width: the curves panel's on screen (device pixels, even for H.264; 640 to 1920), a
    frame as large as what the user sees; 1280 while the panel has no size yet."""
    curves = window.curves
    if curves.width() < 100:
        return OFFERED_WIDTHS[0]
    width = round(curves.width() * curves.devicePixelRatioF())
    return min(max(width - width % 2, MIN_WIDTH), MAX_WIDTH)


def export_animation(window: "MainWindow", path: str | os.PathLike, *, max_frames: int = MAX_FRAMES,
                     width: int | None = None) -> Path:
    """The window's current sweep, ε from 0 to ε_max, one frame per grid ε (thinned to ``max_frames``),
    ``width`` pixels wide (default: :func:`screen_width`)."""
    state = check_animation_request(window, path)
    toggle = getattr(window.heatmaps, "per_channel", None)
    frames = render(state, frame_eps(state, max_frames), width=width or screen_width(window),
                    probabilities=window.curves.probabilities.isChecked(),
                    per_channel=bool(toggle is not None and toggle.isChecked()))
    return save_frames(frames, path)


class AnimationExport(QObject):
    """The window's animation export, in steps on the GUI thread and a worker thread.

    Rendered in one call it held the window ~0.5 s (60 frames drawn and grabbed, converted, scaled
    and encoded on the GUI thread). Here the GUI thread, one turn of the event loop per frame, only
    draws a frame and grabs it (widgets belong to the GUI thread); a worker thread turns each grab into
    a PIL frame (conversion, LANCZOS scaling) and finally writes the GIF or MP4. The status line says
    the progress; the window's Cancel button (or :meth:`cancel`) stops it and writes nothing.
    ``finished`` carries the written path, or None (cancelled or failed: the message line says why)."""

    finished = Signal(object)

    def __init__(self, window: "MainWindow", path: str | os.PathLike, *, max_frames: int = MAX_FRAMES,
                 width: int | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.path = Path(path)
        self.width = width or screen_width(window)
        self.state = check_animation_request(window, path)
        self.eps_values = list(frame_eps(self.state, max_frames))
        self.frames: list[Any] = []  # futures of PIL frames, in order
        self.rendered_on: set[str] = set()  # the threads that converted frames (for tests)
        self.result: Path | None = None
        self.error: str | None = None
        self.cancelled = False
        self._film: SweepFilm | None = None
        self._index = -1  # the frame drawn and waiting for its grab
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="advviz-animation")
        self._writing: Any = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(1)  # 1 ms, not 0: the film's layout requests and the window's paints first
        self._timer.timeout.connect(self._step)

    def start(self) -> "AnimationExport":
        """Begin; while it runs the window's Cancel stops it, and only it (the window's ``exports``)."""
        self.window.exports.append(self)
        self.window._update_status()
        self.window.set_status(f"Rendering the animation: 0/{len(self.eps_values)} frames…")
        self._timer.start()
        return self

    @property
    def done(self) -> bool:
        return self.result is not None or self.error is not None or self.cancelled

    def cancel(self) -> None:
        if self.done:
            return
        self.cancelled = True
        self._finish(None, "Animation cancelled; nothing written.")

    def _step(self) -> None:
        """One turn: grab the frame drawn last turn (its layout done in between), draw the next."""
        if self.done:
            return
        try:
            if self._film is None:
                toggle = getattr(self.window.heatmaps, "per_channel", None)
                layout, ratio = film_layout(self.width)
                self._film = SweepFilm(width=layout, pixel_ratio=ratio,
                                       probabilities=self.window.curves.probabilities.isChecked(),
                                       per_channel=bool(toggle is not None and toggle.isChecked()))
                self._timer.start()  # laid out next turn: the film's construction is the longest turn
                return
            if self._index < 0:
                self._film.prepare(self.state)
            else:
                image = self._film.grab_frame()  # a new image per frame: the worker's own pixels
                self.frames.append(self._pool.submit(self._convert, image))
            self._index += 1
            if self._index < len(self.eps_values):
                self._film.draw(self.state, self.eps_values[self._index])
                self.window.set_status(f"Rendering the animation: {self._index}/{len(self.eps_values)} frames…")
                self._timer.start()
                return
            self._dispose_film()
            self.window.set_status(f"Writing {self.path.name} ({len(self.frames)} frames)…")
            self._writing = self._pool.submit(self._write)
            self._poll()
        except (ExportError, OSError) as error:
            self._finish(None, f"animation: {error}", error=True)

    def _convert(self, image: QImage) -> "Image.Image":
        """On the worker: a grabbed frame as a PIL image of the final width."""
        import threading

        from PIL import Image

        self.rendered_on.add(threading.current_thread().name)
        frame = to_pil(image)
        if frame.width != self.width:  # a pixel off by rounding
            frame = frame.resize((self.width, round(frame.height * self.width / frame.width)),
                                 Image.Resampling.LANCZOS)
        return frame

    def _write(self) -> Path:
        return save_frames([future.result() for future in self.frames], self.path)

    def _poll(self) -> None:
        if self.done:
            return
        if not self._writing.done():
            QTimer.singleShot(20, self, self._poll)
            return
        try:
            written = self._writing.result()
        except (ExportError, OSError) as error:
            self._finish(None, f"animation: {error}", error=True)
            return
        self._finish(written, f"Saved {written}")

    def _finish(self, path: Path | None, message: str, *, error: bool = False) -> None:
        self._timer.stop()
        self._dispose_film()
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self in self.window.exports:
            self.window.exports.remove(self)
        self.window._update_status()  # Cancel's state; then this export's message, not "Ready."
        if error:
            self.error = message
            self.window.show_error(message)
        else:
            self.result = path
            self.window.report_saved(message)
        self.finished.emit(path)

    def _dispose_film(self) -> None:
        if self._film is not None:
            film, self._film = self._film, None
            film.close()
            film.deleteLater()


def check_animation_request(window: "MainWindow", path: str | os.PathLike) -> SweepState:
    """The window's sweep to animate into ``path``; ExportError where it cannot be, before any frame renders."""
    state = window.sweep
    if state is None or not state.complete:
        raise ExportError("wait until the sweep is complete, then export the animation")
    if Path(path).suffix.lower() not in (".gif", ".mp4"):
        raise ExportError(f"{Path(path).name}: an animation is a .gif or an .mp4 file")
    # refused before seconds of rendering: a missing or read-only folder, or a folder named like the file
    # (which failed only after rendering, as "[Errno 21] Is a directory: '….sweep-x1y2.gif' -> …")
    check_out_path(path)
    if Path(path).suffix.lower() == ".mp4" and ffmpeg_path() is None:
        raise ExportError(f"{NO_FFMPEG}; save a GIF instead")
    return state


def width_filters(window: "MainWindow") -> list[str]:
    """The save dialog's file types, one per format and frame width: the panel's width on screen first (the
    default), then :data:`OFFERED_WIDTHS`. The width is chosen with the type: a native dialog takes no widget
    of ours, and this way the window's own dialog stays the one dialog."""
    own = screen_width(window)
    widths = [(own, "as the panel on screen")] + [(width, "") for width in OFFERED_WIDTHS if width != own]
    kinds = [("GIF animation", "gif")] + ([("MP4 video", "mp4")] if ffmpeg_path() else [])
    return [f"{kind}, {width} px wide{f' ({why})' if why else ''} (*.{suffix})"
            for kind, suffix in kinds for width, why in widths]


def chosen_width(chosen: str) -> int | None:
    """The frame width of a file type of :func:`width_filters` (None for any other text)."""
    match = re.search(r", (\d+) px wide", chosen)
    return int(match.group(1)) if match else None


def ask_animation(window: "MainWindow") -> Path | None:
    from PySide6.QtWidgets import QFileDialog

    if window.exports:  # two at once took turns writing their progress on the one status line
        window.show_error("An animation is being exported: wait for it, or Cancel it, before the next")
        return None
    filters = width_filters(window)
    path, chosen = QFileDialog.getSaveFileName(window, "Export ε-sweep animation", "sweep.gif", ";;".join(filters),
                                               filters[0])
    if not path:
        return None
    if Path(path).suffix.lower() not in (".gif", ".mp4"):
        path += ".mp4" if "mp4" in chosen else ".gif"
    try:
        export = AnimationExport(window, path, width=chosen_width(chosen))
    except (ExportError, OSError) as error:
        window.show_error(f"animation: {error}")
        return None
    export.start()  # kept alive by the window's ``exports`` (and its Qt parent) while it runs
    return Path(path)


# -- headless (advviz animate) ----------------------------------------------------------------------------
