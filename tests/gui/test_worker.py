"""The thin generator worker and the job runner, without the window."""

from __future__ import annotations

import sys
import time

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


def stamped_steps(stamps: list[float], count: int, pause: float):
    """A job of ``count`` steps of ``pause`` seconds that records when each step finished."""
    for index in range(count):
        time.sleep(pause)
        stamps.append(time.monotonic())
        yield index


def front_job_runner(monkeypatch, head_start_ms: int) -> tuple[JobRunner, list[float]]:
    """A runner whose front slot is "map", with a background "sweep" job already streaming."""
    monkeypatch.setattr(FrontFirst, "FRONT_FIRST_MS", head_start_ms)
    runner = JobRunner()
    runner.front = lambda: "map"
    background: list[float] = []
    runner.start("sweep", stamped_steps, background, 2000, 0.001)
    return runner, background


def test_other_jobs_wait_while_the_front_job_starts_and_go_on_when_it_ends(qtbot, monkeypatch):
    runner, background = front_job_runner(monkeypatch, head_start_ms=3000)
    qtbot.waitUntil(lambda: len(background) >= 3, timeout=5000)
    front: list[float] = []
    began = time.monotonic()
    runner.start("map", stamped_steps, front, 5, 0.008)
    qtbot.waitUntil(lambda: len(front) == 5, timeout=5000)
    # a background step under way when the map started may finish; none starts after it
    assert [t for t in background if began + 0.015 < t < front[-1]] == []
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
