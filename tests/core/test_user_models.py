"""User models: a torchvision architecture with a saved state_dict and a TorchScript file run a sweep
end to end on a small RGB image set made here; models that disagree with the data are refused."""

from __future__ import annotations

import socket

import numpy as np
import pytest
import torch
from torch import nn

from advviz.core.data import load_image_folder
from advviz.core.errors import ModelLoadError
from advviz.core.sweep import eps_grid, fgsm_sweep
from advviz.core.user_models import check_model_fits, read_class_names, torchscript_model, torchvision_model


@pytest.fixture(scope="module")
def rgb_images(tmp_path_factory):
    from PIL import Image

    root = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for name, colour in (("red", (200, 30, 30)), ("green", (30, 200, 30)), ("blue", (30, 30, 200))):
        (root / name).mkdir()
        for index in range(3):
            pixels = np.clip(np.array(colour) + rng.normal(0, 20, (48, 40, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{index}.png")
    return root


def test_torchvision_state_dict_runs_a_sweep(tmp_path, rgb_images):
    import torchvision

    torch.manual_seed(0)
    net = torchvision.models.get_model("resnet18", weights=None, num_classes=3)
    torch.save(net.state_dict(), tmp_path / "resnet18.pt")
    model = torchvision_model("resnet18", weights_file=tmp_path / "resnet18.pt", class_names=("red", "green", "blue"),
                              input_size=32)
    x, y, names = load_image_folder(rgb_images, channels=3, size=(32, 32), class_names=model.class_names)
    assert x.shape == (9, 3, 32, 32) and names == ("red", "green", "blue")
    check_model_fits(model, x)
    logits = fgsm_sweep(model, x, y, eps_grid(0.1, 5))
    assert logits.shape == (5, 9, 3) and torch.isfinite(logits).all()
    # normalization is inside the wrapper: the bare net sees (x − mean) / std
    net.eval()
    expected = net((x - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))
    torch.testing.assert_close(model(x), expected, atol=1e-4, rtol=1e-4)


def test_greyscale_torchvision_weights_are_refused_with_what_to_do(tmp_path):
    """A resnet18 trained on MNIST (a 1-channel first convolution) only got "net.conv1.weight has shape
    (64, 1, 7, 7), the architecture expects (64, 3, 7, 7)"; the message now says to load it as TorchScript."""
    import torchvision

    net = torchvision.models.get_model("resnet18", weights=None, num_classes=10)
    net.conv1 = nn.Conv2d(1, 64, 7, stride=2, padding=3, bias=False)
    torch.save(net.state_dict(), tmp_path / "mnist-resnet18.pt")
    with pytest.raises(ModelLoadError, match=r"trained on 1-channel images .*conv1.* load that file as TorchScript"):
        torchvision_model("resnet18", weights_file=tmp_path / "mnist-resnet18.pt", class_names=[str(i) for i in range(10)],
                          input_size=28)


def test_torchscript_model_runs_a_sweep(tmp_path, rgb_images):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3))
    torch.jit.script(net).save(str(tmp_path / "tiny.ts"))
    model = torchscript_model(tmp_path / "tiny.ts", input_shape=(3, 24, 24), class_names=("r", "g", "b"),
                              mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))
    x, y, _ = load_image_folder(rgb_images, channels=3, size=(24, 24))
    check_model_fits(model, x)
    assert fgsm_sweep(model, x, y, eps_grid(0.2, 7)).shape == (7, 9, 3)


def test_models_that_disagree_with_the_data_are_refused(tmp_path, rgb_images):
    torch.manual_seed(0)
    grey_net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.LazyLinear(3))
    grey_net(torch.rand(1, 1, 24, 24))
    torch.jit.script(grey_net).save(str(tmp_path / "grey.ts"))
    x, _, _ = load_image_folder(rgb_images, channels=3, size=(24, 24))
    grey = torchscript_model(tmp_path / "grey.ts", input_shape=(1, 24, 24), class_names=("a", "b", "c"))
    with pytest.raises(ModelLoadError, match=r"expects images of shape \(1, 24, 24\).*\(3, 24, 24\)"):
        check_model_fits(grey, x)
    wrong_size = torchscript_model(tmp_path / "grey.ts", input_shape=(3, 24, 24), class_names=("a", "b", "c"))
    with pytest.raises(ModelLoadError, match="fails on inputs") as refused:
        check_model_fits(wrong_size, x)
    # the line that says why (TorchScript puts it last, after its stack), not "The following operation failed"
    assert "but got 3 channels" in str(refused.value) and "following operation" not in str(refused.value)
    four = nn.Sequential(nn.Flatten(), nn.Linear(3 * 24 * 24, 4))
    torch.jit.script(four).save(str(tmp_path / "four.ts"))
    wrong_classes = torchscript_model(tmp_path / "four.ts", input_shape=(3, 24, 24), class_names=("a", "b", "c"))
    with pytest.raises(ModelLoadError, match=r"expected \(N, 3\) logits"):
        check_model_fits(wrong_classes, x)


