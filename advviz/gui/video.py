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
from advviz.gui.style import CLASS_COLORS, ERROR_COLOR

if TYPE_CHECKING:
    from PIL import Image

FRAME_MS = 120
HOLD_MS = 1200  # the last frame stays a little longer before the loop restarts


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


# Kept exactly in a GIF's palette: each class's curve (a thin line: too few pixels for an adaptive palette, which
# made class 0's blue lavender and class 2's green grey), the texts, the flip's red, black and white.
KEPT_COLOURS = (*(hex_rgb(colour) for colour in CLASS_COLORS), hex_rgb(ERROR_COLOR), (0x22, 0x22, 0x22),
                (0x11, 0x11, 0x11), (0, 0, 0), (255, 255, 255))
PALETTE_SIZE = 255  # one GIF colour table (256), one index left free as Pillow's writer expects
EXACT_SLOTS = 192  # kept colours, then the frames' commonest colours (areas: bands, heatmap cells), exactly
SAMPLED_FRAMES = 12  # frames counted for the commonest colours (every other pixel of each)
AREA_SAMPLES = 24  # counted this often, a colour is an area's (a heatmap's cell), not a smooth shade's
CLOSE_ENOUGH = 6  # a colour this near (per channel) to one in the palette needs no adaptive colour of its own


def to_pil(image: QImage) -> "Image.Image":
    """A QImage as an RGB PIL image."""
    from PIL import Image

    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * height).reshape(height, stride)
    return Image.fromarray(buffer[:, : width * 3].reshape(height, width, 3).copy(), "RGB")


def rgb(frame: "Image.Image") -> "Image.Image":
    return frame if frame.mode == "RGB" else frame.convert("RGB")


def pack(pixels: np.ndarray) -> np.ndarray:
    """(…, 3) uint8 RGB as one uint32 per pixel."""
    pixels = pixels.astype(np.uint32)
    return (pixels[..., 0] << 16) | (pixels[..., 1] << 8) | pixels[..., 2]


def unpack(packed: np.ndarray) -> np.ndarray:
    return np.stack([(packed >> 16) & 255, (packed >> 8) & 255, packed & 255], axis=-1).astype(np.int16)


def gif_palette(frames: Sequence["Image.Image"], keep: Sequence[tuple[int, int, int]] = KEPT_COLOURS) -> np.ndarray:
    """One palette for all frames, (≤ 255, 3) RGB: ``keep`` exactly, then the frames' commonest colours
    exactly, then colours that adapt (median cut) to what those do not cover (antialiased edges, rare shades)."""
    from PIL import Image

    picked = np.linspace(0, len(frames) - 1, min(len(frames), SAMPLED_FRAMES)).round().astype(int)
    samples = np.concatenate([pack(np.asarray(rgb(frames[index]))[::2, ::2]).ravel()
                              for index in sorted(set(picked))])
    colours, counts = np.unique(samples, return_counts=True)
    kept = list(dict.fromkeys(int(c) for c in pack(np.array(keep, dtype=np.uint8))))
    kept_set = set(kept)
    order = np.argsort(-counts, kind="stable")
    for colour in colours[order][counts[order] >= AREA_SAMPLES]:
        if len(kept) >= EXACT_SLOTS:
            break
        if int(colour) not in kept_set:
            kept.append(int(colour))
    palette = unpack(np.array(kept, dtype=np.uint32))
    free = PALETTE_SIZE - len(palette)
    if free <= 0:
        return palette[:PALETTE_SIZE]
    values = unpack(colours)
    nearest = np.full(len(values), 255, dtype=np.int16)
    for start in range(0, len(values), 8192):  # (colours × palette) distances, a chunk at a time
        chunk = values[start:start + 8192, None, :]
        nearest[start:start + 8192] = np.abs(chunk - palette[None]).max(axis=2).min(axis=1)
    far = nearest > CLOSE_ENOUGH
    if not far.any():
        return palette
    # the uncovered colours, each repeated by its count (at most 2²⁰ pixels), median-cut into the free slots
    weights = counts[far]
    weights = np.maximum(1, (weights * min(1.0, 2 ** 20 / weights.sum())).round().astype(int))
    strip = np.repeat(values[far].astype(np.uint8), weights, axis=0)[None]
    adapted = Image.fromarray(strip, "RGB").quantize(colors=min(free, len(weights)), method=Image.Quantize.MEDIANCUT)
    used = sorted(index for _, index in adapted.getcolors())
    extra = np.array(adapted.getpalette(), dtype=np.int16).reshape(-1, 3)[used]
    return np.concatenate([palette, extra])[:PALETTE_SIZE]


def save_gif(frames: Sequence["Image.Image"], path: str | os.PathLike, *, frame_ms: int = FRAME_MS,
             keep: Sequence[tuple[int, int, int]] = KEPT_COLOURS) -> Path:
    """An endlessly looping GIF with one frame per image: one shared palette (:func:`gif_palette`: ``keep``
    exact), no dithering, each pixel its nearest palette colour."""
    from PIL import Image

    if not frames:
        raise ExportError("no frames to write")
    colours = gif_palette(frames, keep)
    palette = Image.new("P", (1, 1))
    palette.putpalette(colours.astype(np.uint8).ravel().tolist() + [0, 0, 0] * (256 - len(colours)))
    indexed = [rgb(frame).quantize(palette=palette, dither=Image.Dither.NONE) for frame in frames]
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
