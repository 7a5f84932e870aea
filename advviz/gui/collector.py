"""Python's cyclic garbage collection on the GUI thread only.

The collector runs in whichever thread happens to cross an allocation threshold. A worker thread
that collects a cycle holding Qt wrappers destroys those QObjects there: in a test run a sweep's
worker destroyed a pyqtgraph QMenu (of a closed window) while the GUI thread held the GIL, and each
waited for the other forever. So automatic collection is off and the GUI thread collects on a timer,
with the interpreter's own generational thresholds (pyqtgraph's ``GarbageCollector``, written for
this reason).
"""

from __future__ import annotations

import threading

INTERVAL_S = 0.25
_collector: object | None = None  # the one collector of the process (it switched automatic collection off)


def collect_garbage_on_gui_thread() -> None:
    """Start the GUI thread's collector, once per process; call it on the GUI thread, with a QApplication."""
    global _collector
    if _collector is not None:
        return
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("the garbage collector's timer must live on the GUI thread")
    from pyqtgraph.util.garbage_collector import GarbageCollector

    _collector = GarbageCollector(interval=INTERVAL_S)
