"""Where shipped data and the model zoo live, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    """The ``resources`` folder: inside the package when installed, beside it in a checkout."""
    for candidate in (_PACKAGE_DIR / "resources", _PACKAGE_DIR.parent / "resources"):
        if (candidate / "data").is_dir():
            return candidate
    raise FileNotFoundError(
        "advviz resources not found (looked in "
        f"{_PACKAGE_DIR / 'resources'} and {_PACKAGE_DIR.parent / 'resources'}); reinstall advviz"
    )


def data_dir() -> Path:
    return resources_dir() / "data"


def models_dir() -> Path:
    return resources_dir() / "models"
