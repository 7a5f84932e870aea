"""Review I of the ninth session's changes: what a second look found."""

from __future__ import annotations

import subprocess
import sys

from explain_helpers import show


def heatmaps_dock(window):
    from PySide6.QtWidgets import QDockWidget

    from advviz.gui.layout import HEATMAP_DOCK

    return window.findChild(QDockWidget, HEATMAP_DOCK)


def test_a_dock_shown_again_on_a_short_window_stays_and_a_floating_one_is_left_alone(window, qtbot, idle):
    """Every resize hid the heatmaps again after the user had brought them back; a floating dock, which
    takes no height, was hidden too."""
    dock = heatmaps_dock(window)
    window.resize(780, 560)
    idle(window)
    show(window, idle, "linear")
    assert not dock.isVisible()
    dock.show()  # the user wants them back
    window.resize(781, 561)
    qtbot.waitUntil(lambda: window.height() == 561, timeout=3000)
    assert dock.isVisible()
    window.tabs.setCurrentIndex(0)
    dock.setFloating(True)
    window.tabs.setCurrentWidget(window.explain.tabs)
    assert dock.isVisible()
    dock.setFloating(False)


def test_the_animation_keeps_the_eps_axis_first_label(qapp):
    """A frame's layout (960 logical pixels, drawn at the frame's scale) hid "-0.5": the axis seemed to
    start at -0.4 while the curves began at -0.5."""
    import numpy as np
    from PySide6.QtGui import QImage, QPainter

    from advviz.core.zoo import load_model
    from advviz.core.data import load_dataset
    from advviz.gui import animate
    from advviz.gui.jobs import AttackChoice

    x, y = load_dataset("mnist", "test")
    state = animate.compute_sweep(load_model("mnist-cnn"), x[7:8], int(y[7]), 0.5, 11, AttackChoice(key="fgsm"))
    for width in (640, 980):
        layout, ratio = animate.film_layout(width)
        film = animate.SweepFilm(width=layout, pixel_ratio=ratio)
        try:
            film.prepare(state)
            film.draw(state, 0.4)
            film.grab_frame()
            axis = film.curves.plot.getAxis("bottom")
            canvas = QImage(10, 10, QImage.Format.Format_ARGB32)
            painter = QPainter(canvas)
            _, _, texts = axis.generateDrawSpecs(painter)
            painter.end()
            values = [float(text.replace("−", "-")) for _, _, text in texts]
            assert np.isclose(min(values), -0.5) and np.isclose(max(values), 0.5), (width, values)
        finally:
            film.dispose()


def test_advviz_gui_answers_its_version():
    script = "import sys; sys.argv = ['advviz-gui', '--version']; from advviz.__main__ import run_gui; run_gui()"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("advviz "), result.stderr
