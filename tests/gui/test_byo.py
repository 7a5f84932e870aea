"""Bring your own: a TorchScript model and a torchvision state_dict load in the window and sweep a small RGB
image set made here; dropped images load; models that disagree with the data are refused, nothing lost."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from torch import nn

from advviz.core.sweep import eps_grid, fgsm_sweep
from advviz.gui.byo import UserModelSpec

CLASSES = ("red", "green", "blue")


@pytest.fixture
def rgb_images(tmp_path):
    root = tmp_path / "images"
    rng = np.random.default_rng(0)
    for name, colour in zip(CLASSES, ((200, 30, 30), (30, 200, 30), (30, 30, 200))):
        (root / name).mkdir(parents=True)
        for index in range(2):
            pixels = np.clip(np.array(colour) + rng.normal(0, 20, (40, 36, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{index}.png")
    (tmp_path / "classes.txt").write_text("\n".join(CLASSES) + "\n")
    return root


def script(tmp_path, name, net, example):
    torch.manual_seed(0)
    net(example)  # materialise lazy layers
    path = tmp_path / f"{name}.ts"
    torch.jit.script(net).save(str(path))
    return str(path)


def tiny_rgb_net():
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(4, 3))


def load_tiny_rgb_model(window, idle, tmp_path, rgb_images) -> UserModelSpec:
    """A scripted 3-class RGB CNN for 3×24×24 inputs, loaded with the image folder; returns its spec."""
    path = script(tmp_path, "tiny", tiny_rgb_net(), torch.rand(1, 3, 24, 24))
    spec = UserModelSpec.create(kind="torchscript", dataset="mnist", path=path, channels=3, size=24,
                                class_source="file", class_file=str(tmp_path / "classes.txt"), mean=(0.5,),
                                std=(0.25,))
    window.byo.add_model(spec, [str(rgb_images)])
    idle(window)
    return spec


def test_torchscript_model_with_its_images_sweeps(window, idle, tmp_path, rgb_images):
    spec = load_tiny_rgb_model(window, idle, tmp_path, rgb_images)
    assert window.error_label.text() == ""
    model = window.sweep_model()
    assert model.name == spec.label and window.controls.checked_keys() == [spec.key]
    assert tuple(window.data.x.shape) == (6, 3, 24, 24) and window.data.class_names == CLASSES
    assert sorted(window.data.y.tolist()) == [0, 0, 1, 1, 2, 2]
    # the transfer matrix's caption says whose images they are, as the samples do ("on 6 test images")
    from advviz.core.transfer import TransferCell
    from advviz.gui.jobs import TransferHeader
    from advviz.gui.state import TransferState

    matrix = TransferState(TransferHeader(["a", "b"], 0.1, 6, "FGSM"))
    matrix.apply(TransferCell(source=0, target=0, error=0.5, confidence=0.7, agreement=1.0, done=1, total=4))
    window.transfer_panel.show_state(matrix)
    assert "on 6 of your images" in window.transfer_panel.caption.text()
    # the data combo and the grid say these are the user's images (the combo kept saying "MNIST")
    assert window.controls.dataset.currentData() == "folder" and "of your images" in window.samples.caption.text()
    state = window.sweep
    assert state.complete and state.header.class_names == CLASSES
    expected = fgsm_sweep(model, window.data.x[:1], window.data.y[:1], eps_grid(0.5, 101))[:, 0].numpy()
    np.testing.assert_allclose(state.logits, expected, rtol=1e-4, atol=1e-5)
    shown = window.heatmaps.shown
    assert shown["original"].shape == (24, 24, 3) and shown["perturbation"].shape == (24, 24)  # magnitude
    window.heatmaps.per_channel.setChecked(True)
    assert window.heatmaps.shown["perturbation"].shape == (24, 3 * 24 + 2)  # R | G | B
    eta = state.adversarial_at(window.cursor_index()) - state.x
    np.testing.assert_allclose(window.heatmaps.shown["perturbation"][:, 25:49], eta[1], atol=1e-6)
    window.samples.set_current(4)
    idle(window)
    assert window.sweep.complete and (window.sweep.x == window.data.x[4].numpy()).all()

    # back to MNIST: the RGB model is unchecked with a word (it stayed checked: failing jobs, the old sweep
    # on screen), and stays listed through a round trip to Fashion-MNIST (it was dropped)
    window.choose_dataset("mnist")
    idle(window)
    assert spec.key not in window.controls.checked_keys() and "Unchecked" in window.error_label.text()
    assert window.controls.dataset.currentData() == "mnist" and "test images" in window.samples.caption.text()
    assert window.sweep_model().name == "mnist-cnn" and window.sweep.complete
    assert window.sweep.x.shape == (1, 28, 28)
    for dataset in ("fashion", "mnist"):
        window.choose_dataset(dataset)
        idle(window)
    listed = [window.controls.models.item(row).data(Qt.ItemDataRole.UserRole)
              for row in range(window.controls.models.count())]
    assert spec.key in listed


def test_a_model_checked_later_that_does_not_take_the_images_is_unchecked_at_once(window, idle, tmp_path,
                                                                                  rgb_images):
    """With 3×24×24 images loaded, checking mnist-cnn was accepted; the transfer matrix then failed with
    "mnist-cnn expects inputs (1, 28, 28)" and "stopped after 0/4 cells"."""
    spec = load_tiny_rgb_model(window, idle, tmp_path, rgb_images)
    window.controls.set_checked([spec.key, "mnist-cnn"])
    idle(window)
    assert window.controls.checked_keys() == [spec.key]
    assert "Unchecked mnist-cnn: it does not take" in window.error_label.text()
    assert window.transfer is None and window.sweep_model().name == spec.label


def test_torchvision_state_dict_loads_and_sweeps(window, idle, tmp_path, rgb_images):
    import torchvision

    torch.manual_seed(0)
    net = torchvision.models.get_model("resnet18", weights=None, num_classes=3)
    torch.save(net.state_dict(), tmp_path / "resnet18.pt")
    spec = UserModelSpec.create(kind="torchvision", dataset="mnist", path=str(tmp_path / "resnet18.pt"),
                                architecture="resnet18", channels=3, size=32, class_source="file",
                                class_file=str(tmp_path / "classes.txt"), mean=(0.485, 0.456, 0.406),
                                std=(0.229, 0.224, 0.225))
    window.controls.steps.setValue(21)
    idle(window)
    window.byo.add_model(spec, [str(rgb_images)])
    idle(window)
    assert window.error_label.text() == ""
    assert window.sweep_model().name == spec.label and tuple(window.data.x.shape) == (6, 3, 32, 32)
    state = window.sweep
    assert state.complete and state.total == 21 and np.isfinite(state.logits).all()
    net.eval()
    x = window.data.x[:1]
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    with torch.no_grad():
        np.testing.assert_allclose(state.header.clean_logits, net((x - mean) / std)[0].numpy(), rtol=1e-4, atol=1e-4)


def test_dropped_images_load_at_the_models_input(window, idle, tmp_path, rgb_images):
    files = sorted(rgb_images.glob("*/*.png"))[:4]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in files])
    enter = QDragEnterEvent(QPoint(300, 300), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(300, 300), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)
    assert event.isAccepted() and window.runner.is_running("data")
    idle(window)
    assert tuple(window.data.x.shape) == (4, 1, 28, 28)  # RGB files, converted for the grey MNIST model
    assert (window.data.y == -1).all() and window.sweep.complete and window.sweep_model().name == "mnist-cnn"
    assert window.samples.grid.count() == 4


def refusals(tmp_path):
    grey24 = script(tmp_path, "grey24", nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.LazyLinear(10)),
                    torch.rand(1, 1, 24, 24))
    rgb = script(tmp_path, "rgb", tiny_rgb_net(), torch.rand(1, 3, 28, 28))
    four = script(tmp_path, "four", nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 4)), torch.rand(1, 1, 28, 28))
    three = script(tmp_path, "three", nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 3)), torch.rand(1, 1, 28, 28))
    grey = dict(kind="torchscript", dataset="mnist", channels=1, size=28, mean=(0.0,), std=(1.0,))
    return [
        (UserModelSpec.create(path=grey24, **{**grey, "size": 24}, class_count=10),
         r"expects images of shape (1, 24, 24) (C, H, W), the data has (1, 28, 28)"),
        (UserModelSpec.create(path=rgb, **{**grey, "channels": 3}, class_count=10),
         r"expects images of shape (3, 28, 28) (C, H, W), the data has (1, 28, 28)"),
        (UserModelSpec.create(path=four, **grey, class_count=10), "expected (N, 10) logits"),
        (UserModelSpec.create(path=three, **grey, class_count=3), "has 3 classes, the data's labels have 10"),
        (UserModelSpec.create(path=str(tmp_path / "none.ts"), **grey, class_count=10), "model file not found"),
        (UserModelSpec.create(kind="torchvision", dataset="mnist", architecture="resnet18", channels=1, size=28),
         "torchvision models take 3-channel (RGB) input"),
        (UserModelSpec.create(kind="torchvision", dataset="mnist", architecture="resnet9000",
                              path=str(tmp_path / "four.ts"), size=28), "no classification model 'resnet9000'"),
    ]


def test_models_that_disagree_with_the_data_are_refused(window, idle, tmp_path):
    window.samples.set_current(3)
    idle(window)
    data, sweep = window.data, window.sweep
    rows = window.controls.models.count()
    for spec, message in refusals(tmp_path):
        window.byo.add_model(spec)
        idle(window)
        assert message in window.error_label.text(), (message, window.error_label.text())
        assert window.data is data and window.samples.current() == 3
        assert window.sweep is sweep and window.sweep_model().name == "mnist-cnn"
        assert window.controls.models.count() == rows and spec.key not in window.loaded
    # a model that fits is then accepted alongside
    window.error_label.clear()
    good = UserModelSpec.create(path=refusals(tmp_path)[2][0].path, kind="torchscript", dataset="mnist", channels=1,
                                size=28, class_count=4, mean=(0.0,), std=(1.0,))
    window.byo.add_model(good)
    idle(window)
    assert "has 4 classes" in window.error_label.text()  # MNIST's labels are 10 classes
    ten = script(tmp_path, "ten", nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10)), torch.rand(1, 1, 28, 28))
    window.byo.add_model(UserModelSpec.create(path=ten, kind="torchscript", dataset="mnist", channels=1, size=28,
                                              class_count=10, mean=(0.0,), std=(1.0,)))
    idle(window)
    assert window.sweep_model().name.startswith("ten (torchscript") and window.sweep.complete
    assert window.controls.checked_keys()[1] == "mnist-cnn" and window.samples.current() == 3


def test_the_model_dialog_builds_a_spec(qtbot, tmp_path):
    from advviz.gui.byo_dialog import UserModelDialog

    dialog = UserModelDialog("mnist")
    qtbot.addWidget(dialog)
    dialog.torchscript.setChecked(True)
    dialog.path.setText(str(tmp_path / "mine.ts"))
    dialog.channels.setValue(1)
    dialog.size.setValue(28)
    dialog.mean.setText("0.5")
    dialog.std.setText("0.25")
    spec, images = dialog.request()
    assert spec.kind == "torchscript" and spec.channels == 1 and spec.size == 28 and images == []
    assert spec.mean == (0.5,) and spec.std == (0.25,)
    dialog.std.setText("0, 1")
    with pytest.raises(ValueError, match="std"):
        dialog.request()


class NaNGradient(nn.Module):
    """Finite logits, a NaN input gradient: sqrt at 0 (its derivative is infinite, times 0)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = x.flatten(1)[:, :10]
        return torch.sqrt(z * 0.0) + z


