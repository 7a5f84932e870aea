"""Helpers of the window's tests (imported by them; pytest puts this folder on sys.path)."""

from __future__ import annotations


def sample(window):
    """The window's current sample as (x (1, C, H, W), y (1,))."""
    index = window.samples.current()
    return window.data.x[index: index + 1], window.data.y[index: index + 1]


def show(window, idle, key):
    """Bring explanation panel ``key`` to the front, wait for its job, return the panel."""
    window.explain.show(key)
    idle(window)
    return window.explain.panels[key]


def open_and_wait(window, qtbot, idle, path):
    """Open session ``path`` in ``window`` and wait until it is applied; returns its loader."""
    from advviz.gui import session

    loader = session.open_session(window, path)
    assert loader is not None
    qtbot.waitUntil(lambda: loader.finished, timeout=30000)
    idle(window)
    return loader


def choose_precision(window, idle, precision):
    """Choose the forwards' precision in the controls, as a click does, and wait for the models and jobs."""
    combo = window.controls.precision
    combo.setCurrentIndex(combo.findData(precision))
    combo.activated.emit(combo.currentIndex())
    idle(window)


def start_training(window, architecture="softmax", samples=200, epochs=1):
    """Start adversarial training of small twins (softmax, 200 images, one epoch by default); returns its panel."""
    panel = window.explain.panels["training"]
    panel.architecture.setCurrentIndex(panel.architecture.findData(architecture))
    panel.samples.setValue(samples)
    panel.epochs.setValue(epochs)
    window.explain.show("training")
    panel.train.click()
    return panel
