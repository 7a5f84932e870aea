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


def legend_middles(view, legend) -> list[tuple[str, float, float]]:
    """(name, the swatch's middle row, the name's middle row) of each entry of ``legend``, in pixels of a grab of
    ``view``: the swatch's rows weighted by their ink (a run's colour, or a grey line style's darkness; the grid
    behind a legend is faint), the name's from its first to its last dark row."""
    import numpy as np
    from PySide6.QtGui import QImage

    image = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    rgb = pixels[..., :3].astype(int)
    ratio = image.devicePixelRatio()

    def box(item) -> tuple[int, int, int, int]:
        rect = view.mapFromScene(item.mapRectToScene(item.boundingRect())).boundingRect()
        return (round(rect.top() * ratio), round((rect.bottom() + 1) * ratio), round(rect.left() * ratio),
                round((rect.right() + 1) * ratio))

    found = []
    for sample, label in legend.items:
        top, bottom, left, right = box(label)
        sample_top, sample_bottom, sample_left, sample_right = box(sample)
        top, bottom = max(min(top, sample_top) - 4, 0), max(bottom, sample_bottom) + 4
        swatch = rgb[top:bottom, sample_left:sample_right]
        colour = (swatch.max(axis=-1) - swatch.min(axis=-1)).astype(float)
        colour[colour < 40] = 0
        darkness = (200 - swatch.mean(axis=-1)).clip(0)
        weights = np.maximum(colour, darkness).sum(axis=1)
        assert weights.sum() > 0, f"no swatch drawn for {label.text!r}"
        swatch_middle = (weights * np.arange(len(weights))).sum() / weights.sum()
        dark = np.nonzero((rgb[top:bottom, left:right].mean(axis=-1) < 110).any(axis=1))[0]
        assert len(dark), f"no text drawn for {label.text!r}"
        found.append((label.text, float(swatch_middle) / ratio, (dark[0] + dark[-1]) / 2 / ratio))
    return found
