"""Screenshots of the explanation panels ("The paper's arguments" tab), with the app itself, offscreen.

    QT_QPA_PLATFORM=offscreen python docs/screenshots/make_explain_screenshots.py [panel ...]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from advviz.gui.pyqtgraph_import import import_pyqtgraph  # noqa: E402

pg = import_pyqtgraph()  # as the app does
from PySide6.QtWidgets import QApplication  # noqa: E402

OUT = Path(__file__).resolve().parent
MODELS = ["mnist-softmax", "mnist-mlp", "mnist-maxout", "mnist-cnn", "mnist-rbf", "mnist-maxout-adv"]


sys.path.insert(0, str(OUT))
from make_screenshots import wait  # noqa: E402  (the same wait-until-idle loop)


def shoot(app, window, name):
    wait(app, window)
    path = OUT / f"explain_{name}.png"
    window.grab().save(str(path))
    print("wrote", path, flush=True)


def main(only: list[str]) -> int:
    from advviz.gui.window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
    window = MainWindow(autostart=False)
    window.resize(1500, 950)
    window.show()
    window.start_loading()
    wait(app, window)
    window.samples.set_current(3)
    explain = window.explain

    def want(name):
        return not only or name in only

    if want("linear"):
        window.controls.set_checked(["mnist-softmax"])
        wait(app, window)
        window.curves.set_cursor(0.1)
        explain.invalidate("linear")
        explain.show("linear")
        wait(app, window)
        explain.panels["linear"].slider.setValue(6)
        shoot(app, window, "linear")
    window.controls.set_checked(MODELS)
    wait(app, window)
    window.curves.set_cursor(0.25)
    explain.invalidate("linear", "diagnostics")
    for name in ("linearity", "robustness", "rubbish"):
        if want(name):
            explain.show(name)
            shoot(app, window, name)
    if want("map"):
        window.controls.set_checked(["mnist-cnn", *[m for m in MODELS if m != "mnist-cnn"]])
        wait(app, window)
        explain.show("map")
        shoot(app, window, "map")
    if want("diagnostics"):
        explain.show("diagnostics")
        shoot(app, window, "diagnostics")
    if want("training"):
        window.controls.set_checked(["mnist-cnn", "mnist-mlp"])
        wait(app, window)
        explain.show("training")
        explain.panels["training"].train.click()
        shoot(app, window, "training")
        window.tabs.setCurrentWidget(window.transfer_panel)
        shoot(app, window, "training_transfer")
    if want("paper"):
        explain.show("paper")
        explain.panels["paper"].samples.setValue(1000)
        explain.panels["paper"].run.click()
        shoot(app, window, "paper")
    window.close()
    window.deleteLater()
    app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
