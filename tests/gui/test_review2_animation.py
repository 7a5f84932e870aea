"""Second review: an animation's output path is checked before any frame renders."""

from __future__ import annotations

import os

import pytest

from advviz.gui import animation_export
from advviz.gui.export import ExportError


@pytest.fixture
def no_rendering(monkeypatch):
    def render(*args, **kwargs):
        raise AssertionError("rendered frames for a path that cannot be written")

    monkeypatch.setattr(animation_export, "render", render)


def test_a_folder_named_like_the_animation_is_refused_before_rendering(window, tmp_path, no_rendering):
    # it rendered 60 frames (3 s), then failed as "[Errno 21] Is a directory: '….sweep-k2j4.gif' -> '…/sweep.gif'"
    (tmp_path / "sweep.gif").mkdir()
    with pytest.raises(ExportError, match=r"sweep\.gif is a folder; name a \.gif or \.mp4 file"):
        animation_export.export_animation(window, tmp_path / "sweep.gif")
    assert [path.name for path in tmp_path.iterdir()] == ["sweep.gif"]  # no temporary file left


def test_a_missing_or_read_only_folder_is_refused_before_rendering(window, tmp_path, no_rendering):
    with pytest.raises(ExportError, match="folder not found"):
        animation_export.export_animation(window, tmp_path / "no" / "sweep.gif")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who may write anywhere")
        with pytest.raises(ExportError, match="folder not writable"):
            animation_export.export_animation(window, locked / "sweep.gif")
    finally:
        locked.chmod(0o700)
