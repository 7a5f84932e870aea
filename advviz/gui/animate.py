"""Animate an ε sweep: the logit curves and the heatmaps moving together as ε goes 0 → ε_max.

A :class:`SweepFilm` is an offscreen widget holding its own curves and heatmaps panels. For each frame
it moves the ε cursor, redraws both panels from the :class:`~advviz.gui.state.SweepState` and grabs
itself (``QWidget.grab`` → QImage → PIL). Frames are written as a GIF (Pillow) or, where ffmpeg is
found (on PATH, or shipped by the optional ``imageio-ffmpeg`` package: ``pip install advviz[video]``), an
H.264 MP4. The window's File menu and ``advviz animate`` both end here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, QtMsgType, Qt, QTimer, Signal, qInstallMessageHandler
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from advviz.gui.export import ExportError, write_atomically
from advviz.gui.state import SweepState

if TYPE_CHECKING:
    from PIL import Image

    from advviz.core.architectures import PixelSpaceModel
    from advviz.gui.window import MainWindow

DEFAULT_WIDTH = 640
RENDER_SCALE = 1.5  # frames are drawn this much larger, then scaled down: the panels' text fits
MAX_FRAMES = 60
FRAME_MS = 120
HOLD_MS = 1200  # the last frame stays a little longer before the loop restarts


class SweepFilm(QWidget):
    """Curves above heatmaps, never shown on screen; :meth:`frames` renders one image per ε."""

    def __init__(self, *, width: int = DEFAULT_WIDTH, height: int | None = None, probabilities: bool = False,
                 per_channel: bool = False) -> None:
        from advviz.gui.panels.curves import CurvesPanel
        from advviz.gui.panels.heatmaps import HeatmapsPanel

        super().__init__()
        self.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        self.setStyleSheet("background: white; color: #222;")
        self.curves = CurvesPanel()
        self.curves.probabilities.setChecked(probabilities)
        self.curves.probabilities.hide()
        self.curves.view.ci.layout.setColumnMinimumWidth(1, 215)
        self.curves.summary.setStyleSheet("font-size: 14pt;")
        self.heatmaps = HeatmapsPanel()
        toggle = getattr(self.heatmaps, "per_channel", None)
        if toggle is not None:
            toggle.setChecked(per_channel)
            toggle.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(0)
        layout.addWidget(self.curves, 5)
        layout.addWidget(self.heatmaps, 4)
        self.resize(width, height or round(width * 0.95))

    def frames(self, state: SweepState, eps_values: Sequence[float]) -> Iterator[QImage]:
        """Move the cursor to each ε (snapped to the sweep's grid) and grab the widget."""
        self.prepare(state)
        QApplication.processEvents()
        for eps in eps_values:
            self.draw(state, eps)
            QApplication.processEvents()  # the layout requests of the new texts, or a cell lies past the edge
            yield self.grab().toImage()

    def prepare(self, state: SweepState) -> None:
        """The sweep's classes and range, the widget laid out (offscreen)."""
        if state.eps is None or state.filled == 0:
            raise ExportError("the sweep has not started; nothing to animate")
        self.curves.set_classes(state.header.class_names)
        self.curves.set_range(state.header.eps_max)
        self.show()
        layout = self.layout()
        if layout is not None:
            layout.activate()

    def draw(self, state: SweepState, eps: float) -> None:
        """The cursor at ``eps`` (snapped to the sweep's grid), both panels drawn for it."""
        index = state.index_of(float(eps))
        self.curves.set_cursor(float(state.eps[index]))
        self.curves.show_state(state, index)
        self.heatmaps.show_state(state, index)

    def dispose(self) -> None:
        """Close and delete the widget now (a pending ``deleteLater`` outliving the QApplication crashes)."""
        self.close()
        self.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QApplication.processEvents()


def to_pil(image: QImage) -> "Image.Image":
    """A QImage as an RGB PIL image."""
    from PIL import Image

    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * height).reshape(height, stride)
    return Image.fromarray(buffer[:, : width * 3].reshape(height, width, 3).copy(), "RGB")


