"""The GUI thread's garbage collector keeps each collection small while a worker allocates fast.

A worker that imports modules (the first adversarial training imports torch's optimizers) leaves
tens of thousands of long-lived objects; a generation-1 collection after ten younger ones walked all
their survivors at once and held the event loop 189 ms. These tests run in a fresh interpreter: the
collector switches automatic collection off for the whole process.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

SURVIVORS_PILE_UP = """
import gc
from PySide6.QtCore import QCoreApplication
app = QCoreApplication([])
from advviz.gui.collector import GuiThreadCollector, YOUNG_LIMIT
collector = GuiThreadCollector()
collector.timer.stop()  # checked by hand below, as often as its timer would
gc.collect()
collector.restart_long_lived_count()
walked = []  # generation 1's size when a generation-1 collection starts

def record(phase, info):
    if phase == "start" and info["generation"] == 1:
        walked.append(len(gc.get_objects(generation=1)))

gc.callbacks.append(record)
keep = []
batch = YOUNG_LIMIT // 3
for _ in range(12):  # long-lived objects arriving in batches, like a module's import
    keep += [[] for _ in range(batch)]
    collector.check()
gc.callbacks.remove(record)
print(len(walked) >= 2 and max(walked) <= YOUNG_LIMIT + batch, walked)
"""


def fresh_python_prints(script: str) -> str:
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_survivors_waiting_in_generation_one_are_collected_before_they_pile_up():
    """Generation 1 is collected once its waiting survivors reach YOUNG_LIMIT, not only after ten
    generation-0 collections (which let it grow to ten batches)."""
    out = fresh_python_prints(SURVIVORS_PILE_UP)
    assert out.startswith("True"), out


@pytest.mark.parametrize(("counts", "young", "expected"), [
    ((701, 3, 0), 0, 0),       # few survivors waiting: generation 0 only, as CPython would
    ((701, 3, 0), 8000, 1),    # many: generation 1 now
    ((5, 3, 0), 8000, 1),      # even with generation 0 below its threshold
])
def test_the_generation_to_collect_counts_the_survivors_waiting_in_generation_one(counts, young, expected):
    from advviz.gui.collector import generation_to_collect

    assert generation_to_collect(counts, (700, 10, 10), long_lived_pending=0, long_lived_total=0,
                                 young_survivors=young) == expected
