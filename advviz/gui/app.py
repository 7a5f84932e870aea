"""Start the advviz window: ``advviz`` with no sub-command, or ``advviz-gui``.

The window paints before torch loads: nothing here imports torch or :mod:`advviz.core`; the window's
startup job does, on a worker thread, while the status line says "Loading PyTorch…".
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None, *, session: str | None = None) -> int:
    """Run the window; ``argv`` are extra Qt arguments (default: none); ``session`` a session file to
    open once the window has loaded. Returns the exit code."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from advviz.gui.window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "advviz", *(argv or [])])
    app.setApplicationName("advviz")
    app.setDesktopFileName("advviz")
    app.setWindowIcon(_icon())
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
    window = MainWindow()
    window.show()
    if session:
        from advviz.gui.session import open_session

        open_session(window, session)  # waits for the start-up data, then applies the rest
    code = int(app.exec())
    window.deleteLater()  # delete Qt items before the interpreter tears down (avoids a crash at exit)
    app.processEvents()
    return code


def _icon() -> "QIcon":  # noqa: F821
    from PySide6.QtGui import QIcon

    from advviz.core.resources import resources_dir  # pathlib only: no torch before the first paint

    return QIcon(str(resources_dir() / "advviz.png"))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
