"""The user model's settings and checks live in the core, shared by the window's dialog and the CLI: they import
without torch (the window imports them before torch loads) and without Qt, and refuse in words."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from torch import nn

from advviz.core.errors import DataError, ModelLoadError
from advviz.core.user_model_spec import (
    UserModelSpec, check_fits_data, load_images_for_model, name_classes_by_data,
)


def test_importing_the_spec_loads_neither_torch_nor_qt():
    code = ("import sys, advviz.core.user_model_spec\n"
            "print(sorted(m for m in ('torch', 'PySide6', 'torchvision') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.fixture()
def three_class_script(tmp_path):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                        nn.Linear(4, 3))
    path = tmp_path / "tiny.pt"
    torch.jit.script(net).save(str(path))
    return path


def test_a_spec_loads_checks_and_takes_the_datas_class_names(tmp_path, three_class_script):
    from PIL import Image
    import numpy as np

    for name, colour in (("cat", 40), ("dog", 120), ("fox", 220)):
        (tmp_path / "images" / name).mkdir(parents=True)
        Image.fromarray(np.full((12, 12, 3), colour, np.uint8)).save(tmp_path / "images" / name / "a.png")
    spec = UserModelSpec.create(kind="torchscript", dataset=None, path=str(three_class_script), channels=3, size=16,
                                class_source="count", class_count=3)
    assert UserModelSpec.from_dict(spec.to_dict()) == spec
    model = spec.load("cpu")
    assert model.input_shape == (3, 16, 16) and model.class_names == ("0", "1", "2")
    x, y, names, notes = load_images_for_model([str(tmp_path / "images")], (3, 16, 16), None)
    assert x.shape == (3, 3, 16, 16) and y.tolist() == [0, 1, 2] and notes == []
    assert names == ("cat", "dog", "fox")  # the sub-folders, sorted, as torchvision's ImageFolder
    check_fits_data(model, x, y, ("cat", "dog", "fox"))
    name_classes_by_data(model, ("cat", "dog", "fox"))
    assert model.class_names == ("cat", "dog", "fox")


def test_refusals_say_what_to_do(tmp_path, three_class_script):
    spec = UserModelSpec.create(kind="torchscript", dataset=None, path=str(three_class_script), channels=3, size=16,
                                class_count=5)
    model = spec.load("cpu")
    x = torch.rand(2, 3, 16, 16)
    with pytest.raises(ModelLoadError, match=r"outputs of shape \(1, 3\); expected \(N, 5\)"):
        check_fits_data(model, x, torch.tensor([0, 1]), tuple("abcde"))
    three = UserModelSpec.create(kind="torchscript", dataset=None, path=str(three_class_script), channels=3, size=16,
                                 class_count=3).load("cpu")
    with pytest.raises(ModelLoadError, match=r"has 3 classes, the data's labels have 10 .*; use --classes"):
        check_fits_data(three, x, torch.tensor([0, 1]), tuple("0123456789"), remedy="use --classes")
    with pytest.raises(ModelLoadError, match=r"expects images of shape \(3, 16, 16\).*the data has \(1, 28, 28\) — "
                                             "give other images"):
        check_fits_data(three, torch.rand(2, 1, 28, 28), None, (), hint=" — give other images")
    with pytest.raises(DataError, match="no such file or folder"):
        load_images_for_model([str(tmp_path / "missing")], (3, 16, 16), None)


def test_the_cli_and_sessions_share_the_specs_kinds_and_input_bounds():
    """One definition: the CLI's --kind and --input-size, the dialog's spin box and a session's check."""
    import advviz.cli_own_models as cli_own_models
    import advviz.core.user_model_spec as spec_module

    assert cli_own_models.USER_MODEL_KINDS is spec_module.USER_MODEL_KINDS
    assert (cli_own_models.MIN_INPUT_SIDE, cli_own_models.MAX_INPUT_SIDE) == (spec_module.MIN_INPUT_SIDE,
                                                                              spec_module.MAX_INPUT_SIDE)
    data = UserModelSpec.create(kind="torchscript", dataset=None, path="m.ts").to_dict()
    with pytest.raises(ValueError, match=f"size = {spec_module.MAX_INPUT_SIDE + 1} .* 8 … 1024"):
        UserModelSpec.from_dict({**data, "size": spec_module.MAX_INPUT_SIDE + 1})
