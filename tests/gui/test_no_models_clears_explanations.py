"""With no model checked, the paper's arguments show nothing of the models checked before.

Unchecking every model said "Check a model in the left panel." above the linear explanation's w_c, sign(w_c), x and
η images and its "n = 784 of 784: Δ = −18.84", the diagnostics' bars, and the linearity meter's and rubbish class's
legends of the unchecked models; a hidden panel kept them until it was shown. The same after opening a session
whose model is not available.
"""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtGui import QImage

from explain_helpers import open_and_wait, show

AUTOMATIC = ("linear", "linearity", "map", "robustness", "rubbish", "diagnostics")


def _compute_every_panel(window, idle) -> None:
    window.controls.set_checked(["mnist-cnn", "mnist-softmax"])
    idle(window)
    panels = window.explain.panels
    panels["linearity"].samples.setValue(16)  # small jobs: the test is about what is left, not the numbers
    panels["robustness"].samples.setValue(20)
    panels["robustness"].points.setValue(3)
    panels["rubbish"].count.setValue(50)
    for key in AUTOMATIC:
        panel = show(window, idle, key)
        assert panel.shown, f"{key}: no result to clear"
    linear = panels["linear"]
    assert linear.x_cell[1].image is not None and linear.slider_label.text().startswith("n = 784 of 784")
    assert panels["linearity"].legend.items and panels["rubbish"].hist_legend.items
    assert any(card.text() for card in panels["diagnostics"].cards.values())


def _blank(view, item) -> bool:
    """Whether ``item``'s area of ``view`` is drawn in the background's white alone (no image in it)."""
    image = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    ratio = image.devicePixelRatio()
    rect = view.mapFromScene(item.mapRectToScene(item.boundingRect())).boundingRect()
    area = pixels[round(rect.top() * ratio) + 1: round(rect.bottom() * ratio) - 1,
                  round(rect.left() * ratio) + 1: round(rect.right() * ratio) - 1, :3]
    return area.size > 0 and bool((area >= 245).all())


def _assert_cleared(window, where: str) -> None:
    panels = window.explain.panels
    for key in AUTOMATIC:
        panel = panels[key]
        assert "Check" in panel.status.text() and "model" in panel.status.text(), (where, key, panel.status.text())
        assert panel.shown == {}, (where, key, list(panel.shown))
        if hasattr(panel, "export_data"):
            assert panel.export_data() == {}, (where, key)
    linear = panels["linear"]
    cells = linear.weight_cells + linear.sign_cells + [linear.x_cell, linear.eta_cell]
    assert all(image.image is None for _, image in cells), where
    assert linear.x_cell[0].titleLabel.text == "x" and linear.eta_cell[0].titleLabel.text == "η"
    assert linear.slider_label.text() == "n = —", linear.slider_label.text()
    for bars in (linear.bound_bars, linear.predicted_bars, linear.measured_bars):
        assert len(bars.opts["height"]) == 0
    for line in (linear.dim_bound, linear.dim_predicted, linear.dim_measured):
        assert line.getData()[0] is None or len(line.getData()[0]) == 0
    for cell, _ in (linear.x_cell, linear.weight_cells[3], linear.sign_cells[3]):
        assert _blank(linear.images, cell.vb), (where, "an image is still drawn in the linear explanation")

    linearity = panels["linearity"]
    assert linearity.legend.items == [] and not linearity.legend.isVisible(), where
    assert all(curve.getData()[0] is None or len(curve.getData()[0]) == 0 for curve in linearity.curves)

    rubbish = panels["rubbish"]
    assert rubbish.hist_legend.items == [] and not rubbish.hist_legend.isVisible(), where
    assert len(rubbish.share_bars.opts["height"]) == 0 and rubbish.gallery_model.count() == 0
    assert all(image.image is None for _, image in rubbish.cells)

    robustness = panels["robustness"]
    assert robustness.legend.items == [] and not robustness.legend.isVisible()
    assert all(curve.getData()[0] is None or len(curve.getData()[0]) == 0 for curve in robustness.curves.values())

    diagnostics = panels["diagnostics"]
    assert all(card.text() == "" for card in diagnostics.cards.values()), where
    for bars in (diagnostics.eps_bars, diagnostics.share_bars):
        assert not np.any(bars.opts["height"]), (where, bars.opts["height"])
    assert all(text.toPlainText() == "" for text in diagnostics.texts)

    decision_map = panels["map"]
    assert decision_map.image.image is None and len(decision_map.markers.data) == 0

    # the sweep's tabs: no lines, no images, no matrix
    assert all(curve.getData()[0] is None or len(curve.getData()[0]) == 0 for curve in window.curves.curves)
    assert not any(cell.image.isVisible() for cell in window.heatmaps.cells.values())
    assert window.transfer_panel.image.image is None


def test_unchecking_every_model_clears_every_panel_shown_or_not(window, idle):
    _compute_every_panel(window, idle)
    window.explain.show("linear")
    window.controls.set_checked([])
    idle(window)
    window.redraw_now()
    _assert_cleared(window, "hidden panels, at once")
    for key in AUTOMATIC:  # the reviewer's way: each tab visited again
        show(window, idle, key)
    window.redraw_now()
    _assert_cleared(window, "each panel shown")


def test_a_session_whose_model_is_missing_clears_the_panels(window, idle, qtbot, tmp_path):
    from advviz.gui import session

    _compute_every_panel(window, idle)
    path = tmp_path / "missing.json"
    session.save_session(window, path)
    payload = json.loads(path.read_text())
    gone = tmp_path / "gone.pt"  # a weights file since moved or deleted
    key = f"file:{gone}|cnn|mnist"
    payload["models"] = [{"kind": "weights", "key": key, "label": "gone", "path": str(gone), "architecture": "cnn",
                          "dataset": "mnist"}]
    payload["checked"] = [key]
    path.write_text(json.dumps(payload))
    open_and_wait(window, qtbot, idle, path)
    window.redraw_now()
    assert "file not found" in window.error_label.text() and window.controls.checked_keys() == []
    _assert_cleared(window, "after the session")


def test_a_model_checked_again_fills_the_cleared_panels_again(window, idle):
    window.controls.set_checked([])
    idle(window)
    window.controls.set_checked(["mnist-softmax"])
    idle(window)
    panels = window.explain.panels
    panels["linearity"].samples.setValue(16)
    panels["rubbish"].count.setValue(50)
    linearity, rubbish, linear = (show(window, idle, key) for key in ("linearity", "rubbish", "linear"))
    window.redraw_now()
    assert [label.text for _, label in linearity.legend.items][0].startswith("mnist-softmax: median R²")
    assert linearity.legend.isVisible() and rubbish.hist_legend.isVisible() and rubbish.gallery_model.count() == 1
    assert linear.x_cell[1].image is not None and linear.dim_cursor.isVisible()
    assert linear.slider_label.text().startswith("n = 784 of 784")
