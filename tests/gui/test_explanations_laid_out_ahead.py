"""The paper's arguments are laid out while the window idles, so their first look only paints: its front panel's
views got their sizes, axes and legends laid out in the same turn as their first paint (~20–45 ms of it)."""

from __future__ import annotations


def test_the_hidden_front_panel_has_its_shown_geometry_before_its_first_look(window, qtbot, idle):
    explain = window.explain
    qtbot.waitUntil(lambda: explain.built and explain._frozen, timeout=30000)
    assert window.tabs.currentWidget() is not explain.tabs
    panel = explain.tabs.currentWidget()
    views = [view.size() for view in panel.export_views()]
    assert all(size.width() > 200 and size.height() > 100 for size in views), views  # laid out while hidden
    window.tabs.setCurrentWidget(explain.tabs)
    idle(window)
    shown = [view.size() for view in panel.export_views()]
    # the sizes the first look gives them (less a scroll bar's width the hidden scroll area did not show: 640 × 480,
    # Qt's default, before)
    assert all(abs(a.width() - b.width()) <= 20 and a.height() == b.height() for a, b in zip(views, shown)), shown
