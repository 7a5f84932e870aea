"""Third review: the logits tab's cursor, the heatmaps with RGB images, the transfer matrix's states."""

from __future__ import annotations

import pytest


def test_a_released_cursor_label_shows_the_snapped_eps(window, idle):
    """Dropped between grid points, the cursor snaps to the grid; its label said the unsnapped ε
    ("ε = +0.137") while the heatmaps showed ε = +0.140."""
    curves = window.curves
    curves.cursor_line.setValue(0.137)  # a drag ends here
    curves.cursor_line.sigPositionChangeFinished.emit(curves.cursor_line)
    idle(window)
    assert curves.cursor_value() == pytest.approx(0.14, abs=1e-6)
    assert curves.cursor_line.label.textItem.toPlainText() == "ε = +0.140"
    assert window.heatmaps.cells["perturbation"].caption.text.startswith("ε = +0.140")


def test_the_cursor_at_zero_leaves_no_old_transfer_matrix(window, idle):
    """With "ε at the cursor", moving the cursor to 0 said "move the ε cursor away from 0" for a moment;
    the next redraw put the matrix of the previous ε (and its caption "at ε = 0.250") back."""
    panel = window.transfer_panel
    panel.samples.setValue(20)
    window.controls.set_checked(["mnist-cnn", "mnist-softmax"])
    idle(window)
    assert panel.shown_matrix() is not None and "ε = 0.250" in panel.caption.text()
    window.curves.set_cursor(0.0)
    window.curves.cursorReleased.emit(0.0)
    idle(window)
    assert "away from 0" in panel.caption.text()
    assert panel.shown_matrix() is None
    assert not any(text.isVisible() for text in panel.texts)
    # the job of the previous ε is stopped, not left to finish, and the greyed ε box says 0 (it kept 0.250)
    assert window.transfer is None and not window.runner.is_running("transfer")
    assert panel.eps.value() == 0.0
    panel.follow.setChecked(False)  # a typed ε is at least 0.001
    assert panel.eps.value() == 0.001
    panel.follow.setChecked(True)
    window.curves.set_cursor(0.1)  # a new ε brings a new matrix
    window.curves.cursorReleased.emit(0.1)
    idle(window)
    assert panel.shown_matrix() is not None and "ε = 0.100" in panel.caption.text()


def rgb_sweep(*, clip: bool):
    """A hand-made sweep of a 3×8×8 image at ε ∈ {−0.5, 0, 0.5}: x = 0.8 everywhere, d = +1."""
    import numpy as np

    from advviz.core.sweep import SweepChunk, SweepStart
    from advviz.gui.jobs import AttackChoice, SweepHeader
    from advviz.gui.state import SweepState

    header = SweepHeader("toy", ("a", "b"), 0, True, None, np.array([2.0, 0.0], dtype=np.float32), False,
                         AttackChoice("fgsm", clip=clip), 0.5)
    state = SweepState(header)
    eps = np.array([-0.5, 0.0, 0.5], dtype=np.float32)
    x = np.full((1, 3, 8, 8), 0.8, dtype=np.float32)
    state.apply(SweepStart(eps=eps, x=x, labels=np.array([0]), clean_logits=header.clean_logits[None],
                           gradient=np.ones_like(x), direction=np.ones_like(x), zero_gradient_fraction=0.0,
                           clip=clip, attack="fgsm"))
    state.apply(SweepChunk(start=0, stop=3, logits=np.tile(header.clean_logits, (3, 1, 1)), adversarial=None,
                           total=3))
    return state


def test_an_unclipped_rgb_adversarial_shows_its_pixels_beyond_one(qtbot):
    """With clipping off, x̃'s colour bar ran to 1.3, but the RGB image was clipped to [0, 1] before it was
    drawn: x + 0.5 = 1.3 looked like 1.0, and x̃ only looked paler than x."""
    from advviz.gui.panels.heatmaps import HeatmapsPanel

    panel = HeatmapsPanel()
    qtbot.addWidget(panel)
    panel.show_state(rgb_sweep(clip=False), 2)
    low, high = panel.cells["adversarial"].bar.levels()
    assert high == pytest.approx(1.3)
    assert panel.shown["adversarial"].max() == pytest.approx(1.3)  # as the colour bar says
    panel.show_state(rgb_sweep(clip=True), 2)
    assert panel.shown["adversarial"].max() == pytest.approx(1.0)
    assert panel.cells["adversarial"].bar.levels() == (0.0, 1.0)


def test_leaving_a_transfer_box_unchanged_does_not_recompute(window, idle):
    """A click into the sample count (or the typed ε) and out again restarted the whole matrix; a new
    value still recomputes."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    panel = window.transfer_panel
    panel.samples.setValue(20)
    window.controls.set_checked(["mnist-cnn", "mnist-softmax"])
    idle(window)
    emitted = []
    panel.settingsChanged.connect(lambda: emitted.append(True))
    panel.follow.setChecked(False)
    assert len(emitted) == 1  # unticking the cursor ε is a change
    idle(window)
    for box in (panel.samples, panel.eps):
        box.editingFinished.emit()  # what focus leaving an untouched box sends
    assert len(emitted) == 1 and not window.runner.busy()
    panel.samples.selectAll()
    QTest.keyClicks(panel.samples, "30")
    QTest.keyClick(panel.samples, Qt.Key.Key_Return)
    assert len(emitted) == 2
    idle(window)
    assert window.transfer.header.samples == 30
