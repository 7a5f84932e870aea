"""A thin generator worker and the job runner that owns the window's threads.

The shape follows superqt's ``GeneratorWorker``: a short loop that checks an abort flag, advances the
generator and emits each yielded step. Cancellation is cooperative, so every job is a generator of
small steps. Two differences from superqt, on purpose:

* every exception of a job reaches ``errored`` (superqt turns a ``RuntimeError`` — which torch raises
  for shape mismatches — into a warning and never emits ``finished``);
* workers run on a pool owned by the :class:`JobRunner`, started immediately, so closing the window
  can abort and wait for exactly its own jobs;
* the job whose results the user is looking at goes first (:class:`FrontFirst`).

Signals are emitted from the worker thread and delivered (queued) on the main thread; widgets are
touched only there.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import time
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


WORKER_NICENESS = 10  # Linux: a CPU-bound worker gets ~1/10 of the main thread's share of a busy core


def yield_cpu_to_gui() -> None:
    """Lower the calling worker thread's scheduling priority, once: on a machine with few cores a job's
    compute then waits for the GUI thread (painting, input) instead of starving it. Linux keeps a nice
    value per thread; elsewhere (or where it is refused) this does nothing."""
    if not sys.platform.startswith("linux") or threading.current_thread() is threading.main_thread():
        return  # elsewhere PRIO_PROCESS names a process, not a thread; never the GUI thread itself
    thread = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, thread)
        if current < WORKER_NICENESS:
            os.setpriority(os.PRIO_PROCESS, thread, WORKER_NICENESS)
    except (OSError, OverflowError, ValueError):  # a scheduling nicety: never a reason for a job to fail
        pass


class FrontFirst:
    """For FRONT_FIRST_MS after the job the user is looking at starts running, other jobs wait between
    their steps.

    On two cores the decision map's first row took 40–50 ms with the new sample's sweep computing
    beside it, 15 ms alone. A head start begins when the front job's thread starts (not while it is
    queued behind a full pool) and ends early when the front job ends or is cancelled. No job waits
    more than FRONT_FIRST_MS at a time, and after a wait it runs at least as long before it waits
    again, so a front job restarted by every key press cannot starve the others.
    """

    FRONT_FIRST_MS = 60

    def __init__(self) -> None:
        self._until: dict[GeneratorWorker, float] = {}  # running front workers → end of their head start
        self._exempt_until: dict[GeneratorWorker, float] = {}  # workers that just waited → when they may again
        self._changed = threading.Condition()

    def begin(self, front: GeneratorWorker) -> None:
        """On the front worker's thread, as it starts."""
        with self._changed:
            self._until[front] = time.monotonic() + self.FRONT_FIRST_MS / 1000

    def end(self, worker: GeneratorWorker) -> None:
        with self._changed:
            self._until.pop(worker, None)
            self._exempt_until.pop(worker, None)
            self._changed.notify_all()  # also wakes ``worker`` itself, waiting on another, when it was asked to stop

    def wait(self, worker: GeneratorWorker) -> None:
        """Called on ``worker``'s thread before each of its steps."""
        span = self.FRONT_FIRST_MS / 1000
        with self._changed:
            started = time.monotonic()
            if worker in self._until or started < self._exempt_until.get(worker, 0.0):
                return
            waited = False
            while not worker.abort_requested:
                now = time.monotonic()
                for front in [front for front, until in self._until.items() if until <= now]:
                    del self._until[front]
                if not self._until or now >= started + span:
                    break
                waited = True
                self._changed.wait(min(max(self._until.values()), started + span) - now)
            if waited:
                self._exempt_until[worker] = time.monotonic() + span

    def waiting_on(self) -> list[GeneratorWorker]:
        """The front workers whose head start runs now (for tests)."""
        with self._changed:
            now = time.monotonic()
            return [front for front, until in self._until.items() if until > now]


class WorkerSignals(QObject):
    """Signals of one worker (a QRunnable is not a QObject)."""

    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(object)
    finished = Signal()


