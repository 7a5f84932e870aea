"""A new device or forwards' precision reloads the window's models, and leaves other jobs be."""

from __future__ import annotations

from explain_helpers import choose_precision, start_training


def test_a_precision_change_during_adversarial_training_lets_it_finish(window, qtbot, idle):
    """Choosing bfloat16 cancelled every job: the training (which trains models of its own) stopped, nothing was
    saved, and its panel said "training… (6 minibatches)" for good beside "Ready."."""
    start_training(window, "mlp", samples=2000, epochs=2)
    qtbot.waitUntil(lambda: "training" in window.explain.states
                    and sum(len(r) for r in window.explain.states["training"].loss) > 5, timeout=60000)
    choose_precision(window, idle, "bfloat16")
    state = window.explain.states["training"]
    assert state.complete and not state.stopped
    assert len(state.trained) == 2
    choose_precision(window, idle, "float32")


def test_the_jobs_a_reload_cancels_are_marked_stopped(window, idle, qtbot):
    """The reload cancelled the running sweep without marking it: the curves said "computing…" meanwhile."""
    controls = window.controls
    controls.attack.setCurrentIndex(controls.attack.findData("bim"))  # 10 steps per ε: still running below
    qtbot.waitUntil(lambda: window.sweep is not None and window.sweep.header.attack.key == "bim"
                    and window.sweep.filled > 0, timeout=60000)
    assert not window.sweep.complete
    window.reload_models()
    assert window.sweep.stopped and not window.runner.is_running("sweep")
    controls.attack.setCurrentIndex(controls.attack.findData("fgsm"))
    window._models_changed()
    idle(window)
