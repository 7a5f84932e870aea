"""The transfer matrix shows "—" (uncoloured) where a mean is over no examples, and exports it as NaN (NPZ)
or a blank (CSV), never as a 0 % that reads as a measurement."""

from __future__ import annotations

import csv
import math

import numpy as np

from advviz.core.transfer import TransferCell, transfer_matrix
from advviz.gui import export
from advviz.gui.jobs import TransferHeader
from advviz.gui.panels.transfer import TransferPanel
from advviz.gui.state import TransferState


def test_an_undefined_cell_shows_a_dash_and_a_pending_one_nothing(qtbot):
    panel = TransferPanel()
    qtbot.addWidget(panel)
    state = TransferState(TransferHeader(["mnist-a", "mnist-b"], 0.1, 10, "FGSM"))
    state.apply(TransferCell(source=0, target=0, error=0.0, confidence=math.nan, agreement=math.nan, done=1, total=4))
    state.apply(TransferCell(source=0, target=1, error=0.5, confidence=0.75, agreement=math.nan, done=2, total=4))
    panel.show_state(state)
    panel.set_metric("confidence")
    texts = panel.texts
    assert texts[0].isVisible() and texts[0].toPlainText() == "—"  # computed, undefined
    assert texts[1].isVisible() and texts[1].toPlainText() == "75%"
    assert not texts[2].isVisible() and not texts[3].isVisible()  # not computed yet
    assert np.isnan(panel.image.image[0, 0])  # uncoloured (transparent), unlike a real 0 %
    assert "— = undefined: the target made no wrong answers" in panel.caption.text()
    panel.set_metric("agreement")
    assert [text.toPlainText() for text in texts[:2]] == ["—", "—"]
    assert "never both wrong" in panel.caption.text()
    panel.set_metric("error")
    assert [text.toPlainText() for text in texts[:2]] == ["0%", "50%"] and "undefined" not in panel.caption.text()


def test_the_window_exports_an_undefined_cell_as_nan_and_blank(window, idle, tmp_path):
    window.controls.set_checked(["mnist-cnn-adv", "mnist-cnn"])
    idle(window)
    panel = window.transfer_panel
    panel.follow.setChecked(False)
    panel.eps.setValue(0.001)
    panel.samples.setValue(50)
    panel.settingsChanged.emit()
    idle(window)
    assert window.transfer.done == 4
    models = [window.loaded[key] for key in ("mnist-cnn-adv", "mnist-cnn")]
    expected = transfer_matrix(models, window.data.x[:50], window.data.y[:50], 0.001)
    # ε = 0.001 barely moves x: mnist-cnn-adv makes no wrong answer on these 50 images
    assert np.isnan(expected.confidence[:, 0]).all() and np.isnan(expected.agreement).sum() == 3
    panel.set_metric("confidence")
    np.testing.assert_allclose(panel.shown_matrix(), expected.confidence, atol=1e-6)  # NaN where NaN
    assert [panel.texts[i].toPlainText() for i in (0, 2)] == ["—", "—"]

    export.export_panel(window, panel, tmp_path / "transfer.npz")
    with np.load(tmp_path / "transfer.npz") as data:
        assert data["computed"].all()
        for metric in ("error", "confidence", "agreement"):
            np.testing.assert_allclose(data[metric], getattr(expected, metric), atol=1e-6)
    export.export_panel(window, panel, tmp_path / "transfer.csv")
    with open(tmp_path / "transfer.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    names = ["mnist-cnn-adv", "mnist-cnn"]
    for metric, source, target, value in rows:
        number = getattr(expected, metric)[names.index(source), names.index(target)]
        assert value == "" if np.isnan(number) else abs(float(value) - number) < 1e-6, (metric, source, target)
    assert sum(value == "" for *_, value in rows) == 2 + 3
