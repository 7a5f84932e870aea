"""Work around a reference-count bug of PySide6 6.12.0 on Python < 3.12.

There, every Python-level ``Signal.emit()`` returns ``True`` without taking a reference to it, and
every call of a Python override of a ``void`` virtual (pyqtgraph's ``paint``, ``QRunnable.run``)
drops one reference to the ``None`` it returns. Each such call removes a reference that someone
else owns; ``True`` and ``None`` start with a few hundred or thousand: after that many emits or
paints the interpreter aborts ("bool_dealloc: deallocating True or False", "none_dealloc").
From Python 3.12 these singletons are immortal and the bug is harmless. We detect the leak with a
probe and, only when it is present, give ``True``, ``False`` and ``None`` a very large number of
extra references (they are never freed anyway). Another PySide6 release fixes the root cause.
"""

from __future__ import annotations

import ctypes
import sys

_EXTRA_REFERENCES = 1 << 40
applied = False


def emit_leaks_true() -> bool:
    """Whether ``Signal.emit`` drops a reference to ``True`` it does not own."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(20):
        probe.ping.emit()
    leaked = before - sys.getrefcount(True) >= 10
    if leaked:  # put back what the probe took
        ctypes.c_ssize_t.from_address(id(True)).value += 20
    return leaked


def protect_true() -> bool:
    """Apply the workaround when needed; returns whether it was applied."""
    global applied
    if applied or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return applied
    if emit_leaks_true():
        for singleton in (True, False, None):
            ctypes.c_ssize_t.from_address(id(singleton)).value += _EXTRA_REFERENCES
        applied = True
    return applied
