"""Import pyqtgraph ~200 ms sooner, before the window's first paint.

Two things pyqtgraph does at import cost the window's first paint time and give advviz nothing:

- Where cuda-python is installed (torch's CUDA wheels bring it), it imports CUDA's runtime bindings
  for an OpenGL image interop advviz does not use: ~100 ms. The module stays importable for torch.
- ``pyqtgraph.Qt`` copies every name of PySide6's QtCore, QtGui and QtWidgets into namespaces of its
  own. PySide6 creates its ~1,500 classes lazily, on first use; the copy creates them all: ~150 ms.
  Here those namespaces are modules that look names up in PySide6 when asked (PEP 562), and PySide6
  lists only the classes created so far while pyqtgraph copies, so each class is created when used.
  This applies only where pyqtgraph's namespaces are the empty modules it ships (pyqtgraph 0.13 and
  0.14) and it will use PySide6; otherwise pyqtgraph is imported as it is.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

CUDA_INTEROP = "cuda.bindings.runtime"
QT_NAMESPACES = ("QtCore", "QtGui", "QtWidgets")
OTHER_BINDINGS = ("PyQt5", "PyQt6", "PySide2")


def import_pyqtgraph() -> ModuleType:
    """``import pyqtgraph``, without the two start-up costs above."""
    if "pyqtgraph" in sys.modules or CUDA_INTEROP in sys.modules:
        import pyqtgraph

        return pyqtgraph
    sys.modules[CUDA_INTEROP] = None  # type: ignore[assignment]  # makes `from cuda.bindings import runtime` fail
    try:
        if _lazy_namespaces_apply():
            with _lazy_qt_namespaces():
                import pyqtgraph
        else:
            import pyqtgraph
    finally:
        if sys.modules.get(CUDA_INTEROP, ...) is None:
            del sys.modules[CUDA_INTEROP]
    return pyqtgraph


def _lazy_namespaces_apply() -> bool:
    """Whether pyqtgraph will use PySide6 and its Qt namespaces are the empty modules assumed here."""
    if os.environ.get("PYQTGRAPH_QT_LIB", "PySide6") != "PySide6" or any(b in sys.modules for b in OTHER_BINDINGS):
        return False
    if any(f"pyqtgraph.Qt.{name}" in sys.modules for name in QT_NAMESPACES):
        return False
    spec = importlib.util.find_spec("pyqtgraph")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return False
    qt = Path(next(iter(spec.submodule_search_locations))) / "Qt"
    try:
        return all((qt / name / "__init__.py").stat().st_size == 0 for name in QT_NAMESPACES)
    except OSError:
        return False


class _lazy_qt_namespaces:  # noqa: N801 - used as a context manager, like contextlib's
    """Installs ``pyqtgraph.Qt.QtCore`` … as modules that look names up in PySide6, and has PySide6
    list only its created classes until the block ends (pyqtgraph's copy then skips the others)."""

    def __enter__(self) -> None:
        import PySide6.QtCore
        import PySide6.QtGui
        import PySide6.QtWidgets

        self.sources = {"QtCore": PySide6.QtCore, "QtGui": PySide6.QtGui, "QtWidgets": PySide6.QtWidgets}
        self.listings = {name: source.__dict__.get("__dir__") for name, source in self.sources.items()}
        for name, source in self.sources.items():
            sys.modules[f"pyqtgraph.Qt.{name}"] = _namespace_of(source, f"pyqtgraph.Qt.{name}")
            source.__dir__ = _created_names_of(source)  # type: ignore[attr-defined]

    def __exit__(self, *exc_info: object) -> None:
        for name, source in self.sources.items():
            if self.listings[name] is None:
                del source.__dir__
            else:
                source.__dir__ = self.listings[name]  # type: ignore[attr-defined]
        if exc_info[0] is not None:  # a failed import leaves no half-made namespaces behind
            for name in QT_NAMESPACES:
                sys.modules.pop(f"pyqtgraph.Qt.{name}", None)


def _namespace_of(source: ModuleType, name: str) -> ModuleType:
    namespace = ModuleType(name, source.__doc__)

    def look_up(attribute: str) -> object:
        value = getattr(source, attribute)
        setattr(namespace, attribute, value)  # found by a plain lookup next time (pyqtgraph's paint loops)
        return value

    namespace.__getattr__ = look_up  # type: ignore[attr-defined]
    namespace.__dir__ = lambda: sorted(set(dir(source)) | set(namespace.__dict__))  # type: ignore[attr-defined]
    return namespace


def _created_names_of(source: ModuleType):  # noqa: ANN202 - a module's __dir__
    return lambda: list(source.__dict__)
