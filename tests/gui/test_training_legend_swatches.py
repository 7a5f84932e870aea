"""The adversarial-training panel's legends draw each swatch's line on its name's vertical middle."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage


def _middles(view, legend) -> list[tuple[str, float, float]]:
    """(name, the swatch's middle row, the name's middle row) of each entry, in pixels of a grab of ``view``: the
    swatch's rows weighted by how coloured they are (its line, and its symbol where it has one), the name's from its
    first to its last dark row."""
    image = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    rgb = pixels[..., :3].astype(int)
    ratio = image.devicePixelRatio()

    def box(item) -> tuple[int, int, int, int]:
        rect = view.mapFromScene(item.mapRectToScene(item.boundingRect())).boundingRect()
        return (round(rect.top() * ratio), round((rect.bottom() + 1) * ratio), round(rect.left() * ratio),
                round((rect.right() + 1) * ratio))

    found = []
    for sample, label in legend.items:
        top, bottom, left, right = box(label)
        sample_top, sample_bottom, sample_left, sample_right = box(sample)
        top, bottom = min(top, sample_top) - 4, max(bottom, sample_bottom) + 4
        swatch = rgb[top:bottom, sample_left:sample_right]
        colour = (swatch.max(axis=-1) - swatch.min(axis=-1)).astype(float)  # the run's colour; text and grid are grey
        colour[colour < 40] = 0
        weights = colour.sum(axis=1)
        assert weights.sum() > 0, f"no swatch drawn for {label.text!r}"
        swatch_middle = (weights * np.arange(len(weights))).sum() / weights.sum()
        dark = np.nonzero((rgb[top:bottom, left:right].mean(axis=-1) < 110).any(axis=1))[0]
        assert len(dark), f"no text drawn for {label.text!r}"
        found.append((label.text, float(swatch_middle) / ratio, (dark[0] + dark[-1]) / 2 / ratio))
    return found


@pytest.mark.parametrize(("width", "text_size"), [(1100, None), (700, None), (1100, "14.5pt")])
def test_legend_swatches_sit_on_their_names_middle(qtbot, width, text_size):
    """The loss legend's one row, stretched to the legend's minimum height, had its names at the top and its
    lines 9 pixels lower (at 700 pixels, one column, 3 pixels lower); presentation mode's size (14.5 pt) too."""
    from advviz.gui.panels.explain_training import TrainingPanel

    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.resize(width, 500)
    panel.show()
    legends = (panel.loss_legend, panel.error_legend)
    if text_size is not None:  # as presentation mode sets it
        for legend in legends:
            for _, label in legend.items:
                label.setText(label.text, size=text_size)
            legend.updateSize()
    qtbot.wait(50)
    for legend in legends:
        entries = _middles(panel.view, legend)
        assert len(entries) == len(legend.items) >= 2
        for name, swatch, text in entries:
            assert abs(swatch - text) <= 1.0, (name, swatch, text)
    # the loss legend's names are level with the first row of the error legend's beside it (columns permitting)
    loss_row = _middles(panel.view, panel.loss_legend)[0][2]
    error_row = _middles(panel.view, panel.error_legend)[0][2]
    assert abs(loss_row - error_row) <= 1.0
