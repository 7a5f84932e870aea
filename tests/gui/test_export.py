"""Exports: each panel as PNG/SVG/CSV/NPZ round-trips what it shows; the ε-sweep animation (GIF or MP4) has one
frame per ε."""

from __future__ import annotations

import csv
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from advviz.gui import animate, animation_export, export, video


def test_curves_and_heatmaps_export_round_trip(window, tmp_path):
    window.curves.set_cursor(0.2)
    window.redraw_now()
    curves = window.curves
    shown = np.stack([curve.getData()[1] for curve in curves.curves], axis=1)

    export.export_panel(window, curves, tmp_path / "curves.npz")
    with np.load(tmp_path / "curves.npz") as data:
        np.testing.assert_allclose(data["logits"], shown, rtol=1e-6)  # the same logits as the panel draws
        np.testing.assert_allclose(data["eps"], curves.curves[0].getData()[0])
        assert list(data["class_names"]) == list(window.sweep.header.class_names)
        assert data["logits"].shape == (101, 10)
        np.testing.assert_allclose(data["probabilities"].sum(axis=1), 1.0, atol=1e-5)

    export.export_panel(window, curves, tmp_path / "curves.csv")
    with open(tmp_path / "curves.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["eps", "prediction", "logit 0"] and len(rows) == 102
    table = np.array([[float(value) for value in row[2:12]] for row in rows[1:]])
    np.testing.assert_allclose(table, shown, rtol=1e-5, atol=1e-5)

    for suffix in ("png", "svg"):
        path = export.export_panel(window, curves, tmp_path / f"curves.{suffix}")
        assert path.stat().st_size > 1000
    with Image.open(tmp_path / "curves.png") as image:
        assert image.width >= 400 and image.height >= 200
    assert "<svg" in (tmp_path / "curves.svg").read_text(encoding="utf-8")[:2000]

    export.export_panel(window, window.heatmaps, tmp_path / "heatmaps.npz")
    with np.load(tmp_path / "heatmaps.npz") as data:
        for key in ("original", "perturbation", "adversarial", "gradient"):
            np.testing.assert_array_equal(data[key], window.heatmaps.shown[key])
        assert float(data["eps"]) == pytest.approx(0.2, abs=1e-6)
        np.testing.assert_allclose(np.abs(data["eta"]).max(), 0.2, atol=1e-5)

    # Ctrl+E exports the panel in front; the transfer matrix is empty with one model; bad names are refused
    assert export.current_panel(window) is curves
    export.export_view(window, tmp_path / "view.npz")
    assert (tmp_path / "view.npz").exists()
    assert window.export_action.shortcut().toString() == "Ctrl+E"
    with pytest.raises(export.ExportError, match="transfer matrix is empty"):
        export.export_panel(window, window.transfer_panel, tmp_path / "transfer.csv")
    with pytest.raises(export.ExportError, match="png, .svg, .csv or .npz"):
        export.export_panel(window, curves, tmp_path / "curves.txt")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left behind


def test_transfer_export_and_context_menu(window, idle, tmp_path):
    window.transfer_panel.samples.setValue(30)
    window.controls.set_checked(["mnist-cnn", "mnist-softmax"])
    idle(window)
    export.export_panel(window, window.transfer_panel, tmp_path / "transfer.npz")
    with np.load(tmp_path / "transfer.npz") as data:
        np.testing.assert_allclose(data["error"], window.transfer.matrix("error"))
        assert list(data["names"]) == ["mnist-cnn", "mnist-softmax"]
    export.export_panel(window, window.transfer_panel, tmp_path / "transfer.csv")
    assert len((tmp_path / "transfer.csv").read_text().splitlines()) == 1 + 3 * 4
    titles = [title for title, _ in export.panels(window)]
    assert "Logits vs ε" in titles and "Transfer matrix" in titles and "Perturbation at the cursor ε" in titles
    texts = [action.text() for action in window.curves.view.scene().contextMenu]
    assert any(text.startswith("Export Logits vs ε") for text in texts)


def test_animation_has_one_frame_per_eps_step(window, idle, tmp_path):
    window.controls.steps.setValue(21)  # ε grid −0.5 … 0.5: 11 values in [0, 0.5]
    idle(window)
    path = animation_export.export_animation(window, tmp_path / "sweep.gif", width=480)
    with Image.open(path) as gif:
        assert gif.n_frames == 11
        assert gif.width == 480
        gif.seek(0)
        first = np.asarray(gif.convert("RGB"))
        gif.seek(10)
        last = np.asarray(gif.convert("RGB"))
    assert (first != last).any()  # the cursor and heatmaps moved
    assert window.heatmaps.shown  # the window's own panels are untouched


def mp4_frames(path) -> tuple[dict, list[np.ndarray]]:
    """The MP4's metadata and its frames, decoded by ffmpeg."""
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg", reason="imageio-ffmpeg (the test extra) decodes MP4s")
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    width, height = meta["size"]
    return meta, [np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3).astype(np.int16) for raw in reader]


