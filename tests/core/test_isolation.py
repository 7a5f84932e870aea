"""advviz.core is the model: it must import without Qt, and `import advviz` must not load torch."""

from __future__ import annotations

import subprocess
import sys

QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "superqt", "qtpy")


def _run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_core_imports_without_qt():
    code = (
        "import pkgutil, importlib, sys, advviz.core as core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'advviz.core.'): importlib.import_module(m.name)\n"
        "import advviz.cli\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r}))"
    )
    assert _run(code) == "[]"


def test_importing_the_package_does_not_load_torch():
    assert _run("import sys, advviz; print('torch' in sys.modules)") == "False"