def frame_eps(state: SweepState, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """The sweep's grid values in [0, ε_max] (every one, or evenly thinned to ``max_frames``)."""
    assert state.eps is not None
    values = state.eps[state.eps >= -1e-7]
    if len(values) > max_frames:
        values = values[np.unique(np.linspace(0, len(values) - 1, max_frames).round().astype(int))]
    return np.maximum(values, 0.0)


def render(state: SweepState, eps_values: Sequence[float], *, width: int = DEFAULT_WIDTH, probabilities: bool = False,
           per_channel: bool = False) -> list["Image.Image"]:
    """One PIL frame per ε in ``eps_values``."""
    from PIL import Image

    film = SweepFilm(width=round(width * RENDER_SCALE), probabilities=probabilities, per_channel=per_channel)
    frames = []
    try:
        for image in film.frames(state, eps_values):
            frame = to_pil(image)
            if frame.width != width:  # drawn larger (and on a high-DPI screen at its pixel ratio): scaled down
                # now, so only frames of the final size are kept (4K frames drawn at 1.5× are 126 MB each)
                frame = frame.resize((width, round(frame.height * width / frame.width)), Image.Resampling.LANCZOS)
            frames.append(frame)
    finally:
        film.dispose()
    return frames


def save_gif(frames: Sequence["Image.Image"], path: str | os.PathLike, *, frame_ms: int = FRAME_MS) -> Path:
    """An endlessly looping GIF with one frame per image (one shared palette, no dithering)."""
    from PIL import Image

    if not frames:
        raise ExportError("no frames to write")
    palette = frames[-1].quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    indexed = [frame.quantize(palette=palette, dither=Image.Dither.NONE) for frame in frames]
    durations = [frame_ms] * len(indexed)
    durations[-1] = HOLD_MS
    path = Path(path)

    def write(name: str) -> None:
        # disposal 1 and no optimisation keep every frame a frame (Pillow merges identical ones otherwise)
        indexed[0].save(name, format="GIF", save_all=True, append_images=indexed[1:], duration=durations, loop=0,
                        optimize=False, disposal=1)
    write_atomically(path, write)
    return path


NO_FFMPEG = "MP4 needs ffmpeg, which is not installed here (pip install imageio-ffmpeg provides one)"


def ffmpeg_path() -> str | None:
    """ffmpeg on PATH, else the binary shipped by the optional ``imageio-ffmpeg`` package, else None."""
    on_path = shutil.which("ffmpeg")
    if on_path is not None:
        return on_path
    try:  # imported here: imageio-ffmpeg is an optional extra (advviz[video])
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError:  # installed, but no binary for this platform
        return None


def pad_to_even(frames: Sequence["Image.Image"]) -> list["Image.Image"]:
    """The frames with a white column/row added where a side is odd: H.264's 4:2:0 chroma needs even sides."""
    from PIL import Image

    padded = []
    for frame in frames:
        width, height = frame.size
        if width % 2 == 0 and height % 2 == 0:
            padded.append(frame)
            continue
        canvas = Image.new("RGB", (width + width % 2, height + height % 2), "white")
        canvas.paste(frame.convert("RGB"), (0, 0))
        padded.append(canvas)
    return padded


def ffmpeg_reason(stderr: bytes, returncode: int) -> str:
    """ffmpeg's first error line (the cause; later lines are its consequences), without its ``[libx264 @ …]`` tags."""
    for line in stderr.decode(errors="replace").splitlines():
        reason = re.sub(r"^(\[[^\]]*\]\s*)+", "", line).strip()
        if reason:
            return reason[:300]
    return f"exit status {returncode}"


def save_mp4(frames: Sequence["Image.Image"], path: str | os.PathLike, *, fps: float = 1000 / FRAME_MS) -> Path:
    """An H.264 MP4 through ffmpeg, one video frame per image, odd sides padded (ExportError without ffmpeg)."""
    ffmpeg = ffmpeg_path()
    if ffmpeg is None:
        raise ExportError(f"{NO_FFMPEG}; save a GIF instead")
    if not frames:
        raise ExportError("no frames to write")
    frames = pad_to_even(frames)
    width, height = frames[0].size
    path = Path(path)

    def write(name: str) -> None:
        command = [ffmpeg, "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
                   "-r", f"{fps:g}", "-i", "-", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart",
                   "-f", "mp4", name]
        data = b"".join(frame.convert("RGB").tobytes() for frame in frames)
        try:
            result = subprocess.run(command, input=data, capture_output=True, timeout=300)
        except subprocess.TimeoutExpired:
            raise ExportError("ffmpeg took more than 5 minutes to encode the MP4; save a GIF instead") from None
        if result.returncode != 0:
            raise ExportError(f"ffmpeg failed: {ffmpeg_reason(result.stderr, result.returncode)}")
    write_atomically(path, write)
    return path


def save_frames(frames: Sequence["Image.Image"], path: str | os.PathLike) -> Path:
    suffix = Path(path).suffix.lower()
    if suffix == ".gif":
        return save_gif(frames, path)
    if suffix == ".mp4":
        return save_mp4(frames, path)
    raise ExportError(f"{Path(path).name}: an animation is a .gif or an .mp4 file")


# -- from the window ----------------------------------------------------------------------------------
def export_animation(window: "MainWindow", path: str | os.PathLike, *, max_frames: int = MAX_FRAMES,
                     width: int = DEFAULT_WIDTH) -> Path:
    """The window's current sweep, ε from 0 to ε_max, one frame per grid ε (thinned to ``max_frames``)."""
    state = check_animation_request(window, path)
    toggle = getattr(window.heatmaps, "per_channel", None)
    frames = render(state, frame_eps(state, max_frames), width=width,
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
                 width: int = DEFAULT_WIDTH) -> None:
        super().__init__(window)
        self.window = window
        self.path = Path(path)
        self.width = width
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
        self._cancel_button = getattr(window, "cancel_button", None)
        if self._cancel_button is not None:
            self._cancel_button.clicked.connect(self.cancel)

    def start(self) -> "AnimationExport":
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
                self._film = SweepFilm(width=round(self.width * RENDER_SCALE),
                                       probabilities=self.window.curves.probabilities.isChecked(),
                                       per_channel=bool(toggle is not None and toggle.isChecked()))
                self._timer.start()  # laid out next turn: the film's construction is the longest turn
                return
            if self._index < 0:
                self._film.prepare(self.state)
            else:
                image = self._film.grab().toImage().copy()  # the worker gets its own copy of the pixels
                self.frames.append(self._pool.submit(self._convert, image))
            self._index += 1
            if self._index < len(self.eps_values):
                self._film.draw(self.state, self.eps_values[self._index])
                self.window.set_status(f"Rendering the animation: {self._index}/{len(self.eps_values)} frames…")
                if self._cancel_button is not None:
                    self._cancel_button.setEnabled(True)
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
        if frame.width != self.width:
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
        if self._cancel_button is not None:
            try:
                self._cancel_button.clicked.disconnect(self.cancel)
            except (RuntimeError, TypeError):
                pass
        if error:
            self.error = message
            self.window.show_error(message)
        else:
            self.result = path
            self.window.set_status(message)
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


def ask_animation(window: "MainWindow") -> Path | None:
    from PySide6.QtWidgets import QFileDialog

    filters = "GIF animation (*.gif)" + (";;MP4 video (*.mp4)" if ffmpeg_path() else "")
    path, chosen = QFileDialog.getSaveFileName(window, "Export ε-sweep animation", "sweep.gif", filters)
    if not path:
        return None
    if Path(path).suffix.lower() not in (".gif", ".mp4"):
        path += ".mp4" if "mp4" in chosen else ".gif"
    try:
        export = AnimationExport(window, path)
    except (ExportError, OSError) as error:
        window.show_error(f"animation: {error}")
        return None
    window._animation_export = export  # type: ignore[attr-defined]  # kept alive; the newest one
    export.start()
    return Path(path)


# -- headless (advviz animate) ----------------------------------------------------------------------------
def compute_sweep(model: Any, x: Any, label: int, eps_max: float, steps: int, attack: Any) -> SweepState:
    """Run the window's sweep job on this thread and collect it."""
    from advviz.gui.jobs import SweepHeader, sweep_job

    state: SweepState | None = None
    for step in sweep_job(model, x, label, eps_max, steps, attack):
        if isinstance(step, SweepHeader):
            state = SweepState(step)
        elif state is not None:
            state.apply(step)
    assert state is not None and state.complete
    return state


FRAME_ASPECT = 0.95  # a frame's height over its width (curves above heatmaps)
FRAME_MEMORY = 2 * 1024 ** 3  # bytes of RGB frames held before writing (a GIF's palette needs them all)


def check_request(out: str | os.PathLike, *, steps: int, attack: str, target: int | None,
                  width: int = DEFAULT_WIDTH) -> tuple[Path, str]:
    """The output path and the attack's key; ExportError for a request that cannot work, before any model loads."""
    path = check_out_path(out)
    if path.suffix.lower() == ".mp4" and ffmpeg_path() is None:
        raise ExportError(f"{NO_FFMPEG}; use --out something.gif")
    if steps < 2:
        raise ExportError(f"--steps must be at least 2 (frames from ε = 0 to ε_max), got {steps}")
    frame_bytes = 3 * width * width * FRAME_ASPECT
    if steps * frame_bytes > FRAME_MEMORY:
        raise ExportError(f"{steps} frames {width} pixels wide would hold {steps * frame_bytes / 1024 ** 3:.1f} GB "
                          f"in memory: at this width at most {int(FRAME_MEMORY // frame_bytes)} steps, or a "
                          "narrower --width")
    from advviz.gui.jobs import ATTACK_TITLES

    key = "fgsm-targeted" if target is not None else attack
    if key not in ATTACK_TITLES:
        raise ExportError(f"unknown attack {attack!r}; choose one of: fgsm, random-sign, bim, pgd, fgm-l2")
    if target is not None and attack != "fgsm":
        raise ExportError("--target works with --attack fgsm (targeted FGSM)")
    return path, key


def check_out_path(out: str | os.PathLike) -> Path:
    """Refuse an output path that cannot be written, before anything is rendered (raises ExportError)."""
    path = Path(out)
    if path.suffix.lower() not in (".gif", ".mp4"):
        raise ExportError(f"{path}: an animation is a .gif or an .mp4 file")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"folder not found: {folder}")
    if path.is_dir():
        raise ExportError(f"{path} is a folder; name a .gif or .mp4 file")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"folder not writable: {folder}")
    return path


