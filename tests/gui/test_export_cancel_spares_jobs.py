"""The Cancel button during an animation export cancels the export, and only it."""

from __future__ import annotations

from explain_helpers import start_training

from advviz.gui import animation_export


def test_cancelling_an_export_lets_adversarial_training_go_on(window, qtbot, tmp_path):
    """One click stopped every job with the export: the training ended "stopped after 159 minibatches: no model
    added", and the status line said "Cancelled." instead of the export's message."""
    start_training(window, "mlp", samples=2000, epochs=2)
    qtbot.waitUntil(lambda: "training" in window.explain.states
                    and sum(len(r) for r in window.explain.states["training"].loss) > 2, timeout=60000)
    export = animation_export.AnimationExport(window, tmp_path / "sweep.gif", max_frames=30, width=240).start()
    qtbot.waitUntil(lambda: len(export.frames) >= 2, timeout=30000)
    assert window.cancel_button.isEnabled()
    window.cancel_button.click()
    assert export.cancelled and "cancelled" in window.status_label.text()
    assert window.runner.is_running("explain-training") and not window.explain.states["training"].stopped
    qtbot.waitUntil(lambda: window.explain.states["training"].complete, timeout=120000)
    qtbot.waitUntil(lambda: not window.runner.running_slots(), timeout=60000)
    assert not window.cancel_button.isEnabled()  # nothing left to cancel


def test_cancel_is_not_offered_after_an_export_ends(window, qtbot, tmp_path, idle):
    idle(window)
    export = animation_export.AnimationExport(window, tmp_path / "sweep.gif", max_frames=4, width=240).start()
    assert window.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: export.done, timeout=60000)
    assert not window.cancel_button.isEnabled() and window.status_label.text().startswith("Saved ")


def test_a_second_export_waits_for_the_first(window, qtbot, tmp_path, idle, monkeypatch):
    """Two exports at once took turns writing their progress on the one status line."""
    from PySide6.QtWidgets import QFileDialog

    idle(window)
    first = animation_export.AnimationExport(window, tmp_path / "first.gif", max_frames=20, width=240).start()
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: asked.append(1) or (str(tmp_path / "b.gif"), ""))
    assert animation_export.ask_animation(window) is None and not asked
    assert "being exported" in window.error_label.text()
    qtbot.waitUntil(lambda: first.done, timeout=60000)
    assert animation_export.ask_animation(window) == tmp_path / "b.gif"
    qtbot.waitUntil(lambda: not window.exports, timeout=60000)
