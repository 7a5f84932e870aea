"""One image folder labels the same in the window and the CLI: a user model of numbered classes takes the class
sub-folders in sorted order (torchvision's ImageFolder) and is named after them, in the dialog's job as with
``advviz --kind`` (the dialog matched "0", "1", "2" to cat, dog, frog by name and left every image unlabelled)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

import advviz.core.user_model_spec as user_model_spec
from advviz.cli import main

# sorted: blue, green, red are classes 0, 1, 2 — the colour net below names a colour by its channel 2, 1, 0
FOLDERS = {"blue": (30, 30, 200), "green": (30, 200, 30), "red": (200, 30, 30)}
SIZE = 16


@pytest.fixture(scope="module")
def folder_and_model(tmp_path_factory):
    from PIL import Image

    root = tmp_path_factory.mktemp("same_labels")
    rng = np.random.default_rng(1)
    for name, colour in FOLDERS.items():
        (root / "imgs" / name).mkdir(parents=True)
        for index in range(3):
            pixels = np.clip(np.array(colour) + rng.normal(0, 20, (20, 20, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / "imgs" / name / f"{index}.png")
    # one image of the "red" folder is green: clean accuracy 8/9, not 1, so a wrong labelling shows
    Image.fromarray(np.full((20, 20, 3), (30, 200, 30), np.uint8)).save(root / "imgs" / "red" / "odd.png")
    net = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 3))
    with torch.no_grad():
        net[2].weight.copy_(torch.eye(3).flip(0) * 10)  # logit 0 = blue, 1 = green, 2 = red
        net[2].bias.zero_()
    torch.jit.script(net).save(str(root / "numbered.ts"))
    return root / "imgs", root / "numbered.ts"


def test_window_job_and_cli_label_a_folder_alike_for_numbered_classes(folder_and_model, capsys, monkeypatch):
    from advviz.gui.byo import UserModelReady, UserModelSpec, user_model_job

    folder, model_file = folder_and_model
    spec = UserModelSpec.create(kind="torchscript", dataset=None, path=str(model_file), channels=3, size=SIZE,
                                class_source="count", class_count=3)
    ready = [step for step in user_model_job(spec, "cpu", [str(folder)], None, None, ())
             if isinstance(step, UserModelReady)][0]
    window_labels = ready.data.y.tolist()
    assert ready.data.class_names == ("blue", "green", "red") and ready.model.class_names == ("blue", "green", "red")
    assert sorted(window_labels) == [0] * 3 + [1] * 3 + [2] * 4  # every image labelled, by sorted sub-folder
    assert ready.accuracy == (pytest.approx(9 / 10), 10)

    seen = []
    loader = user_model_spec.load_images_for_model
    monkeypatch.setattr(user_model_spec, "load_images_for_model",
                        lambda *args, **kwargs: seen.append(loader(*args, **kwargs)) or seen[-1])
    code = main(["robustness", "--model", str(model_file), "--kind", "torchscript", "--input-size", f"3x{SIZE}x{SIZE}",
                 "--images", str(folder), "--classes", "3", "--eps", "0", "--json", "--device", "cpu"])
    out = capsys.readouterr().out
    assert code in (0, None)
    assert seen[0].y.tolist() == window_labels and seen[0].class_names == ready.data.class_names
    result = json.loads(out)
    assert result["samples"] == 10 and result["error"] == [pytest.approx(1 - ready.accuracy[0])]  # 90 % clean


def test_a_folder_loaded_later_for_a_numbered_model_labels_by_sorted_sub_folders(window, idle, folder_and_model,
                                                                                 tmp_path):
    """A numbered model checked on a flat folder keeps "0", "1", "2"; a class folder loaded for it afterwards
    (File menu, a drop) labels by the same rule: its sub-folders in sorted order, and names the model's classes."""
    from PIL import Image

    from advviz.gui.byo import UserModelSpec

    folder, model_file = folder_and_model
    flat = tmp_path / "flat"
    flat.mkdir()
    for index in range(2):
        Image.fromarray(np.full((20, 20, 3), 40 * index, np.uint8)).save(flat / f"{index}.png")
    spec = UserModelSpec.create(kind="torchscript", dataset=None, path=str(model_file), channels=3, size=SIZE,
                                class_source="count", class_count=3)
    window.byo.add_model(spec, [str(flat)])
    idle(window)
    assert window.error_label.text() == "" and window.sweep_model().class_names == ("0", "1", "2")
    window.byo.load_images([str(folder)])
    idle(window)
    assert window.data.class_names == ("blue", "green", "red") and bool((window.data.y >= 0).all())
    assert sorted(window.data.y.tolist()) == [0] * 3 + [1] * 3 + [2] * 4  # it said "name no class (0, 1, 2)"
    assert window.sweep_model().class_names == ("blue", "green", "red") and spec.key in window.controls.checked_keys()