QUIET_MESSAGES = ("This plugin does not support propagateSizeHints()",)


def _quiet_offscreen_messages() -> Any:
    """Drop the offscreen platform plugin's harmless warnings; returns the handler it replaced."""
    previous: Any = None

    def handler(kind: QtMsgType, context: Any, message: str) -> None:
        if any(quiet in message for quiet in QUIET_MESSAGES):
            return
        if previous is not None:
            previous(kind, context, message)
        else:
            sys.stderr.write(message + "\n")

    previous = qInstallMessageHandler(handler)
    return previous


def offscreen_app() -> tuple[QApplication, bool]:
    """The QApplication (created offscreen when there is no display); True when created here."""
    app = QApplication.instance()
    if app is not None:
        return app, False  # type: ignore[return-value]
    no_display = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if sys.platform.startswith("linux") and no_display and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return QApplication([sys.argv[0] if sys.argv else "advviz"]), True


def animate(*, model: str, index: int, eps_max: float, steps: int, out: str | os.PathLike, attack: str = "fgsm",
            target: int | None = None, clip: bool = True, device: str = "cpu", dataset: str | None = None,
            width: int = DEFAULT_WIDTH, probabilities: bool = False,
            loaded_model: "PixelSpaceModel | None" = None) -> dict[str, Any]:
    """``advviz animate``: ``steps`` frames, ε = 0 … ``eps_max``, of ``model`` on test sample ``index``.

    ``loaded_model`` is ``model`` already loaded (the CLI loads it once to validate it); without it the
    zoo model named ``model`` is loaded on ``device``.
    """
    import pyqtgraph as pg

    from advviz.core.data import load_dataset
    from advviz.gui.jobs import AttackChoice

    # a bad path or request is refused before any model loads or frame renders
    out, key = check_request(out, steps=steps, attack=attack, target=target, width=width)
    if loaded_model is not None:
        net = loaded_model
    else:
        from advviz.core.zoo import load_model

        net = load_model(model, device=device)
    x, y = load_dataset(dataset or net.dataset or model.split("-")[0], "test")
    if not 0 <= index < len(x):
        raise ExportError(f"--index must be in 0…{len(x) - 1}, got {index}")
    if target is not None and not 0 <= target < len(net.class_names):
        raise ExportError(f"--target must be a class in 0…{len(net.class_names) - 1}, got {target}")
    choice = AttackChoice(key, target or 0, clip)
    state = compute_sweep(net, x[index: index + 1], int(y[index]), eps_max, 2 * steps - 1, choice)
    app, created = offscreen_app()
    quiet = QApplication.platformName() == "offscreen"
    previous_handler = _quiet_offscreen_messages() if quiet else None
    try:
        pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
        frames = render(state, np.linspace(0.0, eps_max, steps), width=width, probabilities=probabilities)
        if out.suffix.lower() == ".mp4":
            frames = pad_to_even(frames)  # what save_mp4 encodes, so the reported size is the file's
        written = save_frames(frames, out)
    finally:
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # no Qt object outlives this call
        app.processEvents()
        if quiet:
            qInstallMessageHandler(previous_handler)
    return {"out": str(written), "frames": len(frames), "width": frames[0].width, "height": frames[0].height,
            "bytes": written.stat().st_size, "model": model, "index": index, "eps_max": eps_max,
            "attack": choice.title}
