"""The heatmaps grow with the window: maximised at 1920 × 1080, or presenting on such a screen, the four images
stayed ~115–146 pixels under ~780 pixels of curves (Qt gives a window's new height to the central widget). The
dock now takes its share of a tall window; a height the user drags it to stays theirs; a 1400 × 900 window keeps
the layout it had, and short windows keep their curves' room."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QDockWidget

from advviz.gui.layout import HEATMAP_DOCK


def dock(window) -> QDockWidget:
    return window.findChild(QDockWidget, HEATMAP_DOCK)


def settle(qtbot) -> None:
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(30)


def shared_height(window) -> int:
    """The height the curves' tabs and the heatmaps share (between the menu bar and the status bar)."""
    return window.statusBar().geometry().top() - window.centralWidget().geometry().top()


def image_side(window) -> float:
    """The original image's height on screen, in pixels."""
    return window.heatmaps.cells["original"].image.sceneBoundingRect().height()


def test_the_heatmaps_take_their_share_of_a_tall_window(window, qtbot):
    settle(qtbot)
    small_image = image_side(window)  # 1400 × 900
    window.resize(1920, 1080)  # a maximised window on a 1920 × 1080 screen
    settle(qtbot)
    assert dock(window).height() >= 0.35 * shared_height(window), (dock(window).height(), shared_height(window))
    assert image_side(window) >= 250 > 1.6 * small_image  # the images, not the curves, got the new height
    assert window.curves.plot.vb.height() >= 400  # the curves keep a readable plot
    window.resize(1400, 900)
    settle(qtbot)
    assert dock(window).height() == 250 and image_side(window) <= small_image  # 250: at most, as before


def test_short_windows_keep_their_curves_room(window, qtbot):
    for width, height in ((1280, 720), (800, 600)):
        window.resize(width, height)
        settle(qtbot)
        assert dock(window).height() <= round(0.3 * height) + 1  # as before: at most 30 % of the window
        assert window.curves.plot.vb.height() >= 150


def drag_dock_edge(window, qtbot, by: int) -> None:
    """Drag the separator above the heatmaps dock ``by`` pixels (negative: up), as a user's mouse does."""
    central, top = window.centralWidget().geometry(), dock(window).geometry().top()
    start = QPoint(central.center().x(), (central.bottom() + top) // 2 + 1)

    def send(kind, point, buttons) -> None:
        event = QMouseEvent(kind, QPointF(point), QPointF(window.mapToGlobal(point)), Qt.MouseButton.LeftButton,
                            buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(window, event)
        settle(qtbot)

    send(QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton)
    send(QEvent.Type.MouseMove, start + QPoint(0, by // 2), Qt.MouseButton.LeftButton)
    send(QEvent.Type.MouseMove, start + QPoint(0, by), Qt.MouseButton.LeftButton)
    send(QEvent.Type.MouseButtonRelease, start + QPoint(0, by), Qt.MouseButton.NoButton)


def test_a_height_the_user_drags_the_dock_to_stays(window, qtbot):
    settle(qtbot)
    before = dock(window).height()
    drag_dock_edge(window, qtbot, -60)
    chosen = dock(window).height()
    assert chosen >= before + 50  # the drag moved the dock's edge
    for size in ((1920, 1080), (1400, 900), (1600, 1000)):
        window.resize(*size)
        settle(qtbot)
        assert dock(window).height() == chosen, size


PRESENTING = textwrap.dedent("""
    import json, sys
    from PySide6.QtWidgets import QApplication, QDockWidget
    from advviz.gui.pyqtgraph_import import import_pyqtgraph
    pg = import_pyqtgraph()
    app = QApplication(sys.argv[:1])
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
    from advviz.gui.layout import HEATMAP_DOCK
    from advviz.gui.window import MainWindow

    def settle():
        for _ in range(30):
            app.processEvents()

    window = MainWindow(autostart=False)
    window.resize(1400, 900)
    window.show()
    settle()
    dock = window.findChild(QDockWidget, HEATMAP_DOCK)
    found = {"before": [window.size().height(), dock.height()]}
    window.presentation.action.trigger()
    settle()
    shared = window.statusBar().geometry().top() - window.centralWidget().geometry().top()
    found["presenting"] = [window.size().height(), dock.height(), shared,
                           window.heatmaps.cells["original"].plot.vb.sceneBoundingRect().height()]
    window.presentation.action.trigger()
    settle()
    found["after"] = [window.size().height(), dock.height()]
    print(json.dumps(found))
    window.close()
""")


def test_presenting_on_a_1080_screen_gives_the_heatmaps_their_share(tmp_path):
    """F11 on a 1920 × 1080 screen (its own process: the screen is the platform's): the dock grows to its share
    while presenting and is given back as it was on leaving."""
    screen = tmp_path / "screen.json"
    screen.write_text(json.dumps({"screens": [{"name": "s", "x": 0, "y": 0, "width": 1920, "height": 1080,
                                              "logicalDpi": 96, "physicalWidth": 508, "physicalHeight": 286}]}))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={screen}")
    run = subprocess.run([sys.executable, "-c", PRESENTING], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    height, presented, shared, plot = found["presenting"]
    assert height == 1080 and presented >= 0.35 * shared, found
    assert plot >= 250, found  # the image cells' plots: ~134 pixels before
    assert found["after"] == found["before"], found


def test_a_dragged_height_stays_theirs_in_the_session_it_was_saved_in(window, qtbot, idle, tmp_path):
    """A session keeps the dragged height, and the window it opens in keeps it when resized (the next resize gave
    the dock its default share again: a restored layout was not the user's choice)."""
    from conftest import open_window
    from explain_helpers import open_and_wait

    from advviz.gui import session

    settle(qtbot)
    drag_dock_edge(window, qtbot, -60)
    chosen = dock(window).height()
    path = session.save_session(window, tmp_path / "dragged.json")
    other = open_window(qtbot)
    other.start_loading()
    idle(other)
    open_and_wait(other, qtbot, idle, path)
    settle(qtbot)
    assert dock(other).height() == chosen
    for size in ((1920, 1080), (1400, 900)):
        other.resize(*size)
        settle(qtbot)
        assert dock(other).height() == chosen, size
