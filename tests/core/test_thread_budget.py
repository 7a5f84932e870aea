"""Every worker thread gets the whole thread budget, whatever count another thread set last."""

from __future__ import annotations

import threading

import torch

import advviz.core.device as device
from advviz.core import batching


def test_a_thread_started_during_a_one_thread_chunk_keeps_the_budget(monkeypatch):
    """A thread new to torch adopts the count another set last (OpenMP): one that started while another job ran a
    one-thread chunk took 1 as its budget for good — its jobs, on a pooled thread, all single-threaded."""
    monkeypatch.setattr(device, "_budget", 2)
    torch.set_num_threads(2)
    inside, release = threading.Event(), threading.Event()
    seen: dict[str, int] = {}

    def one_thread_chunk() -> None:
        torch.zeros(1) + 1
        with batching._threads(1):
            inside.set()
            release.wait(10)

    def new_worker() -> None:
        inside.wait(10)
        torch.zeros(1) + 1  # its first torch work, during the other's chunk
        seen["adopted"] = torch.get_num_threads()
        release.set()
        seen["budget"] = device.thread_budget()
        device.use_thread_budget()  # what a job's start does (gui.worker)
        seen["after"] = torch.get_num_threads()
        with batching._threads(1):
            pass
        seen["restored"] = torch.get_num_threads()

    threads = [threading.Thread(target=one_thread_chunk), threading.Thread(target=new_worker)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert seen["budget"] == 2 and seen["after"] == 2 and seen["restored"] == 2, seen
