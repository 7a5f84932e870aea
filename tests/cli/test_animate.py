"""``advviz animate`` writes a GIF or an MP4 with one frame per ε step, loading the model once; bad requests exit 2
with one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from advviz.cli import main


def run(*args, timeout=180):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "advviz", *args], capture_output=True, text=True, env=env,
                          timeout=timeout)


def test_animate_writes_a_gif_with_one_frame_per_step(tmp_path):
    out = tmp_path / "sweep.gif"
    result = run("animate", "--model", "mnist-cnn", "--index", "7", "--eps-max", "0.5", "--steps", "9",
                 "--width", "640", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}: 9 frames" in result.stdout
    with Image.open(out) as gif:
        assert gif.n_frames == 9 and gif.width == 640
        frames = []
        for index in (0, 8):
            gif.seek(index)
            frames.append(gif.convert("RGB").tobytes())
    assert frames[0] != frames[1]


def test_animate_refuses_bad_requests(tmp_path, capsys, monkeypatch):
    import advviz.core.zoo as zoo

    def no_loading(*args, **kwargs):
        raise AssertionError("the model was loaded for an --out argparse should refuse")

    monkeypatch.setattr(zoo, "load_model", no_loading)
    for name in ("x.txt", "x.png"):  # refused while parsing, in the window's export's words: nothing loads first
        with pytest.raises(SystemExit) as exit_:
            main(["animate", "--out", str(tmp_path / name)])
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and err.count("\n") == 1, err
        assert f"argument --out: {tmp_path / name}: an animation is a .gif or an .mp4 file" in err, err
    monkeypatch.undo()
    with pytest.raises(SystemExit) as exit_:  # refused while parsing, with the real bound
        main(["animate", "--steps", "1", "--out", str(tmp_path / "x.gif")])
    assert exit_.value.code == 2 and "argument --steps: must be at least 2" in capsys.readouterr().err
    assert main(["--session", str(tmp_path / "none.json")]) == 2
    assert "session file not found" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_animate_writes_a_decodable_mp4_with_one_frame_per_step(tmp_path):
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg", reason="imageio-ffmpeg (the test extra) provides ffmpeg")
    out = tmp_path / "sweep.mp4"
    result = run("animate", "--model", "mnist-cnn", "--index", "7", "--eps-max", "0.5", "--steps", "9",
                 "--width", "641", "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    reported = json.loads(result.stdout)
    assert reported["frames"] == 9 and reported["out"] == str(out)
    assert reported["width"] == 642 and reported["height"] % 2 == 0  # an odd width is padded for H.264
    reader = imageio_ffmpeg.read_frames(str(out))
    meta = next(reader)
    assert meta["codec"] == "h264" and meta["size"] == (reported["width"], reported["height"])
    frames = [np.frombuffer(raw, dtype=np.uint8) for raw in reader]
    assert len(frames) == 9 and frames[0].size == reported["width"] * reported["height"] * 3
    assert np.abs(frames[0].astype(np.int16) - frames[-1]).mean() > 1.0  # the animation moves
    assert not [p for p in tmp_path.iterdir() if p != out]  # no temporary files left behind


COUNT_MODEL_LOADS = """
import sys
import advviz.core.zoo as zoo
from advviz.cli import main

real_load_model, loads = zoo.load_model, []

def counting_load_model(*args, **kwargs):
    loads.append(args[0])
    return real_load_model(*args, **kwargs)

zoo.load_model = counting_load_model
code = main(sys.argv[1:])
print("model loads:", len(loads))
sys.exit(code)
"""


def test_animate_loads_a_weights_file_once(tmp_path, zoo):
    import torch

    weights = tmp_path / "mine.pt"
    torch.save(zoo("mnist-mlp").state_dict(), weights)
    out = tmp_path / "mine.gif"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", COUNT_MODEL_LOADS, "animate", "--model", str(weights),
                             "--architecture", "mlp", "--dataset", "mnist", "--index", "7", "--steps", "3",
                             "--width", "640", "--out", str(out)],
                            capture_output=True, text=True, env=env, timeout=180)
    # a weights file needs its architecture: loading it a second time by name alone failed
    assert result.returncode == 0, result.stderr[-2000:]
    assert "model loads: 1" in result.stdout
    with Image.open(out) as gif:
        assert gif.n_frames == 3 and gif.width == 640


def test_animate_refuses_mp4_without_any_ffmpeg_before_loading(tmp_path, capsys, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no ffmpeg on PATH …
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # … and `import imageio_ffmpeg` raises ImportError
    assert main(["animate", "--model", "no-such-model", "--out", str(tmp_path / "x.mp4")]) == 2
    err = capsys.readouterr().err
    # refused for ffmpeg, not for the unknown model: nothing was loaded
    assert "MP4 needs ffmpeg" in err and "unknown model" not in err and err.count("\n") == 1
    assert not (tmp_path / "x.mp4").exists()


@pytest.mark.parametrize(("width", "message"), [("10", "at least 640"), ("480", "at least 640"), ("639", "at least 640"),
                                               ("40000", "at most 3840")])
def test_animate_refuses_illegible_widths_before_loading(tmp_path, capsys, monkeypatch, width, message):
    import advviz.core.zoo as zoo

    def no_loading(*args, **kwargs):
        raise AssertionError("the model was loaded for a request argparse should refuse")

    monkeypatch.setattr(zoo, "load_model", no_loading)
    # below 640 px the heatmaps shrink to specks (10 gave a 10×23 GIF, 480 13-px images), above 4K memory runs out:
    # refused while parsing
    with pytest.raises(SystemExit) as exit_:
        main(["animate", "--width", width, "--out", str(tmp_path / "x.gif")])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1
    assert f"argument --width: must be {message}" in err and f"got {width}" in err
    assert not list(tmp_path.iterdir())


def test_animate_help_states_the_minimum_width(capsys):
    with pytest.raises(SystemExit):
        main(["animate", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    # frames are 1280×1216: no "720p recording"
    assert "frame width in pixels, 640 to 3840 (default: 1280 pixels wide; 640 for a smaller file)" in help_text
    assert "720p" not in help_text


def test_animate_frames_are_1280_wide_by_default_and_640_on_request(capsys, tmp_path):
    """The window's export offers the panel's width, 1280, 1920 and 640; the command defaulted to 640."""
    from cli_helpers import run

    default, small = tmp_path / "default.gif", tmp_path / "small.gif"
    for out, extra in ((default, ()), (small, ("--width", "640"))):
        code, _, err = run(capsys, "animate", "--model", "mnist-softmax", "--index", "3", "--steps", "2",
                           "--out", str(out), *extra)
        assert code == 0, err
    with Image.open(default) as gif:
        assert gif.width == 1280 and gif.n_frames == 2
    with Image.open(small) as gif:
        assert gif.width == 640


def test_animate_json_names_the_attack_as_every_command_does(capsys, tmp_path):
    """It said "FGSM (L∞)" where sweep, transfer and robustness say "fgsm"."""
    import json

    from cli_helpers import run

    code, out, err = run(capsys, "animate", "--model", "mnist-mlp", "--index", "3", "--steps", "3", "--width", "640",
                         "--out", str(tmp_path / "a.gif"), "--attack", "bim", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["attack"] == "bim" and result["clip"] is True
