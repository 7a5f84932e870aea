"""GUI test set-up: offscreen Qt, and napari's rule that no test leaves a thread or timer running."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

import weakref  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QThread, QThreadPool, QTimer, Qt  # noqa: E402

from advviz.gui.pyqtgraph_import import import_pyqtgraph  # noqa: E402

pg = import_pyqtgraph()  # as the app does: the tests run pyqtgraph on its lazy Qt namespaces

from advviz.gui import worker as worker_module  # noqa: E402

pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)

_started_threads: list[weakref.ref] = []
_runners: list[weakref.ref] = []
_windows: list[weakref.ref] = []


@pytest.fixture(scope="session", autouse=True)
def automatic_garbage_collection_afterwards():
    """A window hands garbage collection to a timer of the GUI thread; later tests get it back."""
    import gc

    yield
    gc.enable()


@pytest.fixture(autouse=True)
def no_dangling_threads(qapp, monkeypatch):
    """Fail a test that leaves a QThread running, a pool job active or a window's QTimer started.

    Dangling threads crash unrelated later tests (napari's conftest makes the same check).
    """
    original_start = QThread.start
    original_init = worker_module.JobRunner.__init__

    def start(self, *args, **kwargs):
        _started_threads.append(weakref.ref(self))
        return original_start(self, *args, **kwargs)

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        _runners.append(weakref.ref(self))

    monkeypatch.setattr(QThread, "start", start)
    monkeypatch.setattr(worker_module.JobRunner, "__init__", init)
    yield
    problems = []
    for ref in _started_threads:
        thread = ref()
        try:
            if thread is not None and thread.isRunning():
                problems.append(f"QThread {thread!r} still running")
        except RuntimeError:
            pass
    for ref in _runners:
        runner = ref()
        try:
            if runner is not None and runner.pool.activeThreadCount():
                problems.append(f"{runner.pool.activeThreadCount()} job(s) still active in a window's pool")
        except RuntimeError:  # the C++ object is gone: its pool was waited for in closeEvent
            pass
    if QThreadPool.globalInstance().activeThreadCount():
        problems.append("global QThreadPool still has active jobs")
    for ref in _windows:
        window = ref()
        try:
            timers = [] if window is None else window.findChildren(QTimer, "", Qt.FindChildOption.FindDirectChildrenOnly)
        except RuntimeError:
            continue
        problems += [f"window timer {timer!r} still active after close" for timer in timers if timer.isActive()]
    _started_threads.clear()
    _runners.clear()
    _windows.clear()
    if problems:
        QThreadPool.globalInstance().waitForDone(10000)
        pytest.fail("; ".join(problems))


def open_window(qtbot, **kwargs):
    from advviz.gui.window import MainWindow

    window = MainWindow(autostart=False, **kwargs)
    _windows.append(weakref.ref(window))
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    return window


def wait_idle(qtbot, window, timeout=60000):
    qtbot.waitUntil(lambda: window.ready and not window.runner.busy(), timeout=timeout)
    window.redraw_now()


@pytest.fixture
def idle(qtbot):
    """``idle(window)`` waits until no job runs, then draws."""
    return lambda window, timeout=60000: wait_idle(qtbot, window, timeout)


@pytest.fixture
def make_window(qtbot):
    """``make_window()`` opens a window without starting it (closed at teardown)."""
    opened = []

    def make(**kwargs):
        opened.append(open_window(qtbot, **kwargs))
        return opened[-1]

    yield make
    for window in opened:
        window.close()


@pytest.fixture
def window(qtbot):
    """The window after start-up: MNIST, mnist-cnn, sample 0 swept with the default 101 ε."""
    window = open_window(qtbot)
    window.start_loading()
    wait_idle(qtbot, window)
    assert window.sweep is not None and window.sweep.complete, window.error_label.text()
    yield window
    window.close()