class GeneratorWorker(QRunnable):
    """Run ``func(*args, **kwargs)`` — a generator function — on a pool thread."""

    def __init__(self, func: Callable[..., Generator[Any, None, Any]], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.signals = WorkerSignals()
        self._func, self._args, self._kwargs = func, args, kwargs
        self._abort = False
        self.running = False
        self.turns: FrontFirst | None = None  # set by the runner: who goes first
        self.front = False  # the job of the tab in front: gets the head start when it starts running

    def quit(self) -> None:
        """Ask the job to stop at its next step."""
        self._abort = True
        if self.turns is not None:
            self.turns.end(self)  # its head start, if any, is over; and it must not wait for another's

    @property
    def abort_requested(self) -> bool:
        return self._abort

    def run(self) -> None:  # called by the pool, on the worker thread
        self.running = True
        yield_cpu_to_gui()
        if self.front and self.turns is not None and not self._abort:
            self.turns.begin(self)
        generator = None
        try:
            if not self._abort:
                if "torch" in sys.modules:  # a pooled thread keeps the thread count it last had: the budget, anew
                    from advviz.core.device import use_thread_budget

                    use_thread_budget()
                generator = self._func(*self._args, **self._kwargs)
                result = None
                while not self._abort:
                    if self.turns is not None:
                        self.turns.wait(self)
                        if self._abort:  # cancelled while it waited: not one more step
                            break
                    try:
                        step = next(generator)
                    except StopIteration as stop:
                        result = stop.value
                        break
                    if not self._emit(self.signals.yielded, step):
                        break
                if not self._abort:
                    self._emit(self.signals.returned, result)
        except Exception as error:  # noqa: BLE001 - every failure is reported, none is swallowed
            if not self._abort:
                self._emit(self.signals.errored, error)
        finally:
            if self.turns is not None:
                self.turns.end(self)
            if generator is not None:
                generator.close()  # run the job's cleanup on its own thread
            self.running = False
            self._emit(self.signals.finished)

    def _emit(self, signal: Any, *args: Any) -> bool:
        """Emit; False (and the job stops) where the signals' C++ object is gone: the application is being
        torn down around a job that was still running (a traceback on stderr at exit, nothing to tell)."""
        try:
            signal.emit(*args)
        except RuntimeError:
            self._abort = True
            return False
        return True


class Job:
    """A started worker with its slot and id; ``current`` is False once it was replaced or cancelled."""

    def __init__(self, slot: str, ident: int, worker: GeneratorWorker) -> None:
        self.slot, self.ident, self.worker = slot, ident, worker
        self.current = True
        self.producing = False  # it has yielded a result (or returned)


class JobRunner(QObject):
    """Starts jobs in named slots; starting a job in a busy slot cancels the old one (no stale queue).

    Handlers receive only steps of the job that is current in its slot: steps still queued from a
    cancelled job are dropped.
    """

    jobsChanged = Signal()  # a job started or ended
    jobProducing = Signal(str)  # slot: its current job yielded its first result (not progress) or returned

    def __init__(self, parent: QObject | None = None, *, threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._ids = itertools.count(1)
        self._current: dict[str, Job] = {}
        self._alive: set[Job] = set()
        self.turns = FrontFirst()
        self.front: Callable[[], str | None] = lambda: None  # the slot whose results the user is looking at

    def start(
        self,
        slot: str,
        func: Callable[..., Generator[Any, None, Any]],
        *args: Any,
        on_step: Callable[[Any], None] | None = None,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        **kwargs: Any,
    ) -> Job:
        self.cancel(slot)
        worker = GeneratorWorker(func, *args, **kwargs)
        job = Job(slot, next(self._ids), worker)

        def guarded(handler: Callable[[Any], None] | None, *, result: bool = False) -> Callable[[Any], None]:
            def call(value: Any) -> None:
                if not job.current:
                    return
                if result and not job.producing and not getattr(value, "is_progress", False):
                    job.producing = True  # announced before the handler: an error it reports stays shown
                    self.jobProducing.emit(slot)
                if handler is not None:
                    handler(value)
            return call

        worker.signals.yielded.connect(guarded(on_step, result=True))
        worker.signals.returned.connect(guarded(on_done, result=True))
        worker.signals.errored.connect(guarded(on_error))
        worker.signals.finished.connect(lambda: self._finished(job))
        worker.turns = self.turns
        worker.front = slot == self.front()
        self._current[slot] = job
        self._alive.add(job)
        self.pool.start(worker, 1 if worker.front else 0)  # a full pool runs the front job first
        self.jobsChanged.emit()
        return job

    def _finished(self, job: Job) -> None:
        self._alive.discard(job)
        if self._current.get(job.slot) is job:
            del self._current[job.slot]
        job.current = False
        try:
            self.jobsChanged.emit()
        except RuntimeError:  # the window (and this runner) is already deleted
            pass

    def cancel(self, slot: str | None = None) -> None:
        """Cancel the job in ``slot`` (every job when None); it stops at its next step."""
        slots = list(self._current) if slot is None else [slot]
        for name in slots:
            job = self._current.pop(name, None)
            if job is not None:
                job.current = False
                job.worker.quit()
        if slots:
            self.jobsChanged.emit()

    def is_running(self, slot: str) -> bool:
        return slot in self._current

    def running_slots(self) -> list[str]:
        return list(self._current)

    def busy(self) -> bool:
        """Whether any worker (current or cancelled but not yet stopped) is still running."""
        return bool(self._alive) or self.pool.activeThreadCount() > 0

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Abort every job and wait for the threads; True when all stopped in time."""
        for job in list(self._alive):
            job.current = False
            job.worker.quit()
        self._current.clear()
        stopped = self.pool.waitForDone(timeout_ms)
        if stopped:
            self._alive.clear()  # their queued ``finished`` signals may arrive later; nothing runs
        return stopped
