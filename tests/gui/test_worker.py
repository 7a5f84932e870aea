"""The thin generator worker and the job runner, without the window."""

from __future__ import annotations

import sys
import threading
import time

import pytest
from PySide6.QtCore import QObject, Signal

from advviz.gui.worker import FrontFirst, GeneratorWorker, JobRunner


def test_runtime_error_reaches_errored():
    """superqt turns a RuntimeError (torch's usual error) into a warning; ours reports it."""
    def job():
        yield 1
        raise RuntimeError("shapes do not match")

    worker = GeneratorWorker(job)
    seen, errors, finished = [], [], []
    worker.signals.yielded.connect(seen.append)
    worker.signals.errored.connect(errors.append)
    worker.signals.finished.connect(lambda: finished.append(True))
    worker.run()  # on the main thread, as napari's tests do, so coverage sees it
    assert seen == [1] and finished == [True]
    assert isinstance(errors[0], RuntimeError) and "shapes" in str(errors[0])


def test_abort_is_checked_between_steps_and_closes_the_generator():
    closed = []

    def job():
        try:
            count = 0
            while True:
                count += 1
                yield count
        finally:
            closed.append(True)

    worker = GeneratorWorker(job)
    seen, returned = [], []
    worker.signals.yielded.connect(lambda step: (seen.append(step), step == 3 and worker.quit()))
    worker.signals.returned.connect(returned.append)
    worker.run()
    assert seen == [1, 2, 3] and closed == [True] and returned == []


def test_a_job_whose_signals_are_gone_stops_quietly(capsys):
    """Closing the application around a running job deleted its signals' C++ object: every emit raised
    "Signal source has been deleted" on the pool thread, a traceback on stderr at exit."""
    import shiboken6

    closed = []

    def job():
        try:
            while True:
                yield 1
        finally:
            closed.append(True)

    worker = GeneratorWorker(job)
    shiboken6.delete(worker.signals)  # what the teardown does
    worker.run()  # must neither raise nor loop forever
    assert closed == [True] and not worker.running


def test_runner_drops_steps_of_replaced_job(qtbot):
    def slow(tag):
        for index in range(1000):
            time.sleep(0.005)
            yield (tag, index)

    def quick(tag):
        yield (tag, 0)

    runner = JobRunner()
    seen = []
    runner.start("sweep", slow, "old", on_step=seen.append)
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=5000)
    runner.start("sweep", quick, "new", on_step=seen.append)
    count_old = len(seen)
    qtbot.waitUntil(lambda: not runner.busy(), timeout=10000)
    assert seen[count_old:] == [("new", 0)]
    assert runner.shutdown(1000)


def stamped_steps(starts: list[float], count: int, pause: float):
    """A job of ``count`` steps of ``pause`` seconds that records when each step started."""
    for index in range(count):
        starts.append(time.monotonic())
        time.sleep(pause)
        yield index


def front_job_runner(monkeypatch, head_start_ms: int, threads: int = 4) -> tuple[JobRunner, list[float]]:
    """A runner whose front slot is "map", with a background "sweep" job already streaming."""
    monkeypatch.setattr(FrontFirst, "FRONT_FIRST_MS", head_start_ms)
    runner = JobRunner(threads=threads)
    runner.front = lambda: "map"
    background: list[float] = []
    runner.start("sweep", stamped_steps, background, 100_000, 0.001)
    return runner, background


def test_other_jobs_wait_while_the_front_job_starts_and_go_on_when_it_ends(qtbot, monkeypatch):
    runner, background = front_job_runner(monkeypatch, head_start_ms=3000)
    qtbot.waitUntil(lambda: len(background) >= 3, timeout=5000)
    front: list[float] = []
    began = time.monotonic()
    runner.start("map", stamped_steps, front, 10, 0.01)
    qtbot.waitUntil(lambda: len(front) == 10, timeout=5000)
    # a background step may have passed its check just before the map started; none starts later
    assert [t for t in background if began + 0.03 < t < front[-1]] == []
    qtbot.waitUntil(lambda: background[-1] > front[-1], timeout=1000)  # the map ended: no 3 s wait
    assert runner.shutdown(2000)


def test_the_head_start_is_bounded(qtbot, monkeypatch):
    runner, background = front_job_runner(monkeypatch, head_start_ms=60)
    qtbot.waitUntil(lambda: len(background) >= 3, timeout=5000)
    front: list[float] = []
    began = time.monotonic()
    runner.start("map", stamped_steps, front, 100, 0.005)  # ≥ 0.5 s of work
    qtbot.waitUntil(lambda: any(t > began + 0.06 for t in background), timeout=5000)
    assert len(front) < 100  # the background job went on while the front job still ran
    assert runner.shutdown(2000)


