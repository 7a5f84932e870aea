"""Python's cyclic garbage collection on the GUI thread only, and short.

The collector runs in whichever thread happens to cross an allocation threshold. A worker thread
that collects a cycle holding Qt wrappers destroys those QObjects there: in a test run a sweep's
worker destroyed a pyqtgraph QMenu (of a closed window) while the GUI thread held the GIL, and each
waited for the other forever. So automatic collection is off and the GUI thread collects on a timer,
with the interpreter's own generational thresholds (as pyqtgraph's ``GarbageCollector`` does).

A full collection walks every tracked object — torch's and pyqtgraph's modules, ~250,000 of them
once the window is up — and held the GUI thread 130–200 ms in the middle of a job. Once the window
is built, :func:`freeze_survivors` moves the survivors to the permanent generation, so later full
collections only walk what was created since.
"""

from __future__ import annotations

import gc
import threading

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 250


class GuiThreadCollector(QObject):
    """Collects on a timer of the GUI thread; automatic collection stays off while it lives."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(INTERVAL_MS)
        gc.disable()

    def check(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds, youngest first."""
        counts = gc.get_count()
        for generation in range(3):
            if counts[generation] <= self.thresholds[generation]:
                return
            gc.collect(generation)


_collector: GuiThreadCollector | None = None
_frozen = False


def collect_garbage_on_gui_thread() -> None:
    """Start the GUI thread's collector, once per application; call it on the GUI thread. When the
    application (its parent) goes, automatic collection comes back."""
    global _collector
    if _collector is not None and shiboken6.isValid(_collector):
        return
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("the garbage collector's timer must live on the GUI thread")
    _collector = GuiThreadCollector(QCoreApplication.instance())
    _collector.destroyed.connect(_collector_gone)


def _collector_gone() -> None:
    global _collector
    _collector = None
    gc.enable()


def freeze_survivors() -> None:
    """Collect once, then exempt every surviving object from later collections — once per process
    (call when idle: this one collection takes as long as a full one)."""
    global _frozen
    if _frozen:
        return
    _frozen = True
    gc.collect()
    gc.freeze()
