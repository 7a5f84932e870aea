"""A desktop launcher (freedesktop.org ``.desktop`` entry) so advviz starts from the desktop menu."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from advviz.core.resources import resources_dir, user_data_dir


def applications_dir() -> Path:
    return user_data_dir() / "applications"


def desktop_entry(python: str = sys.executable) -> str:
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=advviz",
        "GenericName=Adversarial example visualizer",
        "Comment=See adversarial examples: FGSM, the linear explanation, transfer (Goodfellow et al., 2014)",
        f"Exec={shlex.quote(python)} -m advviz",
        f"Icon={resources_dir() / 'advviz.png'}",
        "Terminal=false",
        "Categories=Education;Science;ArtificialIntelligence;",
        "StartupWMClass=advviz",
        "",
    ])


def install_desktop_entry(folder: Path | None = None) -> Path:
    """Write ``advviz.desktop`` into the user's applications folder (atomically); returns its path."""
    folder = folder or applications_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "advviz.desktop"
    temporary = path.with_suffix(".desktop.tmp")
    temporary.write_text(desktop_entry())
    temporary.chmod(0o755)
    os.replace(temporary, path)
    return path
