"""Start the advviz window: ``advviz`` with no sub-command, or ``advviz-gui``.

The window paints before torch loads: nothing here imports torch or :mod:`advviz.core`; the window's
startup job does, on a worker thread, while the status line says "Loading PyTorch…".
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None, *, session: str | None = None) -> int:
    """Run the window; ``argv`` are extra Qt arguments (default: none); ``session`` a session file to
    open once the window has loaded. Returns the exit code."""
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        problem = platform_problem()
        if problem:
            print(f"advviz: error: {problem}", file=sys.stderr)
            return 2
    from advviz.gui.pyqtgraph_import import import_pyqtgraph

    pg = import_pyqtgraph()
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


XCB_PACKAGES = "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxkbcommon-x11-0"


def platform_problem() -> str | None:
    """Why Qt's X11 plugin cannot load, or None. Qt itself aborts (status 134) after several lines of
    plugin messages when a system library of its xcb plugin is missing; this names the library."""
    import os

    platform = os.environ.get("QT_QPA_PLATFORM", "")
    wayland = os.environ.get("WAYLAND_DISPLAY") and not platform.startswith("xcb")
    if not sys.platform.startswith("linux") or wayland or (platform and not platform.startswith("xcb")):
        return None  # Qt's offscreen, Wayland or another system's platform: nothing of X11 to check
    if not os.environ.get("DISPLAY"):
        return ("no display to open the window on (DISPLAY is not set); the headless commands work without one: "
                "see advviz --help")
    import ctypes

    import PySide6

    plugin = os.path.join(os.path.dirname(PySide6.__file__), "Qt", "plugins", "platforms", "libqxcb.so")
    if not os.path.exists(plugin):
        return None  # another Qt layout: let Qt say what it finds
    try:
        ctypes.CDLL(plugin)
    except OSError as error:
        missing = str(error).split(":", 1)[0]
        return (f"Qt cannot open a window: its X11 plugin needs {missing}, which is not installed "
                f"(Debian/Ubuntu: sudo apt install {XCB_PACKAGES})")
    return None


def _icon() -> "QIcon":  # noqa: F821
    from PySide6.QtGui import QIcon

    from advviz.core.resources import resources_dir  # pathlib only: no torch before the first paint

    return QIcon(str(resources_dir() / "advviz.png"))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
