"""The test tree: one pytest run collects every folder (.ci/run does), so no two test files share a name."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_no_two_test_files_share_a_name():
    # without packages, pytest imports each file by its name: the second of two alike stops the run at
    # collection, though each folder passes alone (tests/core and tests/gui both had test_review7c_precision.py)
    names = Counter(path.name for path in TESTS.rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
