"""The 2-D decision map before any map was computed, and after its models were unchecked."""

from __future__ import annotations

from explain_helpers import show


def assert_empty(panel) -> None:
    (x_low, x_high), (y_low, y_high) = panel.plot.vb.viewRange()
    extent = panel.extent.value()
    for low, high in ((x_low, x_high), (y_low, y_high)):  # the plane of the extent, not a collapsed range
        assert low < -0.9 * extent and high > 0.9 * extent and high - low < 3 * extent, (low, high)
    for axis in ("bottom", "left"):
        view_range = panel.plot.vb.viewRange()[0 if axis == "bottom" else 1]
        ticks = [value for _, values in panel.plot.getAxis(axis).tickValues(*view_range, 500) for value in values]
        assert ticks and all(value == 0 or abs(value) >= 1e-3 for value in ticks), ticks  # no 1e-96
    assert len(panel.markers.data) == 0
    assert not panel.x_text.isVisible() and not panel.eps_text.isVisible()  # no "x" marking nothing
    assert not panel.legend.isVisible()


def test_the_decision_map_without_a_model_shows_an_empty_plane(window, idle):
    """With no model checked, the never-computed map auto-ranged on its "x" marker alone: ticks of 1e-96."""
    window.controls.set_checked([])
    idle(window)
    panel = show(window, idle, "map")
    assert panel.state is None and "Check a model" in panel.status.text()
    assert_empty(panel)

    window.controls.set_checked(["mnist-cnn"])
    idle(window)
    window.redraw_now()
    assert panel.state is not None and panel.state.complete
    assert len(panel.markers.data) == 2 and panel.x_text.isVisible() and panel.legend.isVisible()

    window.controls.set_checked([])  # a computed map, cleared
    idle(window)
    assert_empty(panel)