class _IntegerOutputs(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x.flatten(1)[:, :3] * 10).long()


class _ConstantOutputs(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros(x.shape[0], 3)


class _TupleOutputs(nn.Module):
    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = x.flatten(1)[:, :3]
        return logits, logits


@pytest.mark.parametrize("net, refusal", [(_IntegerOutputs(), "returns int64 outputs, not floating-point logits"),
                                          (_ConstantOutputs(), "no gradient with respect to its input"),
                                          (_TupleOutputs(), "returns a tuple, not a tensor of logits")])
def test_models_that_cannot_be_attacked_are_refused_at_load(tmp_path, rgb_images, net, refusal):
    """Integer outputs or outputs without a gradient passed the load check, then failed in every sweep
    and transfer with torch's words ("element 0 of tensors does not require grad")."""
    torch.jit.script(net).save(str(tmp_path / "odd.ts"))
    model = torchscript_model(tmp_path / "odd.ts", input_shape=(3, 24, 24), class_names=("a", "b", "c"))
    x, _, _ = load_image_folder(rgb_images, channels=3, size=(24, 24))
    with pytest.raises(ModelLoadError, match=refusal):
        check_model_fits(model, x)


def test_bad_files_and_names(tmp_path):
    with pytest.raises(ModelLoadError, match="not found"):
        torchscript_model(tmp_path / "none.ts", input_shape=(3, 8, 8), class_names=("a",))
    (tmp_path / "junk.ts").write_bytes(b"junk")
    with pytest.raises(ModelLoadError, match="not a TorchScript file"):
        torchscript_model(tmp_path / "junk.ts", input_shape=(3, 8, 8), class_names=("a",))
    # the usual wrong files, named for what they are ("your checkpoint is likely corrupted" misled)
    (tmp_path / "net.py").write_text("class Net(nn.Module:\n")
    torch.save(nn.Linear(4, 2).state_dict(), tmp_path / "weights.pt")
    for name, what in (("net.py", "Python source"), ("weights.pt", "pickled tensors")):
        with pytest.raises(ModelLoadError, match=what) as refused:
            torchscript_model(tmp_path / name, input_shape=(3, 8, 8), class_names=("a",))
        assert "torch.jit.script(model).save" in str(refused.value) and "corrupted" not in str(refused.value)
    with pytest.raises(ModelLoadError, match="no classification model"):
        torchvision_model("resnet9000")
    (tmp_path / "classes.txt").write_text("cat\n\ndog\n")
    assert read_class_names(tmp_path / "classes.txt") == ("cat", "dog")


def test_pretrained_weights_offline_give_a_clear_message(monkeypatch, tmp_path):
    """The real torchvision download path; this machine (and CI) is offline, so it must fail cleanly."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # an empty cache: nothing to fall back on
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(10)
    try:
        model = torchvision_model("mobilenet_v3_small", pretrained=True)
    except ModelLoadError as error:
        assert "cannot fetch torchvision's pretrained" in str(error)
    else:  # online: the real weights and ImageNet's metadata arrived
        assert len(model.class_names) == 1000 and model.input_shape == (3, 224, 224)
    finally:
        socket.setdefaulttimeout(previous)


def test_a_bare_networks_weights_file_is_named_as_such(tmp_path):
    """`model.net.state_dict()` failed with "missing ['mean', 'net.0.bias', …]", which did not say what to save."""
    import torch

    from advviz.core.errors import ModelLoadError
    from advviz.core.zoo import load_model

    path = tmp_path / "bare.pt"
    torch.save(load_model("mnist-softmax").net.state_dict(), path)
    with pytest.raises(ModelLoadError, match=r"bare network's weights \(model.net.state_dict\(\)\)"):
        load_model(path, architecture="softmax", dataset="mnist")
