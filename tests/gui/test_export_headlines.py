"""An exported figure says what it shows: the headline the user reads above the panel on screen (the curves'
summary, an explanation's caption and status) is written above the image; the ε axis says what negative ε means
for the attack drawn."""

from __future__ import annotations

import re

import numpy as np
from explain_helpers import show
from PIL import Image

from advviz.gui import export

FLIP_RED = np.array([0xC6, 0x28, 0x28])  # the summary's "flips to 2 at ε = +0.130"


def svg_text(path) -> str:
    """The SVG's text, tags removed (a rich-text line is written as several <text> runs)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", path.read_text(encoding="utf-8")))


def test_an_exported_logits_figure_carries_the_summary_line(window, tmp_path):
    """The Logits-vs-ε PNG and SVG had no word of the model, the attack, the true class or the flip."""
    summary = window.curves.summary.text()
    assert "flips to" in summary
    text = svg_text(export.export_panel(window, window.curves, tmp_path / "curves.svg"))
    for words in ("mnist-cnn", "FGSM", "true class", "clean prediction", "flips to", "at ε = +0.130"):
        assert words in text, words
    image = np.asarray(Image.open(export.export_panel(window, window.curves, tmp_path / "curves.png")).convert("RGB"),
                       dtype=np.int16)
    top = image[:60]  # the headline, above the plot: dark text and the flip in red, as on screen
    assert (top.max(axis=2) < 100).sum() > 300
    assert (np.abs(top - FLIP_RED).max(axis=2) < 40).sum() > 50


def test_an_exported_explanation_carries_its_caption_and_status(window, idle, tmp_path):
    """The linear explanation's figure lost its model and ε line and its "not a linear model" note."""
    panel = show(window, idle, "linear")
    text = svg_text(export.export_panel(window, panel, tmp_path / "linear.svg"))
    assert "Linear explanation" in text and "mnist-cnn" in text and "not a linear model" in text
    assert "FGSM ε = 0.250" in text
    assert text.count("many small changes add up") == 1  # the views as before, drawn once
    assert (tmp_path / "linear.svg").read_text(encoding="utf-8").count("<image") == 22 + 2  # no picture added
    linearity = show(window, idle, "linearity")
    text = svg_text(export.export_panel(window, linearity, tmp_path / "linearity.svg"))
    assert "Linearity meter" in text and "64 test images" in text


def test_the_headline_is_what_the_panel_shows_and_only_that(window, idle):
    panel = show(window, idle, "linear")
    assert not panel.note.isVisibleTo(panel)
    panel.note.setText("a note the user does not see")
    assert "a note the user does not see" not in export.headline(panel)
    panel.note.show()
    assert "a note the user does not see" in export.headline(panel)
    panel.note.hide()
    assert export.headline(window.heatmaps) == "Perturbation at the cursor ε"  # a dock's title, no label of its own
    headline = export.headline(window.curves)
    assert headline == window.curves.summary.text()  # rich text: bold names, the flip in red


def bottom_labels(window) -> tuple[str, ...]:
    return window.curves.plot.getAxis("bottom")._advviz_labels


def test_the_random_sign_baseline_does_not_speak_of_a_gradient(window, idle):
    """Its ε axis said "negative ε moves against the gradient" though the attack takes no gradient."""
    assert "negative ε moves against the gradient" in bottom_labels(window)[0]
    window.controls.attack.setCurrentIndex(window.controls.attack.findData("random-sign"))
    idle(window)
    labels = bottom_labels(window)
    assert "negative ε takes the opposite random signs" in labels[0]
    assert not any("gradient" in label for label in labels)
    assert "gradient" not in window.curves.plot.getAxis("bottom").labelText
    window.controls.attack.setCurrentIndex(window.controls.attack.findData("fgsm"))
    idle(window)
    assert "negative ε moves against the gradient" in bottom_labels(window)[0]
