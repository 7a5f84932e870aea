"""Shared fixtures: shipped data and models, loaded once per session."""

from __future__ import annotations

import os

# Qt must never need a display in tests; set before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(scope="session", autouse=True)
def user_data_home(tmp_path_factory):
    """What the app keeps for the user (models trained in the window, the desktop entry) goes to a
    scratch folder in tests, not to ~/.local/share."""
    folder = tmp_path_factory.mktemp("xdg-data-home")
    previous = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("XDG_DATA_HOME", None)
    else:
        os.environ["XDG_DATA_HOME"] = previous


@pytest.fixture(scope="session")
def mnist_test():
    from advviz.core.data import load_dataset

    return load_dataset("mnist", "test")


@pytest.fixture(scope="session")
def zoo():
    """Load a shipped model by name, once per session."""
    from advviz.core.zoo import load_model

    cache: dict = {}

    def get(name: str):
        if name not in cache:
            cache[name] = load_model(name)
        return cache[name]

    return get


@pytest.fixture
def unwritable_zoo_folder(tmp_path, monkeypatch):
    """A folder for train-zoo's weights that refuses new files (chmod where that binds; root ignores it, so
    there os.open refuses instead), and training that fails the test if it starts: the folder must be refused
    before any training time is spent."""
    from pathlib import Path

    import advviz.core.zoo as zoo

    folder = tmp_path / "weights"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
    else:
        real_open = os.open

        def refusing_open(path, flags, *args, **kwargs):
            if Path(path).parent == folder and flags & os.O_CREAT:
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", refusing_open)

    def training(*args, **kwargs):
        raise AssertionError("trained for a folder it cannot write in")

    monkeypatch.setattr(zoo, "train_steps", training)
    yield folder
    folder.chmod(0o755)
