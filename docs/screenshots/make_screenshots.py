"""Make the README screenshots with the app itself, offscreen.

    QT_QPA_PLATFORM=offscreen python docs/screenshots/make_screenshots.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from advviz.gui.pyqtgraph_import import import_pyqtgraph  # noqa: E402

pg = import_pyqtgraph()  # as the app does
from PySide6.QtWidgets import QApplication  # noqa: E402

OUT = Path(__file__).resolve().parent


def wait(app, window, seconds=120.0):
    end = time.time() + seconds
    while time.time() < end:
        app.processEvents()
        time.sleep(0.01)
        if window.ready and not window.runner.busy():
            break
    app.processEvents()
    window.redraw_now()
    app.processEvents()


def flipping_sample(window, low=0.06, high=0.2) -> int:
    """A correctly classified test image whose prediction flips at a small ε (a clear demo)."""
    from advviz.core.sweep import eps_grid, fgsm_sweep, summarize

    model = window.sweep_model()
    eps = eps_grid(0.5, 101)
    for index in range(window.samples.grid.count()):
        x, y = window.data.x[index: index + 1], window.data.y[index: index + 1]
        logits = fgsm_sweep(model, x, y, eps)[:, 0].numpy()
        summary = summarize(eps, logits, logits[50])
        if summary.clean_prediction == int(y[0]) and summary.flip_eps and low <= summary.flip_eps <= high:
            return index
    return 0


def main() -> int:
    from advviz.gui.window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
    window = MainWindow(autostart=False)
    window.resize(1400, 900)
    window.show()
    window.grab().save(str(OUT / "startup.png"))  # paints before torch loads
    window.start_loading()
    wait(app, window)
    window.samples.set_current(flipping_sample(window))
    window.controls.set_checked(["mnist-cnn", "mnist-maxout", "mnist-mlp", "mnist-softmax", "mnist-maxout-adv"])
    wait(app, window)
    window.grab().save(str(OUT / "main.png"))
    window.tabs.setCurrentWidget(window.transfer_panel)
    wait(app, window)
    window.grab().save(str(OUT / "transfer.png"))
    window.tabs.setCurrentWidget(window.curves)
    window.curves.probabilities.setChecked(True)
    window.controls.attack.setCurrentIndex(window.controls.attack.findData("fgsm-targeted"))
    window.controls.target.setCurrentIndex(8)
    wait(app, window)
    window.grab().save(str(OUT / "targeted_probabilities.png"))
    window.close()
    window.deleteLater()
    app.processEvents()
    print("screenshots in", OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
