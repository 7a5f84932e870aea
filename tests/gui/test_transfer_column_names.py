"""The transfer matrix's column names fit their columns; an empty matrix shows no numbers on its axes."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontMetrics

from advviz.gui.panels.transfer import LABEL_GAP, wrapped_label

# the MNIST zoo: the architectures, their adversarially trained twins, and the pair trained on halves of the data
NINE = ["mnist-cnn", "mnist-softmax", "mnist-mlp", "mnist-maxout", "mnist-rbf", "mnist-maxout-adv", "mnist-cnn-adv",
        "mnist-mlp-halfa", "mnist-mlp-halfb"]


def test_a_name_wider_than_its_column_breaks_after_its_hyphens():
    metrics = QFontMetrics(QFont())
    width = metrics.horizontalAdvance("maxout-")
    assert wrapped_label("mlp-halfa", metrics.horizontalAdvance("mlp-halfa"), metrics) == "mlp-halfa"
    assert wrapped_label("mlp-halfa", width, metrics) == "mlp-\nhalfa"
    assert wrapped_label("softmax-advtrained-1", metrics.horizontalAdvance("advtrained-1"), metrics) == \
        "softmax-\nadvtrained-1"
    narrow = wrapped_label("advtrained", width, metrics)  # one part too wide on its own: elided, not overlapping
    assert "…" in narrow and metrics.horizontalAdvance(narrow) <= width


def test_column_names_fit_their_columns(window, idle):
    """"mlp-halfa" and "mlp-halfb" — the pair trained on different halves of the data — ran together as
    "mlp-halfamlp-halfb" at 1024 × 768."""
    window.resize(1024, 768)
    window.tabs.setCurrentWidget(window.transfer_panel)
    window.controls.set_checked(NINE)
    idle(window)
    panel = window.transfer_panel
    axis = panel.plot.getAxis("bottom")
    metrics = QFontMetrics(axis.style["tickFont"] or axis.font())
    column = panel.plot.vb.width() / len(NINE)
    labels = [label for _, label in axis._tickLevels[0]]
    assert len(labels) == len(NINE) and any("\n" in label for label in labels)
    for label in labels:
        assert max(metrics.horizontalAdvance(line) for line in label.split("\n")) <= column - LABEL_GAP, label
    assert axis.style["tickTextHeight"] >= 2 * metrics.height()  # the axis makes room for the second line


def test_an_empty_matrix_has_no_numbers_on_its_axes(window, idle):
    """Under "check two or more models" the axes read −500…500 "(x0.001)"."""
    window.controls.set_checked(["mnist-cnn"])
    idle(window)
    panel = window.transfer_panel
    for side in ("bottom", "left"):
        axis = panel.plot.getAxis(side)
        assert axis._tickLevels == [[]] and "x0.001" not in axis.labelString()


def test_columns_too_narrow_for_their_names_are_numbered_like_the_rows(window, idle):
    """At 800 × 600, nine columns cut four names to "s…x", "…", "c…adv", "…/…": no one could tell them apart."""
    window.resize(800, 600)
    window.tabs.setCurrentWidget(window.transfer_panel)
    window.controls.set_checked(NINE)
    idle(window)
    panel = window.transfer_panel
    columns = [label for _, label in panel.plot.getAxis("bottom")._tickLevels[0]]
    rows = [label for _, label in panel.plot.getAxis("left")._tickLevels[0]]
    assert columns == [str(number) for number in range(1, 10)]
    assert rows[0] == "1 · cnn" and rows[-1] == "9 · mlp-halfb"
    window.resize(1400, 900)
    idle(window)
