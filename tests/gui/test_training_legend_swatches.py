"""Every legend that sits at the top of its cell draws each swatch's line on its name's vertical middle (the
adversarial-training panel's, the curves', the robustness panel's), and the error legend's symbols have their runs'
colours before the first data arrives."""

from __future__ import annotations

import numpy as np
import pytest
from explain_helpers import legend_middles
from PySide6.QtGui import QImage


def assert_swatches_on_names(qtbot, view, legend, tolerance: float = 1.0) -> list[tuple[str, float, float]]:
    """Each entry's swatch within ``tolerance`` pixels of its name's middle, once the view has laid the legend out
    again (a legend whose texts changed size sits at the view's corner until then: a fixed wait read it there under
    load)."""
    entries: list[tuple[str, float, float]] = []

    def level() -> bool:
        nonlocal entries
        entries = legend_middles(view, legend)
        return all(abs(swatch - text) <= tolerance for _, swatch, text in entries)

    try:
        qtbot.waitUntil(level, timeout=3000)
    except qtbot.TimeoutError:
        pass  # the assertions below say which entry
    assert len(entries) == len(legend.items) >= 1
    for name, swatch, text in entries:
        assert abs(swatch - text) <= tolerance, (name, swatch, text)
    return entries


def presentation_size(legend, size: str) -> None:
    """Every entry at ``size``, as presentation mode sets it."""
    for _, label in legend.items:
        label.setText(label.text, size=size)
    legend.updateSize()


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
    if text_size is not None:
        for legend in legends:
            presentation_size(legend, text_size)
    for legend in legends:
        assert len(assert_swatches_on_names(qtbot, panel.view, legend)) >= 2
    # the loss legend's names are level with the first row of the error legend's beside it (columns permitting)
    loss_row = legend_middles(panel.view, panel.loss_legend)[0][2]
    error_row = legend_middles(panel.view, panel.error_legend)[0][2]
    assert abs(loss_row - error_row) <= 1.0


@pytest.mark.parametrize("text_size", [None, "14.5pt"])
def test_a_one_class_curves_legend_draws_its_line_on_its_name(qtbot, text_size):
    """The curves' legend with one class (a folder of images of one kind) was stretched to the legend's
    minimum height: its line was drawn 8 pixels below its name."""
    from advviz.gui.panels.curves import CurvesPanel

    panel = CurvesPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 500)
    panel.show()
    # names with letters above and below the line (a name's middle is read from its glyphs' rows)
    panel.set_classes(("dog",))
    if text_size is not None:
        presentation_size(panel.legend, text_size)
    assert_swatches_on_names(qtbot, panel.view, panel.legend)
    panel.set_classes(("dog", "ghost"))  # more rows than the minimum height holds: as before
    assert_swatches_on_names(qtbot, panel.view, panel.legend)


def test_the_robustness_legend_draws_its_lines_on_their_names(qtbot):
    """One model's row, then the attacks' line styles (grey): each line on its name's middle ("FGSM", capitals
    only, has its middle a pixel and a half above its line's: 2 pixels of tolerance here; a stretched row is off by
    5 or more)."""
    from advviz.gui.panels.explain_robustness import RobustnessPanel

    panel = RobustnessPanel()
    qtbot.addWidget(panel)
    panel.resize(1100, 500)
    panel.show()
    panel._legend_names = ("mnist-typical",)
    panel._fill_legend(("mnist-typical",))
    entries = assert_swatches_on_names(qtbot, panel.view, panel.legend, tolerance=2.0)
    assert [name for name, _, _ in entries] == ["typical", "FGSM", "random sign"]


def test_the_error_legend_has_its_runs_symbols_before_any_data(qtbot):
    """Before the first epoch, the error legend drew pyqtgraph's default grey-purple symbols (its runs' colours
    came with the data): each symbol has its run's colour and its curve's size from the start."""
    from advviz.gui.panels.explain_training import RUN_COLORS, TrainingPanel

    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.resize(1100, 500)
    panel.show()
    qtbot.wait(50)
    image = panel.view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    ratio = image.devicePixelRatio()
    entries = panel.error_legend.items
    assert len(entries) == 4
    for sample, label in entries:
        run = 0 if label.text.startswith("plain") else 1
        scatter = sample.item.scatter.opts
        assert scatter["size"] == sample.item.opts["symbolSize"], label.text
        # the symbol's middle (pyqtgraph draws it at the sample's (10, 10)), a pixel under the line
        point = panel.view.mapFromScene(sample.mapToScene(10, 9))
        b, g, r = pixels[round(point.y() * ratio), round(point.x() * ratio), :3]
        wanted = tuple(int(RUN_COLORS[run][i: i + 2], 16) for i in (1, 3, 5))
        assert max(abs(int(r) - wanted[0]), abs(int(g) - wanted[1]), abs(int(b) - wanted[2])) <= 30, (
            label.text, (int(r), int(g), int(b)), wanted)