def test_animation_exports_a_decodable_mp4_of_odd_width(window, idle, tmp_path):
    pytest.importorskip("imageio_ffmpeg", reason="imageio-ffmpeg (the test extra) provides ffmpeg")
    window.controls.steps.setValue(21)  # 11 ε values in [0, 0.5]
    idle(window)
    # 481 is odd, which H.264's 4:2:0 chroma cannot take
    meta, video = mp4_frames(animation_export.export_animation(window, tmp_path / "sweep.mp4", width=481))
    grabbed = [np.asarray(frame, dtype=np.int16)
               for frame in animate.render(window.sweep, animate.frame_eps(window.sweep), width=481)]
    height, width = grabbed[0].shape[:2]
    assert width == 481 and meta["codec"] == "h264"
    assert len(video) == len(grabbed) == 11
    assert meta["size"] == (width + 1, height + height % 2)  # padded to even sides, nothing cropped

    def distance(frame: np.ndarray, reference: np.ndarray) -> float:
        return float(np.abs(frame[:height, :width] - reference).mean())

    assert distance(video[0], video[-1][:height, :width]) > 1.0  # the animation moves
    for index in (0, 5, 10):  # each video frame is its own ε's grab (H.264 is lossy), not a neighbour's or a blank
        own = distance(video[index], grabbed[index])
        others = [distance(video[index], grabbed[other]) for other in (0, 5, 10) if other != index]
        assert own < 2.0 and own < 0.75 * min(others), (index, own, others)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left behind


@pytest.fixture
def no_ffmpeg(tmp_path, monkeypatch):
    """Neither ffmpeg on PATH nor an importable imageio-ffmpeg."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # makes `import imageio_ffmpeg` raise ImportError


def test_mp4_export_without_any_ffmpeg_is_refused_in_one_line(window, no_ffmpeg, tmp_path):
    assert video.ffmpeg_path() is None
    with pytest.raises(export.ExportError, match="MP4 needs ffmpeg") as refused:
        animation_export.export_animation(window, tmp_path / "sweep.mp4")
    assert "\n" not in str(refused.value) and "GIF" in str(refused.value)
    assert not (tmp_path / "sweep.mp4").exists()


def test_ffmpeg_is_found_on_path_first_then_from_imageio_ffmpeg(tmp_path, monkeypatch):
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    monkeypatch.delenv("IMAGEIO_FFMPEG_EXE", raising=False)
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    assert video.ffmpeg_path() == imageio_ffmpeg.get_ffmpeg_exe()  # nothing on PATH: the pip package's binary
    on_path = folder / "ffmpeg"
    on_path.symlink_to(imageio_ffmpeg.get_ffmpeg_exe())
    assert video.ffmpeg_path() == str(on_path)  # an installed ffmpeg wins


def test_an_ffmpeg_failure_is_one_line_naming_its_cause(tmp_path):
    ffmpeg = video.ffmpeg_path()
    if ffmpeg is None:
        pytest.skip("no ffmpeg here (pip install imageio-ffmpeg)")
    odd_frame = bytes(101 * 51 * 3)  # H.264 refuses odd sides, which save_mp4 pads away; ffmpeg alone fails
    failed = subprocess.run([ffmpeg, "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "101x51",
                             "-i", "-", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(tmp_path / "odd.mp4")],
                            input=odd_frame, capture_output=True, timeout=60)
    assert failed.returncode != 0 and failed.stderr.count(b"\n") > 1  # ffmpeg explains over several lines
    reason = video.ffmpeg_reason(failed.stderr, failed.returncode)
    assert "divisible by 2" in reason and "\n" not in reason and not reason.startswith("[")
    assert video.ffmpeg_reason(b"", 1) == "exit status 1"


def test_panels_built_after_the_menus_get_the_export_context_menu(window):
    """The heatmaps and the explanation panels are built after the menus were installed."""
    window.explain.ensure_built()
    assert getattr(window.heatmaps, "_advviz_export_action", None) is not None
    for key, panel in window.explain.panels.items():
        if hasattr(panel, "view"):
            assert getattr(panel, "_advviz_export_action", None) is not None, key


def test_a_film_of_long_class_names_keeps_every_heatmap_and_caption_in_the_frame(qtbot):
    """Fashion's "Ankle boot" captions: the gradient cell lay past the right edge (grabbed before the
    layout caught up) and the captions of neighbouring cells overlapped."""
    from advviz.core.data import load_dataset
    from advviz.core.zoo import load_model
    from advviz.gui.jobs import AttackChoice

    x, y = load_dataset("fashion", "test")
    state = animate.compute_sweep(load_model("fashion-cnn"), x[3:4], int(y[3]), 0.5, 9,
                                  AttackChoice("fgsm-targeted", 9, True))
    film = animate.SweepFilm(width=round(animate.DEFAULT_WIDTH * animate.RENDER_SCALE))
    try:
        list(film.frames(state, [0.25]))
        heatmaps = film.heatmaps
        assert heatmaps.compact
        width = heatmaps.view.width()
        right = 0.0
        for cell in heatmaps.cells.values():
            plot = cell.plot.mapRectToScene(cell.plot.boundingRect())
            text = cell.caption.item.mapRectToScene(cell.caption.item.boundingRect())
            assert plot.right() <= width and text.left() >= right - 1, (plot, text, right)
            right = text.right()
        assert right <= width
    finally:
        film.dispose()


def test_compact_captions_wrap_at_spaces_outside_tags():
    from advviz.gui.panels.heatmaps import wrap_caption

    assert wrap_caption("predicted <b><span style='color:red'>Ankle boot</span></b> (100.0%) · true 9", 20) == \
        "predicted <b><span style='color:red'>Ankle boot</span></b><br>(100.0%)<br>true 9"
