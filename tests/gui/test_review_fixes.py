"""Defects a GUI review found: η's colour scale, the x̃ caption's colour, what stays up with no model checked,
the image folder's caption, and what an exported transfer matrix says."""

from __future__ import annotations

import numpy as np
import pytest

from advviz.gui.style import ERROR_COLOR, OK_COLOR


def _attack(window, idle, key: str) -> None:
    controls = window.controls
    controls.attack.setCurrentIndex(controls.attack.findData(key))
    idle(window)


def _cursor(window, idle, eps: float) -> None:
    window.curves.set_cursor(eps)
    window.curves.cursorReleased.emit(eps)
    idle(window)


def _eta_levels(window) -> tuple[float, float]:
    return tuple(float(v) for v in window.heatmaps.cells["perturbation"].bar.levels())


# -- A: η's colour scale fits what η can be ------------------------------------------------------------
def test_eta_scale_fits_the_l2_perturbation_and_stays_fixed_as_the_cursor_moves(window, idle):
    """Fast gradient L2, ε max 5: η was a uniform pale square on a ±5 bar (‖η‖₂ = 3.27 spread over 784
    pixels is a small |η| in each)."""
    _attack(window, idle, "fgm-l2")
    window.controls.eps_max.setValue(5.0)
    idle(window)
    state = window.sweep
    reach = 5.0 * float(np.abs(state.direction).max())
    _cursor(window, idle, 1.0)
    low, high = _eta_levels(window)
    assert high == pytest.approx(-low) and high == pytest.approx(min(reach, 1.0), rel=1e-5)
    assert high < 5.0 / 4
    _cursor(window, idle, 4.0)
    assert _eta_levels(window) == pytest.approx((low, high))  # fixed for the sweep: η grows on it
    eta = window.heatmaps.shown["perturbation"]
    assert np.abs(eta).max() > 0.5 * high  # the perturbation spans a good part of its colour bar


def test_eta_scale_is_at_most_one_when_clipped_and_the_usual_one_otherwise(window, idle):
    """L∞ with ε max 50: η at ε = 0.1 was blank on a ±50 bar; x̃ clipped to [0, 1] never moves a pixel by
    more than 1."""
    assert _eta_levels(window) == pytest.approx((-0.5, 0.5))  # the ordinary look is kept
    window.controls.steps.setValue(1001)
    window.controls.eps_max.setValue(50.0)
    idle(window)
    _cursor(window, idle, 0.1)
    assert _eta_levels(window) == pytest.approx((-1.0, 1.0))
    assert np.abs(window.heatmaps.shown["perturbation"]).max() == pytest.approx(0.1, abs=1e-5)


# -- B: the x̃ caption's colour says right or wrong -------------------------------------------------------
def _color_of(caption: str) -> str:
    return caption.split("color:")[1].split("'")[0]


def test_a_wrong_prediction_is_red_even_where_it_is_the_clean_one(window, idle):
    """Sample 18 is a 6 that mnist-cnn calls 0: the x̃ caption said 0 in green at small ε."""
    window.samples.set_current(18)
    idle(window)
    sweep = window.sweep
    clean, _ = sweep.clean()
    assert sweep.header.label_known and clean != sweep.header.label
    _cursor(window, idle, float(sweep.eps[sweep.index_of(0.01)]))
    assert sweep.prediction_at(window.cursor_index())[0] == clean
    captions = window.heatmaps._captions
    assert _color_of(captions["adversarial"]) == ERROR_COLOR
    assert _color_of(captions["original"]) == ERROR_COLOR  # x's caption uses the same colours


def test_a_right_prediction_is_green_and_a_flip_red(window, idle):
    sweep = window.sweep  # sample 0: a 3, right at x, 2 at ε = 0.25
    _cursor(window, idle, float(sweep.eps[sweep.index_of(0.01)]))
    assert _color_of(window.heatmaps._captions["adversarial"]) == OK_COLOR
    assert _color_of(window.heatmaps._captions["original"]) == OK_COLOR
    _cursor(window, idle, 0.25)
    assert sweep.prediction_at(window.cursor_index())[0] != sweep.header.label
    assert _color_of(window.heatmaps._captions["adversarial"]) == ERROR_COLOR


def test_an_unlabelled_images_predictions_are_neutral(window, idle, tmp_path):
    """Without a true label neither right nor wrong can be said: no green, no red."""
    from PIL import Image

    from advviz.gui.panels.heatmaps import NEUTRAL_COLOR

    pixels = np.zeros((28, 28), np.uint8)
    pixels[6:22, 12:16] = 255
    Image.fromarray(pixels).save(tmp_path / "stroke.png")
    window.load_folder(str(tmp_path))
    idle(window)
    assert not window.sweep.header.label_known
    for eps in (0.0, 0.25):
        _cursor(window, idle, eps)
        captions = window.heatmaps._captions
        assert _color_of(captions["adversarial"]) == NEUTRAL_COLOR
        assert _color_of(captions["original"]) == NEUTRAL_COLOR


