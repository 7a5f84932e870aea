"""Start the advviz window: ``advviz`` with no sub-command, or ``advviz-gui``.

The window paints before torch loads: nothing here imports torch or :mod:`advviz.core`; the window's
startup job does, on a worker thread, while the status line says "Loading PyTorch…".
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None, *, session: str | None = None) -> int:
    """Run the window; ``argv`` are extra Qt arguments (default: none); ``session`` a session file to
    open once the window has loaded. Returns the exit code."""
    pg = _import_pyqtgraph()
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


CUDA_INTEROP = "cuda.bindings.runtime"


def _import_pyqtgraph():  # noqa: ANN202 - the pyqtgraph module
    """Import pyqtgraph without its CUDA–OpenGL image interop: where cuda-python is installed (torch's
    CUDA wheels bring it), pyqtgraph imports its runtime bindings at start-up — ~100 ms before the
    first paint, for a widget advviz does not use. The module stays importable for torch afterwards."""
    if "pyqtgraph" in sys.modules or CUDA_INTEROP in sys.modules:
        import pyqtgraph

        return pyqtgraph
    sys.modules[CUDA_INTEROP] = None  # type: ignore[assignment]  # makes `from cuda.bindings import runtime` fail
    try:
        import pyqtgraph
    finally:
        if sys.modules.get(CUDA_INTEROP, ...) is None:
            del sys.modules[CUDA_INTEROP]
    return pyqtgraph


def _icon() -> "QIcon":  # noqa: F821
    from PySide6.QtGui import QIcon

    from advviz.core.resources import resources_dir  # pathlib only: no torch before the first paint

    return QIcon(str(resources_dir() / "advviz.png"))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
