"""Writing an animation's frames: a looping GIF (Pillow) or, where ffmpeg is found (on PATH, or shipped by the
optional ``imageio-ffmpeg`` package: ``pip install advviz[video]``), an H.264 MP4. No widgets: the window's
export runs these on a worker thread."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtGui import QImage

from advviz.gui.export import ExportError, write_atomically

if TYPE_CHECKING:
    from PIL import Image

FRAME_MS = 120
HOLD_MS = 1200  # the last frame stays a little longer before the loop restarts


def to_pil(image: QImage) -> "Image.Image":
    """A QImage as an RGB PIL image."""
    from PIL import Image

    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * height).reshape(height, stride)
    return Image.fromarray(buffer[:, : width * 3].reshape(height, width, 3).copy(), "RGB")


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