# -- C: nothing of an unchecked model stays up ---------------------------------------------------------
def test_unchecking_every_model_leaves_nothing_of_it(window, idle):
    """The samples still said "true → predicted by mnist-cnn (4 wrong)", the legend kept two classes
    thick, and "original x" became a black square."""
    from advviz.gui.panels.curves import THIN

    grid = window.samples.grid
    assert "→" in grid.item(0).text()
    window.controls.set_checked([])
    idle(window)
    caption = window.samples.caption.text()
    assert "mnist-cnn" not in caption and "wrong" not in caption, caption
    texts = [grid.item(index).text() for index in range(grid.count())]
    assert not any("→" in text for text in texts)
    assert texts[0] == str(int(window.data.y[0]))
    assert all(grid.item(index).foreground().color().name() != ERROR_COLOR for index in range(grid.count()))
    assert [curve.opts["pen"].widthF() for curve in window.curves.curves] == [THIN] * 10
    for key, cell in window.heatmaps.cells.items():
        assert not cell.image.isVisible(), key  # an empty cell, not an image of zeros
    window.controls.set_checked(["mnist-cnn"])
    idle(window)
    assert "predicted by mnist-cnn" in window.samples.caption.text() and "→" in grid.item(0).text()
    assert all(cell.image.isVisible() for cell in window.heatmaps.cells.values())


# -- D: the image folder's caption --------------------------------------------------------------------
def test_the_folder_caption_counts_once_and_stays_short(window, idle, tmp_path):
    """"imgs (7 images, …; 3 images beside the class sub-folders unlabelled (broken.png, noise.png, tiny.png);
    …): 7 images, 10 classes" — the count twice, skipped files called unlabelled, and six lines of caption
    that squeezed the models list."""
    from PIL import Image

    tmp_path = tmp_path / "imgs"
    (tmp_path / "3").mkdir(parents=True)
    for index in range(2):
        Image.new("L", (28, 28), 60 * index).save(tmp_path / "3" / f"{index}.png")
    Image.new("L", (28, 28), 128).save(tmp_path / "noise.png")
    (tmp_path / "broken.png").write_bytes(b"not a png")
    Image.new("L", (3, 3), 200).save(tmp_path / "tiny.png")
    window.load_folder(str(tmp_path))
    idle(window)
    label = window.controls.data_label
    text = label.text()
    assert len(window.data.x) == 3
    assert text.count("images") == 1 and "3 images" in text, text
    assert "1 unlabelled" in text and "2 skipped" in text, text
    assert "broken.png" not in text and len(text) < 90, text  # the file names are in the tooltip
    tip = label.toolTip().splitlines()
    assert "1 image beside the class sub-folders unlabelled (noise.png)" in tip
    assert "1 unreadable file skipped (broken.png)" in tip
    assert "1 image smaller than 4×4 pixels skipped (tiny.png)" in tip
    models = window.controls.models
    assert models.viewport().height() >= models.sizeHintForRow(0) * models.count()  # every model in sight


# -- E: a saved transfer matrix says what it shows, with all its labels ----------------------------------
def _transfer(window, idle):
    window.transfer_panel.samples.setValue(30)
    window.controls.set_checked(["mnist-cnn", "mnist-softmax", "mnist-rbf"])
    idle(window)
    assert window.transfer is not None and window.transfer.done == window.transfer.total
    assert window.tabs.currentWidget() is not window.transfer_panel  # exported from behind another tab


def _png(path):
    from PIL import Image

    return np.asarray(Image.open(path).convert("L"), dtype=np.int16)


def test_an_exported_transfer_matrix_names_its_metric_attack_and_eps(window, idle, tmp_path):
    """The error, confidence and agreement matrices looked the same in a saved PNG: the panel's caption is a
    QLabel outside the pyqtgraph scene that the export drew."""
    from advviz.gui import export
    from advviz.gui.panels.transfer import METRICS

    _transfer(window, idle)
    panel = window.transfer_panel
    images = {}
    for metric in ("error", "confidence"):
        panel.set_metric(metric)
        title = panel.export_title()
        assert dict(METRICS)[metric] in title
        assert "FGSM" in title and "ε = 0.250" in title and "30 test images" in title
        export.export_panel(window, panel, tmp_path / f"{metric}.png")
        images[metric] = _png(tmp_path / f"{metric}.png")
    error, confidence = images["error"], images["confidence"]
    assert error.shape[1] >= 1200
    top = error[:40]
    assert (top < 100).sum() > 500  # dark text on white above the matrix
    assert np.abs(error[:40] - confidence[:40]).sum() > 0  # the titles differ


def test_a_transfer_matrix_exported_from_a_hidden_tab_has_every_row_label(window, idle, qtbot, tmp_path):
    """Exported while another tab was in front, the PNG dropped the "softmax" row label: the left axis
    sizes itself to its labels only when first drawn, and that first drawing was the export (the next
    export, once the layout had made room, had it)."""
    from advviz.gui import export

    _transfer(window, idle)
    panel = window.transfer_panel
    export.export_panel(window, panel, tmp_path / "first.png")
    qtbot.wait(300)  # the layout makes room for the labels the drawing measured
    export.export_panel(window, panel, tmp_path / "settled.png")
    first, settled = _png(tmp_path / "first.png"), _png(tmp_path / "settled.png")
    assert first.shape == settled.shape and np.array_equal(first, settled)
    window.tabs.setCurrentWidget(panel)  # shown, the panel lays itself out for the screen again
    idle(window)
    assert panel.view.isVisible() and panel.plot.getAxis("left").width() > 40
