"""Presentation mode and the legends: entries added while presenting, and legends that fit their view."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from explain_helpers import show

from advviz.gui.presentation import FONT_SCALE, _scaled_size

LEGEND_PANELS = ("robustness", "linearity", "map")  # their legends are filled when their result arrives


def legends(panel) -> list[pg.LegendItem]:
    views = panel.export_views() if hasattr(panel, "export_views") else [panel.view]
    return [item for view in views for item in view.scene().items() if isinstance(item, pg.LegendItem)]


def entry_sizes(legend: pg.LegendItem) -> set[str]:
    return {label.opts.get("size") for _, label in legend.items}


def filled(window, qtbot, key: str) -> None:
    panel = window.explain.panels[key]
    qtbot.waitUntil(lambda: all(legend.items for legend in legends(panel)), timeout=10000)


def test_legend_entries_added_while_presenting_get_their_normal_size_back(window, qtbot, idle):
    """The robustness, linearity and decision-map legends filled in presentation mode kept its 14.5 pt text
    after it: "mnist-cn…" clipped, and the plots beside them squeezed."""
    panels = window.explain.panels
    normal = {key: [legend.opts["labelTextSize"] for legend in legends(panels[key])] for key in LEGEND_PANELS}
    assert not any(legend.items for key in LEGEND_PANELS for legend in legends(panels[key]))  # nothing to show yet
    window.presentation.action.trigger()
    try:
        for key in LEGEND_PANELS:
            show(window, idle, key)
            filled(window, qtbot, key)
            for legend, size in zip(legends(panels[key]), normal[key]):
                assert entry_sizes(legend) == {_scaled_size(size, FONT_SCALE)}, key  # presented, too
    finally:
        window.presentation.action.trigger()
    qtbot.waitUntil(lambda: window.presentation.settled, timeout=10000)  # hidden panels: one per turn
    for key in LEGEND_PANELS:
        for legend, size in zip(legends(panels[key]), normal[key]):
            assert legend.opts["labelTextSize"] == size
            assert entry_sizes(legend) == {size}, key
            for _, label in legend.items:
                assert f"font-size: {size}" in label.item.toHtml().replace("font-size:", "font-size: ")

    # entries added after presenting are normal; so are those a second presentation enlarged and undid
    window.controls.set_checked(["mnist-cnn", "mnist-softmax"])
    idle(window)
    robustness = show(window, idle, "robustness")
    qtbot.waitUntil(lambda: len(robustness.legend.items) == 4, timeout=10000)
    assert entry_sizes(robustness.legend) == {normal["robustness"][0]}
    window.presentation.action.trigger()
    assert entry_sizes(robustness.legend) == {_scaled_size(normal["robustness"][0], FONT_SCALE)}
    window.presentation.action.trigger()
    assert entry_sizes(robustness.legend) == {normal["robustness"][0]}


def test_the_robustness_legend_stays_inside_its_view_while_presenting(window, qtbot, idle):
    """The plots' titles pinned the plots to their width in the presentation font ("mean confidence on the
    wrong answers": 487 px), and the legend beside them ran off the view: "mnist-cnn, random si"."""
    window.controls.set_checked(["mnist-cnn", "mnist-softmax", "mnist-mlp"])
    idle(window)
    window.presentation.action.trigger()
    try:
        panel = show(window, idle, "robustness")
        qtbot.waitUntil(lambda: len(panel.legend.items) == 5, timeout=10000)  # 3 models, 2 line styles
        qtbot.wait(100)
        assert window.width() <= 1100  # a projector-sized screen
        legend = panel.legend.mapRectToScene(panel.legend.boundingRect())
        assert legend.right() <= panel.view.width() + 1
        for _, label in panel.legend.items:  # every entry whole inside the legend
            assert label.mapRectToScene(label.itemRect()).right() <= legend.right() + 1
        for plot in (panel.error_plot, panel.confidence_plot):
            assert plot.mapRectToScene(plot.boundingRect()).right() <= legend.left() + 1
            assert plot.titleLabel.text in ("error rate on x + η", "mean confidence on the wrong answers")
    finally:
        window.presentation.action.trigger()


@pytest.mark.parametrize("width", [560, 1400])
def test_a_long_plot_title_shortens_rather_than_widen_its_plot(qtbot, width):
    """A title longer than its plot ends in "…"; where it fits it is whole (and keeps its full text)."""
    from advviz.gui.panels.explain_common import graphics, style_plot

    view = graphics()
    qtbot.addWidget(view)
    title = "mean confidence on the wrong answers"
    plots = [style_plot(view.addPlot(row=0, col=col), left="y", bottom="x", title=title) for col in range(3)]
    view.resize(width, 300)
    view.show()
    qtbot.wait(50)
    for plot in plots:
        assert plot.titleLabel.text == title
        shown = plot.titleLabel.item.toPlainText()
        assert plot.mapRectToScene(plot.boundingRect()).right() <= view.width() + 1
        if width < 700:
            assert shown.endswith("…") and len(shown) < len(title)
            assert plot.titleLabel.mapRectToScene(plot.titleLabel.itemRect()).width() <= plot.width() + 1
        else:
            assert shown == title