def test_a_model_without_a_gradient_says_so_and_leaves_no_other_models_pictures(window, idle, tmp_path):
    """A NaN gradient raised a colour-bar error on every redraw, and the heatmaps kept mnist-cnn's images
    under the new model's header."""
    path = script(tmp_path, "nan_gradient", NaNGradient(), torch.rand(1, 1, 28, 28))
    window.byo.add_model(UserModelSpec.create(path=path, kind="torchscript", dataset="mnist", channels=1, size=28,
                                              class_count=10, mean=(0.0,), std=(1.0,)))
    idle(window)
    window.redraw_now()
    assert "gradient" in window.error_label.text() and "NaN or infinite" in window.error_label.text()
    assert "stopped before its first result" in window.curves.summary.text()
    assert not window.heatmaps.shown  # cleared, not the previous model's images


def test_a_folder_with_an_unreadable_file_loads_the_rest_and_says_so(rgb_images):
    from advviz.gui.byo import ImagesLoaded, images_job

    (rgb_images / "red" / "broken.png").write_bytes(b"not an image")
    loaded = [step for step in images_job([str(rgb_images)], "mnist", (3, 24, 24), CLASSES)
              if isinstance(step, ImagesLoaded)][0]
    assert len(loaded.x) == 6 and "1 unreadable file skipped (broken.png)" in loaded.title
