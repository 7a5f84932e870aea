"""New images take every result of the old ones off the window at once, not when the new models have loaded.

Switching MNIST → Fashion-MNIST while the robustness curves computed showed, for about half a second, Fashion's
thumbnails beside MNIST's "3" in the heatmaps and the robustness legend of MNIST's models ("computing 0/110").
"""

from __future__ import annotations

import numpy as np


def _snapshot(window) -> dict:
    """What the window shows of each result, read from its items."""
    robustness = window.explain.built_panels["robustness"]
    linear = window.explain.built_panels["linear"]
    return {
        "sweep": window.sweep,
        "transfer": window.transfer,
        "curve points": sum(len(curve.getData()[0] if curve.getData()[0] is not None else ())
                            for curve in window.curves.curves),
        "curve legend": [label.text for _, label in window.curves.legend.items],
        "heatmap images": [key for key, cell in window.heatmaps.cells.items() if cell.image.isVisible()],
        "transfer image": window.transfer_panel.image.image is not None,
        "robustness legend": [label.text for _, label in robustness.legend.items],
        "robustness points": sum(len(curve.getData()[0] if curve.getData()[0] is not None else ())
                                 for curve in robustness.curves.values()),
        "robustness status": robustness.status.text(),
        "robustness state": window.explain.states.get("robustness"),
        "robustness running": window.runner.is_running("explain-robustness"),
        "linear x": linear.x_cell[1].image,
        "status line": window.status_label.text(),
    }


def test_switching_the_data_set_mid_job_clears_the_old_images_results_at_once(window, idle, qtbot, monkeypatch):
    window.controls.set_checked(["mnist-cnn", "mnist-softmax"])
    idle(window)
    window.explain.show("linear")
    idle(window)
    panel = window.explain.panels["robustness"]
    window.explain.show("robustness")
    panel.samples.setValue(2000)  # still running at the switch
    qtbot.waitUntil(lambda: "robustness" in window.explain.states
                    and int(np.isfinite(window.explain.states["robustness"].error).sum()) > 0, timeout=60000)
    window.redraw_now()
    before = _snapshot(window)
    assert before["robustness running"] and before["robustness points"] > 0 and before["heatmap images"]
    assert before["robustness legend"][:2] == ["cnn", "softmax"] and before["linear x"] is not None

    seen: list[dict] = []
    original = window._set_data

    def set_data(data):
        original(data)
        seen.append(_snapshot(window))  # the moment the new images are shown: their models still load
        window.redraw_now()  # a redraw pending from the old jobs brings nothing back
        seen.append(_snapshot(window))

    monkeypatch.setattr(window, "_set_data", set_data)
    window.choose_dataset("fashion")
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=60000)
    assert window.data.dataset == "fashion"
    for when, shown in zip(("at once", "after a redraw"), seen):
        assert shown["sweep"] is None and shown["transfer"] is None, when
        assert shown["curve points"] == 0 and shown["curve legend"][0] == "T-shirt/top", (when, shown["curve legend"])
        assert shown["heatmap images"] == [], (when, shown["heatmap images"])  # not MNIST's "3"
        assert not shown["transfer image"], when
        assert shown["robustness legend"] == [] and shown["robustness points"] == 0, (when, shown["robustness legend"])
        assert shown["robustness state"] is None and not shown["robustness running"], when
        assert shown["robustness status"].startswith("New images"), (when, shown["robustness status"])
        assert shown["linear x"] is None, when  # a hidden panel's too
        assert "mnist" not in shown["status line"], (when, shown["status line"])  # "Loading model mnist-softmax."

    idle(window)  # the new models loaded: the panels compute again, on Fashion-MNIST
    after = _snapshot(window)
    assert after["sweep"] is not None and after["sweep"].header.class_names == window.data.class_names
    assert after["robustness state"] is not None and after["robustness state"].header.names == ["fashion-cnn"]
    assert after["robustness legend"] == ["cnn", "FGSM", "random sign"], after["robustness legend"]  # short names
    assert after["heatmap images"]
