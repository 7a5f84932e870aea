"""A user's own model shows its clean accuracy in the models list, as the zoo's models do: measured on the labelled
images it was checked on when it loaded, with their count in the tooltip; none on unlabelled images, and none once
other images are shown."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image
from torch import nn
from models_list_helpers import model_row
from PySide6.QtCore import Qt

from advviz.gui.byo import UserModelSpec


def _scripted_zoo_model(zoo, tmp_path, name):
    """A zoo model saved as the user's own TorchScript file (its normalization is inside it)."""
    path = tmp_path / f"{name}.ts"
    torch.jit.trace(zoo(name).cpu().eval(), torch.rand(1, 1, 28, 28)).save(str(path))
    return str(path)


def test_a_user_model_lists_its_clean_accuracy_on_the_windows_images(window, idle, tmp_path, zoo):
    """The zoo's rows said "· 94.5% clean"; the same network loaded as the user's own file said nothing."""
    zoo_text = model_row(window, "mnist-mlp").text()
    assert zoo_text.startswith("mnist-mlp  · ") and zoo_text.endswith("% clean")
    spec = UserModelSpec.create(path=_scripted_zoo_model(zoo, tmp_path, "mnist-mlp"), kind="torchscript",
                                dataset="mnist", channels=1, size=28, class_count=10, mean=(0.0,), std=(1.0,))
    window.byo.add_model(spec)
    idle(window)
    assert window.error_label.text() == ""
    item = model_row(window, spec.key)
    count = len(window.data.x)
    assert count == 2000
    # measured on the window's 2,000 test images, as the zoo's accuracy is on the same split: the same number
    # after the name, as the zoo's rows have it (after the details it lay past the list's edge)
    assert item.text() == f"mnist-mlp  · {zoo_text.split('· ')[1]} (torchscript, 1×28×28)"
    assert spec.label == "mnist-mlp (torchscript, 1×28×28)"
    assert item.toolTip().endswith("\nclean accuracy on the window's 2,000 images")
    assert item.checkState() == Qt.CheckState.Checked

    # other images: the number was not measured on them
    window.choose_dataset("fashion")
    idle(window)
    assert window.dataset == "fashion"
    item = model_row(window, spec.key)
    assert item.text() == spec.label and "clean accuracy" not in item.toolTip()


def test_a_user_model_on_unlabelled_images_lists_no_accuracy(window, idle, tmp_path, zoo):
    folder = tmp_path / "flat"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for index in range(3):  # no class sub-folders: unlabelled
        Image.fromarray(rng.integers(0, 255, (28, 28), dtype=np.uint8)).save(folder / f"{index}.png")
    spec = UserModelSpec.create(path=_scripted_zoo_model(zoo, tmp_path, "mnist-softmax"), kind="torchscript",
                                dataset="mnist", channels=1, size=28, class_count=10, mean=(0.0,), std=(1.0,))
    window.byo.add_model(spec, [str(folder)])
    idle(window)
    assert bool((window.data.y < 0).all()) and len(window.data.x) == 3
    item = model_row(window, spec.key)
    assert item.text() == spec.label and "clean accuracy" not in item.toolTip()


def test_a_user_model_loaded_with_its_images_lists_its_accuracy_on_the_labelled_ones(window, idle, tmp_path):
    """Images named in the dialog become the window's: the accuracy counts those of a class sub-folder only."""
    root = tmp_path / "images"
    rng = np.random.default_rng(0)
    for name, colour in (("red", (200, 30, 30)), ("green", (30, 200, 30)), ("blue", (30, 30, 200))):
        (root / name).mkdir(parents=True)
        for index in range(2):
            pixels = np.clip(np.array(colour) + rng.normal(0, 20, (24, 24, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{index}.png")
    Image.fromarray(np.full((24, 24, 3), 128, dtype=np.uint8)).save(root / "loose.png")  # beside them: unlabelled
    (tmp_path / "classes.txt").write_text("red\ngreen\nblue\n")
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                        nn.Linear(4, 3))
    path = tmp_path / "tiny.ts"
    torch.jit.script(net).save(str(path))
    spec = UserModelSpec.create(kind="torchscript", dataset="mnist", path=str(path), channels=3, size=24,
                                class_source="file", class_file=str(tmp_path / "classes.txt"), mean=(0.5,),
                                std=(0.25,))
    window.byo.add_model(spec, [str(root)])
    idle(window)
    data = window.data
    assert len(data.x) == 7 and int((data.y >= 0).sum()) == 6
    known = data.y >= 0
    with torch.no_grad():
        expected = float((window.loaded[spec.key](data.x[known]).argmax(dim=1) == data.y[known]).float().mean())
    item = model_row(window, spec.key)
    assert item.text() == f"tiny  · {expected:.1%} clean (torchscript, 3×24×24)"
    assert item.toolTip().endswith("\nclean accuracy on the 6 labelled of the window's 7 images")
