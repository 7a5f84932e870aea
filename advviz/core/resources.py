"""Where shipped data and the model zoo live, installed or in a source checkout; where the user's own
files go (the XDG data folder)."""

from __future__ import annotations

import os
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


def user_data_dir() -> Path:
    """``$XDG_DATA_HOME`` (default ``~/.local/share``): the desktop entry, models trained in the window."""
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def trained_models_dir() -> Path:
    """Where models trained in the window are kept (a session may name them after a reboot: not /tmp)."""
    return user_data_dir() / "advviz" / "trained"
