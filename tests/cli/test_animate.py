"""``advviz animate`` writes a GIF with one frame per ε step; bad requests exit 2 with one line."""

from __future__ import annotations

import os
import subprocess
import sys

from PIL import Image

from advviz.cli import main


def run(*args, timeout=180):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "advviz", *args], capture_output=True, text=True, env=env,
                          timeout=timeout)


def test_animate_writes_a_gif_with_one_frame_per_step(tmp_path):
    out = tmp_path / "sweep.gif"
    result = run("animate", "--model", "mnist-cnn", "--index", "7", "--eps-max", "0.5", "--steps", "9",
                 "--width", "400", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}: 9 frames" in result.stdout
    with Image.open(out) as gif:
        assert gif.n_frames == 9 and gif.width == 400
        frames = []
        for index in (0, 8):
            gif.seek(index)
            frames.append(gif.convert("RGB").tobytes())
    assert frames[0] != frames[1]


def test_animate_refuses_bad_requests(tmp_path, capsys):
    assert main(["animate", "--out", str(tmp_path / "x.txt")]) == 2
    assert "an animation is a .gif or an .mp4 file" in capsys.readouterr().err
    assert main(["animate", "--steps", "1", "--out", str(tmp_path / "x.gif")]) == 2
    assert "--steps must be at least 2" in capsys.readouterr().err
    assert main(["--session", str(tmp_path / "none.json")]) == 2
    assert "session file not found" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
