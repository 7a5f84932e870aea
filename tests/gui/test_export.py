"""Exports: each panel as PNG/SVG/CSV/NPZ round-trips what it shows; the ε-sweep animation has one frame per ε."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PIL import Image

from advviz.gui import animate, export


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
    path = animate.export_animation(window, tmp_path / "sweep.gif", width=480)
    with Image.open(path) as gif:
        assert gif.n_frames == 11
        assert gif.width == 480
        gif.seek(0)
        first = np.asarray(gif.convert("RGB"))
        gif.seek(10)
        last = np.asarray(gif.convert("RGB"))
    assert (first != last).any()  # the cursor and heatmaps moved
    assert window.heatmaps.shown  # the window's own panels are untouched
    if animate.ffmpeg_path() is None:
        with pytest.raises(export.ExportError, match="ffmpeg"):
            animate.export_animation(window, tmp_path / "sweep.mp4")
    else:
        mp4 = animate.export_animation(window, tmp_path / "sweep.mp4", width=480)
        assert mp4.stat().st_size > 1000 and mp4.read_bytes()[4:8] == b"ftyp"
