"""What an animation file may be called: the one rule of ``advviz animate --out`` (checked while parsing) and of
:func:`advviz.gui.animate.check_out_path` (the window's export, and the command again before it writes).

No Qt and no torch: the CLI's argument parser imports it.
"""

from __future__ import annotations

import os
from pathlib import Path

ANIMATION_SUFFIXES = (".gif", ".mp4")


def animation_name_problem(out: str | os.PathLike) -> str | None:
    """Why ``out`` cannot name an animation (not a .gif or an .mp4 file), or None."""
    path = Path(out)
    if path.suffix.lower() not in ANIMATION_SUFFIXES:
        return f"{path}: an animation is a .gif or an .mp4 file"
    return None
