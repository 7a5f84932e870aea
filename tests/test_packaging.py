"""A plain (non-editable) install carries the shipped data and model zoo inside the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_contains_data_and_models(tmp_path):
    pytest.importorskip("hatchling")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("advviz-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "advviz/resources/data/mnist10k.npz" in names and "advviz/resources/data/fashion10k.npz" in names
    assert "advviz/resources/models/zoo.json" in names and "advviz/resources/models/mnist-cnn.pt" in names
    assert "advviz/core/attacks/fgsm.py" in names and "advviz/gui/app.py" in names


def test_resources_are_found_in_this_install():
    from advviz.core.resources import data_dir, models_dir

    assert (data_dir() / "mnist10k.npz").exists() and (models_dir() / "zoo.json").exists()
