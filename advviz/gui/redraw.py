"""When the window's panels redraw: in frames, one panel per turn of the event loop.

Jobs mark panels dirty at any pace. At most every REDRAW_MS a frame takes the dirty panels and draws
them one per turn, the panel of the tab in front first, so input, timers and paints get in between —
the curves and heatmaps drawn together after one step held the main thread 60–90 ms on two cores.
Panels marked during a frame wait for the next one, so none redraws above 60 Hz; a frame after a
quiet spell starts at once, so a click's first results are not held back. A panel hidden behind
another tab or dock is not drawn; it is remembered and drawn when shown. :class:`FirstPaint` holds
back what must not delay the window's first paint.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

REDRAW_MS = 16  # ≤ 60 Hz
GROUP = "explain"  # every other key (the explanation panels) is drawn as one group


class RedrawScheduler(QObject):
    """Frames of ``draw(panel)`` calls for the panels of ``order`` (each with a widget) and, last
    unless in front, the group of all other keys, drawn by ``draw(GROUP)`` with :attr:`group_keys`."""

    def __init__(self, window: QWidget, *, order: tuple[str, ...], widget_of: Callable[[str], QWidget],
                 front: Callable[[], str], draw: Callable[[str], None]) -> None:
        super().__init__(window)
        self.order, self.widget_of, self.front, self.draw = order, widget_of, front, draw
        self.timer = QTimer(window)  # the window's child: its tests check no timer outlives it
        self.timer.setSingleShot(True)
        self.timer.setInterval(REDRAW_MS)
        self.timer.timeout.connect(self._frame_now)
        self.dirty: set[str] = set()
        self.frame: list[str] = []  # panels of the frame being drawn, one per event-loop turn
        self.group_keys: set[str] = set()  # the group's keys in the current frame
        self.hidden: set[str] = set()  # panels that changed while hidden: drawn when shown
        self._started = 0.0  # perf_counter() when the last frame began
        self._closed = False

    def watch(self, widget: QWidget) -> None:
        """Draw what a panel missed while hidden once it is shown (tab or dock)."""
        widget.installEventFilter(self)

    def mark(self, *panels: str) -> None:
        if self._closed:
            return
        self.dirty.update(panels)
        if not self.timer.isActive() and not self.frame:
            self._schedule()

    def flush(self, panels: Iterable[str]) -> None:
        """Draw ``panels`` and everything pending now, hidden or not (screenshots, tests, exports)."""
        self.timer.stop()
        self.dirty.update(panels)
        self.hidden.clear()
        self._start_frame()
        while self.frame:
            self._draw_next(hidden_too=True)
        self.timer.stop()

    def close(self) -> None:
        """A frame's pending turn or a late step must not restart the timer after the window closed."""
        self._closed = True
        self.frame.clear()
        self.dirty.clear()
        self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Show:
            for name in [name for name in self.hidden if self.widget_of(name) is watched]:
                self.hidden.discard(name)
                self.mark(name)
        return False

    # -- frames ----------------------------------------------------------------------------------------
    def _schedule(self) -> None:
        elapsed_ms = (time.perf_counter() - self._started) * 1000
        self.timer.start(max(1, int(REDRAW_MS - elapsed_ms)))

    def _frame_now(self) -> None:
        self._start_frame()
        self._draw_next()

    def _start_frame(self) -> None:
        self._started = time.perf_counter()
        group = {name for name in self.dirty if name not in self.order} | (
            self.group_keys if GROUP in self.frame else set())  # an unfinished frame carries over
        dirty = self.dirty | set(self.frame)
        frame = [name for name in self.order if name in dirty] + ([GROUP] if group else [])
        front = self.front()
        self.frame = sorted(frame, key=lambda name: name != front)
        self.group_keys = group
        self.dirty = set()

    def _draw_next(self, *, hidden_too: bool = False) -> None:
        # a panel on a tab in the background is drawn when it is shown, not now: the sweep's curves
        # redrawn behind the decision map's tab delayed the map's first rows by 80 ms
        while self.frame and not hidden_too and self.frame[0] in self.order \
                and not self.widget_of(self.frame[0]).isVisible():
            self.hidden.add(self.frame.pop(0))
        if not self.frame:
            if self.dirty and not self.timer.isActive():
                self._schedule()
            return
        panel = self.frame.pop(0)
        try:
            self.draw(panel)
        finally:  # a panel that fails to draw must not stop the others, now or later
            if self.frame:
                # 1 ms, not 0: Qt 6 turns a 0 ms single shot into a posted event, run with the paints in
                # the same turn, before any timer (the probe saw curves + heatmaps + paints as one gap)
                QTimer.singleShot(1, self, self._draw_next)
            elif self.dirty and not self.timer.isActive():
                self._schedule()


class FirstPaint(QObject):
    """Calls ``then`` in the turn after ``window`` first paints, then removes itself. What must wait for
    the first paint waits for it, not for a 0 ms timer set in __init__ (which fires ahead of it): the
    heatmaps panel's construction and torch's import (which holds the GIL for long stretches). A window
    that is not painted within FALLBACK_MS (hidden, minimized, covered) goes on all the same."""

    FALLBACK_MS = 1500

    def __init__(self, window: QWidget, then: Callable[[], None]) -> None:
        super().__init__(window)
        self.window, self.then = window, then
        self.done = False
        window.installEventFilter(self)
        QTimer.singleShot(self.FALLBACK_MS, self, self._fire)

    def _fire(self) -> None:
        if not self.done:
            self.done = True
            self.window.removeEventFilter(self)
            self.then()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.window and event.type() == QEvent.Type.Paint and not self.done:
            QTimer.singleShot(0, self, self._fire)
        return False
