"""The explanation panels are built in steps, across turns of the event loop, not one panel per turn.

Built whole, the linear explanation (22 image cells, two colour bars, two plots) held the window
125–240 ms in one turn, the rubbish and training panels 60–100 ms. Each panel now builds its body in
a generator of steps; the controller takes steps a few per turn and adds a panel to the tabs once it
is complete.
"""

from __future__ import annotations

import pyqtgraph as pg
import pytest

from advviz.gui.explain_controller import PANELS


def count_constructions(monkeypatch, cls) -> list[int]:
    made = [0]
    original = cls.__init__

    def init(self, *args, **kwargs):
        made[0] += 1
        original(self, *args, **kwargs)

    monkeypatch.setattr(cls, "__init__", init)
    return made


@pytest.mark.parametrize("key, cls", [(key, cls) for key, _, cls in PANELS])
def test_no_build_step_makes_more_than_one_plot_or_six_image_cells(qapp, monkeypatch, key, cls):
    from advviz.gui.panels import explain_common

    plots = count_constructions(monkeypatch, pg.PlotItem)
    cells = count_constructions(monkeypatch, explain_common.ImageCell)
    panel = cls(staged=True)
    assert not panel.complete and plots[0] == 0 and cells[0] == 0  # the chrome only
    per_step = []
    while True:
        before = plots[0], cells[0]
        done = panel.build_step()
        per_step.append((plots[0] - before[0], cells[0] - before[1]))
        if done:
            break
    assert panel.complete
    assert max(p for p, _ in per_step) <= 1, per_step
    assert max(c for _, c in per_step) <= 6, per_step
    if key == "linear":
        assert len(per_step) >= 10 and plots[0] == 2 and cells[0] == 22  # its colour bars are no plots
    panel.deleteLater()


def test_a_panel_built_at_once_is_complete(qapp):
    from advviz.gui.panels.explain_linear import LinearPanel

    panel = LinearPanel()
    assert panel.complete and len(panel.weight_cells) == 10 and panel.build_turns >= 10
    panel.deleteLater()


def test_the_first_look_builds_the_panels_over_many_turns_and_adds_only_complete_ones(make_window, qtbot,
                                                                                       monkeypatch):
    from advviz.gui import explain_controller

    window = make_window()  # not started: no data, no jobs, no idle build
    explain = window.explain
    turns = [0]
    original_step = explain_controller.ExplanationsController._build_step

    def build_step(self):
        turns[0] += 1
        original_step(self)

    monkeypatch.setattr(explain_controller.ExplanationsController, "_build_step", build_step)
    added = []
    original_add = explain_controller.ExplanationsController._add

    def add(self, panel):
        added.append(panel.complete)
        original_add(self, panel)

    monkeypatch.setattr(explain_controller.ExplanationsController, "_add", add)
    window.tabs.setCurrentWidget(explain.tabs)
    assert not explain.built_panels and explain.tabs.count() == 1  # "Preparing…"
    assert explain.visible() is None
    qtbot.waitUntil(lambda: explain.built, timeout=30000)
    assert added == [True] * len(PANELS)
    assert [explain.tabs.tabText(i) for i in range(explain.tabs.count())] == [title for _, title, _ in PANELS]
    assert turns[0] >= 2 * len(PANELS), turns  # steps spread over turns, not one panel a turn
    assert explain.visible() == "linear"


def test_the_linear_panels_legend_is_visible_without_scrolling_on_a_small_screen(qtbot):
    """At 1280 × 800 and 1024 × 768 the legend saying which bar is predicted, measured and the bound sat
    below the visible part of the panel (its plots ~130 px tall, the body scrolled)."""
    from advviz.gui.panels.explain_linear import LinearPanel

    panel = LinearPanel()
    qtbot.addWidget(panel)
    panel.resize(730, 455)  # the panel's size in a 1024 × 768 window
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: panel.bars.sceneBoundingRect().height() > 50, timeout=5000)  # laid out
    qtbot.wait(200)
    viewport = panel.scroll_area.viewport()
    visible = viewport.rect().translated(viewport.mapTo(panel, viewport.rect().topLeft()))
    legends = [item for item in panel.plots.scene().items() if isinstance(item, pg.LegendItem)]
    assert len(legends) == 2
    for legend in legends:
        rect = panel.plots.mapFromScene(legend.sceneBoundingRect()).boundingRect()
        top_left = panel.plots.mapTo(panel, rect.topLeft())
        bottom = top_left.y() + rect.height()
        assert visible.top() <= top_left.y() and bottom <= visible.bottom(), (top_left, bottom, visible)
