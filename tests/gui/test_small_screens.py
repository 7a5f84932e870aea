"""The paper's arguments on an 800 × 600 screen: every panel fits the window (its left docks take ~250 px)."""

from __future__ import annotations

import pyqtgraph as pg
from explain_helpers import show

from advviz.gui.explain_controller import PANELS


def test_the_papers_arguments_fit_an_800_pixel_wide_window(window, qtbot, idle):
    """One row of the linear explanation's controls raised the window's minimum width to 922 px: on an
    800-pixel screen its right edge, with "Δ =", was cut off."""
    window.resize(780, 560)
    for key, _, _ in PANELS:
        panel = show(window, idle, key)
        qtbot.wait(20)
        assert window.minimumSizeHint().width() <= 780, key
        assert panel.minimumSizeHint().width() <= 500, key
    panel = show(window, idle, "linear")
    qtbot.waitUntil(lambda: window.width() <= 800, timeout=2000)
    # every control inside the panel, on one row or more
    for widget in (panel.clip, panel.mode, panel.slider, panel.slider_label):
        right = widget.mapTo(panel, widget.rect().topRight()).x()
        assert 0 <= widget.mapTo(panel, widget.rect().topLeft()).x() and right <= panel.width(), widget
        assert widget.width() >= min(widget.sizeHint().width(), panel.width() - 8), widget
    assert panel.slider.width() >= 80


def test_the_controls_keep_one_row_on_a_wide_window(window, qtbot, idle):
    window.resize(1400, 900)
    panel = show(window, idle, "linear")
    centres = [widget.geometry().center().y() for widget in (panel.clip, panel.mode, panel.slider, panel.slider_label)]
    assert max(centres) - min(centres) <= 2  # the same row as before
    panel.slider_label.setText("n = 784 of 784: Δ = -18.84")
    qtbot.waitUntil(lambda: panel.slider_label.width() >= panel.slider_label.sizeHint().width(), timeout=2000)


def test_the_training_legends_stay_inside_their_view_on_a_narrow_window(window, qtbot, idle):
    """Two columns of "adversarially trained: FGSM error" were wider than the view at 800 px."""
    window.resize(780, 560)
    panel = show(window, idle, "training")
    qtbot.wait(50)
    for legend in (panel.loss_legend, panel.error_legend):
        assert isinstance(legend, pg.LegendItem)
        assert legend.mapRectToScene(legend.boundingRect()).right() <= panel.view.width() + 1
    for plot in (panel.loss_plot, panel.error_plot):
        assert plot.mapRectToScene(plot.boundingRect()).right() <= panel.view.width() + 1
