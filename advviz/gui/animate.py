"""Animate an ε sweep: the logit curves and the heatmaps moving together as ε goes 0 → ε_max.

A :class:`SweepFilm` is an offscreen widget holding its own curves and heatmaps panels. For each frame
it moves the ε cursor, redraws both panels from the :class:`~advviz.gui.state.SweepState` and draws
itself into an image of the frame's size (QImage → PIL); :mod:`advviz.gui.video` writes the frames (GIF or MP4).
A frame of any width shows the same layout (:func:`film_layout`): its text grows with the frame.
``advviz animate`` runs here; the window's File menu through :mod:`advviz.gui.animation_export`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QEvent, QSize, QtMsgType, Qt, qInstallMessageHandler
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from advviz.core.animation_files import animation_name_problem
from advviz.gui.export import ExportError
from advviz.gui.state import SweepState
from advviz.gui.video import NO_FFMPEG, ffmpeg_path, pad_to_even, save_frames, to_pil

if TYPE_CHECKING:
    import torch
    from PIL import Image

    from advviz.core.architectures import PixelSpaceModel

DEFAULT_WIDTH = 640
RENDER_SCALE = 1.5  # a frame's layout is this much wider than the frame: the panels' text fits
# The layout width (logical pixels) of frames 640 pixels wide and wider, drawn at the frame's pixel ratio: a
# 1,920-pixel frame laid out 2,880 wide had the 640-pixel frame's 6-pixel tick labels in a frame 3× wider.
LAYOUT_WIDTH = 960
MIN_LINE_PX = 2.0  # a frame's thinnest curve: a 1-pixel antialiased line has no pixel of its class's own colour
MAX_FRAMES = 60


def film_layout(width: int) -> tuple[int, float]:
    """(layout width in logical pixels, pixel ratio) of frames ``width`` pixels wide: every frame 640 pixels wide
    or wider shows one layout, at its own scale."""
    layout = min(round(width * RENDER_SCALE), LAYOUT_WIDTH)
    return layout, width / layout


def frame_line_widths(pixel_ratio: float) -> tuple[float, float]:
    """The curves' thin and thick widths in a frame's pixels (pyqtgraph's pens are cosmetic: their widths are
    device pixels, whatever the pixel ratio): the panel's widths at the frame's scale, the thin ones at least
    :data:`MIN_LINE_PX` so each class's curve keeps its own colour (a GIF's palette keeps it exactly), the
    thick ones still visibly thicker."""
    from advviz.gui.panels.curves import THICK, THIN  # here: pyqtgraph is imported through import_pyqtgraph first

    thin = max(THIN * pixel_ratio, MIN_LINE_PX)
    return thin, max(THICK * pixel_ratio, thin + 2.0)


class SweepFilm(QWidget):
    """Curves above heatmaps, never shown on screen; :meth:`frames` renders one image per ε.

    ``width`` (and ``height``) is the layout's size in logical pixels. ``pixel_ratio``: device pixels per
    logical pixel of the frames :meth:`grab_frame` draws, with line widths for that scale
    (:func:`frame_line_widths`); None: grabbed as on screen, with the panel's own line widths."""

    def __init__(self, *, width: int = DEFAULT_WIDTH, height: int | None = None, probabilities: bool = False,
                 per_channel: bool = False, pixel_ratio: float | None = None) -> None:
        from advviz.gui.panels.curves import CurvesPanel
        from advviz.gui.panels.heatmaps import HeatmapsPanel

        super().__init__()
        self.pixel_ratio = pixel_ratio
        self.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        self.setStyleSheet("background: white; color: #222;")
        self.curves = CurvesPanel()
        if pixel_ratio is not None:
            self.curves.thin, self.curves.thick = frame_line_widths(pixel_ratio)
        self.curves.probabilities.setChecked(probabilities)
        self.curves.probabilities.hide()
        self.curves.view.ci.layout.setColumnMinimumWidth(1, 215)
        # the ε axis' end labels may reach past its ends, into the corner below the logit axis: in a frame's
        # narrower layout pyqtgraph hid "-0.5", and the axis seemed to start at -0.4
        self.curves.plot.getAxis("bottom").setStyle(hideOverlappingLabels=30)
        self.curves.summary.setStyleSheet("font-size: 14pt;")
        self.heatmaps = HeatmapsPanel()
        self.heatmaps.per_channel.setChecked(per_channel)
        self.heatmaps.offers_per_channel = False  # a frame shows the choice made, not a box to tick
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
            yield self.grab_frame()

    def grab_frame(self) -> QImage:
        """The widget as drawn now, a frame of its own pixels: at ``pixel_ratio`` (its text, images and
        layout scaled together), or as ``QWidget.grab`` gives it."""
        if self.pixel_ratio is None:
            return self.grab().toImage()
        ratio = self.pixel_ratio
        image = QImage(QSize(round(self.width() * ratio), round(self.height() * ratio)), QImage.Format.Format_RGB32)
        image.setDevicePixelRatio(ratio)
        image.fill(Qt.GlobalColor.white)
        self.render(image)
        return image

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

    layout, ratio = film_layout(width)
    film = SweepFilm(width=layout, probabilities=probabilities, per_channel=per_channel, pixel_ratio=ratio)
    frames = []
    try:
        for image in film.frames(state, eps_values):
            frame = to_pil(image)
            if frame.width != width:  # a pixel off by rounding
                frame = frame.resize((width, round(frame.height * width / frame.width)), Image.Resampling.LANCZOS)
            frames.append(frame)
    finally:
        film.dispose()
    return frames


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
    problem = animation_name_problem(path)  # the rule `advviz animate --out` is parsed by
    if problem:
        raise ExportError(problem)
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
            loaded_model: "PixelSpaceModel | None" = None,
            sample: "tuple[torch.Tensor, torch.Tensor] | None" = None) -> dict[str, Any]:
    """``advviz animate``: ``steps`` frames, ε = 0 … ``eps_max``, of ``model`` on test sample ``index``.

    ``loaded_model`` is ``model`` already loaded (the CLI loads it once to validate it); without it the
    zoo model named ``model`` is loaded on ``device``. ``sample`` is the image (1, C, H, W) and its label
    (1,) when the CLI picked it (sample ``index`` of the user's own images); without it sample ``index``
    of the data set's test split.
    """
    from advviz.core.data import load_dataset
    from advviz.gui.jobs import AttackChoice
    from advviz.gui.pyqtgraph_import import import_pyqtgraph

    pg = import_pyqtgraph()

    # a bad path or request is refused before any model loads or frame renders
    out, key = check_request(out, steps=steps, attack=attack, target=target, width=width)
    if loaded_model is not None:
        net = loaded_model
    else:
        from advviz.core.zoo import load_model

        net = load_model(model, device=device)
    if sample is None:
        x, y = load_dataset(dataset or net.dataset or model.split("-")[0], "test")
        if not 0 <= index < len(x):
            raise ExportError(f"--index must be in 0…{len(x) - 1}, got {index}")
        sample = x[index: index + 1], y[index: index + 1]
    image, label = sample
    if target is not None and not 0 <= target < len(net.class_names):
        raise ExportError(f"--target must be a class in 0…{len(net.class_names) - 1}, got {target}")
    choice = AttackChoice(key, target or 0, clip)
    state = compute_sweep(net, image, int(label[0]), eps_max, 2 * steps - 1, choice)
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
            "attack": attack, "target": target, "clip": clip}  # as every command's JSON names them