def test_no_job_waits_longer_than_a_head_start_at_a_time(monkeypatch):
    """Front jobs restarted by every key press, overlapping, must not starve the others."""
    monkeypatch.setattr(FrontFirst, "FRONT_FIRST_MS", 60)
    turns = FrontFirst()
    waiting = GeneratorWorker(lambda: iter(()))
    stop = threading.Event()

    def new_front_every_10_ms() -> None:  # none of them ever ends
        while not stop.is_set():
            turns.begin(GeneratorWorker(lambda: iter(())))
            time.sleep(0.01)

    threading.Thread(target=new_front_every_10_ms, daemon=True).start()
    time.sleep(0.03)
    try:
        began = time.monotonic()
        turns.wait(waiting)
        first = time.monotonic() - began
        began = time.monotonic()
        turns.wait(waiting)  # having just waited, it runs a step before it waits again
        second = time.monotonic() - began
    finally:
        stop.set()
    assert 0.03 < first < 0.5 and second < 0.04, (first, second)


def test_a_queued_front_job_holds_no_one_until_it_runs(qtbot, monkeypatch):
    """With the pool full, the front job waits for a thread: the others must not idle meanwhile."""
    runner, background = front_job_runner(monkeypatch, head_start_ms=3000, threads=1)
    qtbot.waitUntil(lambda: len(background) >= 3, timeout=5000)
    front: list[float] = []
    began = time.monotonic()
    runner.start("map", stamped_steps, front, 5, 0.001)
    qtbot.wait(200)
    assert not front and any(t > began + 0.1 for t in background)
    runner.cancel("sweep")
    qtbot.waitUntil(lambda: len(front) == 5, timeout=5000)
    assert runner.shutdown(2000)


def test_a_waiting_job_that_is_cancelled_stops_at_once(qtbot, monkeypatch):
    runner, background = front_job_runner(monkeypatch, head_start_ms=5000)
    qtbot.waitUntil(lambda: len(background) >= 3, timeout=5000)
    runner.start("map", stamped_steps, [], 1000, 0.005)
    held = runner._current["sweep"].worker
    qtbot.wait(50)
    cancelled = time.monotonic()
    runner.cancel("sweep")
    qtbot.waitUntil(lambda: not held.running, timeout=2000)  # not after the map's 5 s head start
    assert time.monotonic() - cancelled < 1.0
    assert not [t for t in background if t > cancelled]  # and it did not run one more step
    assert runner.shutdown(2000)


def test_pyside_signal_emit_does_not_leak_references():
    """PySide6 6.12.0 dropped a reference to True per emit and aborted Python 3.11 after a few hundred
    signals; pyproject.toml excludes that release and this test keeps it out."""

    class Probe(QObject):
        ping = Signal()

    probe = Probe()
    before = sys.getrefcount(True)
    for _ in range(5000):  # more than True's natural reference count
        probe.ping.emit()
    assert sys.getrefcount(True) >= before


def test_garbage_is_collected_on_the_gui_thread_only(make_window, qtbot):
    """A worker that collected a cycle of Qt wrappers destroyed QObjects off the GUI thread (a deadlock
    seen in a test run); with the window's collector every collection runs on the GUI thread."""
    import gc

    make_window()  # installs the collector
    threads: list[str] = []

    def record(phase: str, info: dict) -> None:
        if phase == "start":
            threads.append(threading.current_thread().name)

    def cycles():
        for _ in range(50):
            for _ in range(2000):  # well past generation 0's threshold of allocations
                node: list = []
                node.append(node)
            yield None

    gc.callbacks.append(record)
    try:
        runner = JobRunner()
        runner.start("garbage", cycles)
        qtbot.waitUntil(lambda: not runner.busy(), timeout=30000)
        qtbot.wait(600)  # the GUI thread's collector runs every 0.25 s
    finally:
        gc.callbacks.remove(record)
    assert threads and set(threads) == {threading.main_thread().name}, set(threads)


@pytest.mark.parametrize(("counts", "pending", "total", "expected"), [
    ((10, 0, 0), 0, 0, None),          # below every threshold
    ((701, 0, 0), 0, 0, 0),            # allocations: the youngest
    ((701, 11, 0), 0, 0, 1),           # the oldest generation past its threshold, with the younger ones
    ((701, 11, 11), 10_000, 200_000, 1),  # a full collection waits for a quarter as many newcomers …
    ((701, 11, 11), 50_000, 200_000, 2),  # … then comes
    ((5, 3, 11), 0, 0, 2),             # nothing long-lived to protect (after a freeze)
])
def test_the_gui_collector_picks_the_generation_cpython_would(counts, pending, total, expected):
    from advviz.gui.collector import generation_to_collect

    assert generation_to_collect(counts, (700, 10, 10), long_lived_pending=pending,
                                 long_lived_total=total) == expected
