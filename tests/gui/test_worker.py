"""The thin generator worker and the job runner, without the window."""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QObject, Signal

from advviz.gui.worker import GeneratorWorker, JobRunner


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
