"""Python's cyclic garbage collection on the GUI thread only, and short.

The collector runs in whichever thread happens to cross an allocation threshold. A worker thread
that collects a cycle holding Qt wrappers destroys those QObjects there: in a test run a sweep's
worker destroyed a pyqtgraph QMenu (of a closed window) while the GUI thread held the GIL, and each
waited for the other forever. So automatic collection is off and the GUI thread collects on a timer,
with the interpreter's own generational thresholds (as pyqtgraph's ``GarbageCollector`` does).

A full collection walks every tracked object — torch's and pyqtgraph's modules, ~250,000 of them
once the window is up — and held the GUI thread 130–200 ms in the middle of a job. Once the window
is built, :func:`freeze_survivors` moves the survivors to the permanent generation, so later full
collections only walk what was created since. Before that, full collections are held back the way
CPython holds them back: until the objects promoted to the oldest generation since the last full
collection number a quarter of those it found then (its "long-lived" rule).

A collection's time grows with the objects it walks (~1 µs each), and a worker can allocate fast: the
first adversarial training imports torch's optimizers on its worker, ~140,000 long-lived objects in a
few seconds. Checked every 250 ms, one generation-0 collection walked 10,000–29,000 of them (7–22 ms)
and a generation-1 collection, after ten of those, all their survivors (189 ms). So the timer checks
every INTERVAL_MS, and generation 1 is collected as soon as the survivors waiting in it number
YOUNG_LIMIT, not only after ten younger collections: no collection walks more than a few thousand
young objects at a time.
"""

from __future__ import annotations

import gc
import threading

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 50  # a check reads three counters; the collections it starts stay small
YOUNG_LIMIT = 8000  # survivors of generation-0 collections waiting in generation 1 (~8 ms to walk)


def generation_to_collect(counts: tuple[int, int, int], thresholds: tuple[int, int, int], *,
                          long_lived_pending: int, long_lived_total: int, young_survivors: int = 0
                          ) -> int | None:
    """The generation CPython would collect now (which collects the younger ones too), or None: the
    oldest whose count passed its threshold — the oldest only once ``long_lived_pending`` objects
    promoted since the last full collection reach a quarter of the ``long_lived_total`` it left.
    Generation 1 also once ``young_survivors`` (waiting in it) reach YOUNG_LIMIT."""
    for generation in (2, 1, 0):
        if counts[generation] > thresholds[generation] or (generation == 1 and young_survivors >= YOUNG_LIMIT):
            if generation == 2 and long_lived_pending < long_lived_total // 4:
                continue
            return generation
    return None


class GuiThreadCollector(QObject):
    """Collects on a timer of the GUI thread; automatic collection stays off while it lives."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        # counted when first needed, not here: counting 220,000 objects takes ~20 ms before the first paint
        self.long_lived_total: int | None = None
        self.long_lived_pending = 0
        self.young_survivors = 0  # estimated: objects generation-0 collections moved to generation 1
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(INTERVAL_MS)
        gc.disable()

    def check(self) -> None:
        """Collect what CPython's automatic collection would collect now (see :func:`generation_to_collect`)."""
        counts = gc.get_count()
        if self.long_lived_total is None and counts[2] > self.thresholds[2]:
            self.long_lived_total = len(gc.get_objects(generation=2))
        generation = generation_to_collect(counts, self.thresholds, long_lived_pending=self.long_lived_pending,
                                           long_lived_total=self.long_lived_total or 0,
                                           young_survivors=self.young_survivors)
        # counts[0] is the objects allocated less those freed since the last collection: generation 0's size
        # (counted, not listed: listing both young generations cost as much as walking them)
        if generation == 2:
            gc.collect(2)
            self.restart_long_lived_count()
        elif generation == 1:  # the survivors of both young generations move to the oldest
            self.long_lived_pending += max(0, self.young_survivors + counts[0] - gc.collect(1))
            self.young_survivors = 0
        elif generation == 0:
            self.young_survivors += max(0, counts[0] - gc.collect(0))

    def restart_long_lived_count(self) -> None:
        """After a full collection (or a freeze): the oldest generation as it is now, none pending."""
        self.long_lived_total, self.long_lived_pending = len(gc.get_objects(generation=2)), 0
        self.young_survivors = 0


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
    """Exempt every object alive now from later collections — once per process. Without a full
    collection first: it held the GUI thread 210 ms (a stall under a cursor drag that began 1.5 s
    after a sweep) to find ~45 small objects (ctypes' handles, tuples), which stay frozen instead."""
    global _frozen
    if _frozen:
        return
    _frozen = True
    gc.freeze()
    if _collector is not None and shiboken6.isValid(_collector):
        _collector.restart_long_lived_count()
