"""An explanation computing behind another tab stops once its inputs change, and computes again when shown."""

from __future__ import annotations


def test_a_hidden_decision_map_stops_when_the_sample_changes(window, idle, qtbot):
    """It kept computing the old sample's map for a tab nobody looked at, on the CPU the new sweep needed."""
    panel = window.explain.panels["map"]
    panel.resolution.setValue(201)  # long enough to be running when the sample changes
    window.explain.show("map")
    qtbot.waitUntil(lambda: "map" in window.explain.states and window.explain.states["map"].filled > 0,
                    timeout=30000)
    window.tabs.setCurrentIndex(0)  # the curves in front; the map goes on behind
    assert window.runner.is_running("explain-map")
    window.samples.set_current(4)
    assert not window.runner.is_running("explain-map")
    assert window.explain.states["map"].stopped and "map" in window.explain.stale
    idle(window)
    window.explain.show("map")  # shown again: computed for the new sample
    idle(window)
    state = window.explain.states["map"]
    assert state.complete and not state.stopped
    panel.resolution.setValue(101)
    idle(window)
