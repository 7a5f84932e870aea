"""The CLI loads the user's own TorchScript files and torchvision state_dicts (``--kind``), as the window's dialog
does, with images from a folder of class sub-folders (``--images``) or, at 1×28×28, a shipped data set: its
numbers are the core's on the same model, and every bad input is one line and exit 2."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from cli_helpers import run
from torch import nn

from advviz.core.attacks import make_attack
from advviz.core.data import load_image_folder
from advviz.core.sweep import eps_grid, fgsm_sweep, summarize
from advviz.core.transfer import transfer_matrix
from advviz.core.user_model_spec import TORCHSCRIPT_TRUST_WARNING
from advviz.core.user_models import torchscript_model, torchvision_model

CLASSES = ("red", "green", "blue")
SIZE = 16


class NaNLogits(nn.Module):
    """Scripts to a model whose every output is NaN."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3)) * float("nan")


def colour_net(classes: int = 3) -> nn.Module:
    """Logit c = 10 × the mean of channel c (channels beyond 3 read none): it names the colour of an image, and
    FGSM flips it by pulling the true channel down and the others up."""
    net = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, classes))
    with torch.no_grad():
        net[2].weight.copy_(torch.eye(classes, 3) * 10)
        net[2].bias.zero_()
    return net


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Images of three colours in class sub-folders, a flat folder, a class-names file, and model files."""
    from PIL import Image

    root = tmp_path_factory.mktemp("own_models")
    rng = np.random.default_rng(0)
    for name, colour in zip(CLASSES, ((200, 30, 30), (30, 200, 30), (30, 30, 200))):
        (root / "images" / name).mkdir(parents=True)
        for index in range(3):
            pixels = np.clip(np.array(colour) + rng.normal(0, 20, (20, 24, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / "images" / name / f"{index}.png")
    (root / "flat").mkdir()
    Image.fromarray(np.full((20, 20, 3), 128, np.uint8)).save(root / "flat" / "a.png")
    (root / "names.txt").write_text("\n".join(CLASSES) + "\n")
    torch.jit.script(colour_net()).save(str(root / "colour.pt"))
    torch.jit.script(colour_net(5)).save(str(root / "five.pt"))
    torch.jit.script(NaNLogits()).save(str(root / "nan.pt"))
    (root / "corrupt.pt").write_bytes(b"not a model at all")
    import torchvision

    torch.manual_seed(0)
    torch.save(torchvision.models.resnet18(num_classes=3).state_dict(), root / "resnet18.pth")
    from advviz.core.zoo import load_model

    # the zoo's softmax regression as a user's TorchScript file: the same numbers under another name
    torch.jit.trace(load_model("mnist-softmax"), torch.rand(1, 1, 28, 28)).save(str(root / "softmax_ts.pt"))
    return root


def own(files, *extra: str) -> list[str]:
    """The options of the TorchScript colour model on the colour images, named by names.txt."""
    return ["--kind", "torchscript", "--input-size", f"3x{SIZE}x{SIZE}", "--images", str(files / "images"),
            "--classes", str(files / "names.txt"), *extra]


def core_images(files):
    return load_image_folder(files / "images", channels=3, size=(SIZE, SIZE), class_names=CLASSES)[:2]


def test_sweep_of_a_torchscript_file_is_the_cores_and_warns_of_its_code(capsys, files):
    code, out, err = run(capsys, "sweep", "--model", str(files / "colour.pt"), *own(files), "--index", "1",
                         "--eps-max", "0.5", "--steps", "11", "--json")
    assert code == 0, err
    assert TORCHSCRIPT_TRUST_WARNING in err  # the dialog's words, before its code runs
    result = json.loads(out)
    model = torchscript_model(files / "colour.pt", input_shape=(3, SIZE, SIZE), class_names=CLASSES)
    x, y = core_images(files)
    eps = eps_grid(0.5, 11)
    logits = fgsm_sweep(model, x[1:2], y[1:2], eps, clip=True)[:, 0].numpy()
    summary = summarize(eps, logits, model(x[1:2]).detach().numpy()[0])
    assert result["label_name"] == "blue" and result["classes"] == list(CLASSES)  # sub-folder "blue" by its name
    assert result["clean_prediction"] == summary.clean_prediction == 2
    assert result["flip_eps"] == pytest.approx(summary.flip_eps) and summary.flip_eps is not None
    np.testing.assert_allclose(result["logits"], logits, atol=1e-5)
    assert result["dataset"] == "images"


def test_without_classes_the_sorted_sub_folders_are_the_classes(capsys, files):
    """As torchvision's ImageFolder: blue, green, red are classes 0, 1, 2, the model's numbered classes named so."""
    code, out, err = run(capsys, "sweep", "--model", str(files / "colour.pt"), "--kind", "torchscript",
                         "--input-size", f"3x{SIZE}x{SIZE}", "--images", str(files / "images"), "--steps", "3")
    assert code == 0, err
    header = out.splitlines()[0]
    # the first image is blue's (label 0 = "blue"); the colour model's logit 0 reads the red channel
    assert header.startswith(f"{files / 'colour.pt'} on images #0: true blue, clean prediction red;")
    assert "logit blue  logit green  logit red" in out


def test_transfer_between_a_torchvision_state_dict_and_a_torchscript_file_is_the_cores(capsys, files):
    code, out, err = run(capsys, "transfer", "--models", f"{files / 'colour.pt'},{files / 'resnet18.pth'}",
                         "--kind", "torchscript,torchvision", "--architecture", "resnet18",
                         "--input-size", f"3x{SIZE}x{SIZE}", "--images", str(files / "images"),
                         "--classes", str(files / "names.txt"), "--eps", "0.2", "--json")
    assert code == 0, err
    result = json.loads(out)
    scripted = torchscript_model(files / "colour.pt", input_shape=(3, SIZE, SIZE), class_names=CLASSES)
    vision = torchvision_model("resnet18", weights_file=files / "resnet18.pth", class_names=CLASSES,
                               input_size=SIZE)  # ImageNet's normalization, the CLI's default for torchvision
    x, y = core_images(files)
    expected = transfer_matrix([scripted, vision], x, y, 0.2, attack=make_attack("fgsm", clip=True))
    assert result["samples"] == 9  # the folder whole, without a note about --samples' default of 2000
    assert "--samples" not in err
    np.testing.assert_allclose(result["error"], expected.error, atol=1e-6)


def test_default_eps_on_own_images_is_8_over_255(capsys, files):
    code, out, err = run(capsys, "robustness", "--model", str(files / "colour.pt"), *own(files), "--eps", "0")
    assert code == 0 and "9 images in images" in out.splitlines()[0]
    code, out, err = run(capsys, "diagnose", "--model", str(files / "colour.pt"), *own(files), "--json")
    assert code == 0, err
    assert json.loads(out)["requested_eps"] == pytest.approx(0.0314)


def test_a_1x28x28_torchscript_file_runs_on_the_shipped_data_beside_a_zoo_model(capsys, files):
    scripted = str(files / "softmax_ts.pt")
    code, out, err = run(capsys, "transfer", "--models", f"mnist-cnn,{scripted}", "--kind", "torchscript",
                         "--input-size", "1x28x28", "--samples", "100", "--json")
    assert code == 0, err
    code, zoo_out, _ = run(capsys, "transfer", "--models", "mnist-cnn,mnist-softmax", "--samples", "100", "--json")
    np.testing.assert_allclose(json.loads(out)["error"], json.loads(zoo_out)["error"], atol=1e-6)
    # alone it takes its data set from --dataset; its numbered classes take the data set's names
    code, out, err = run(capsys, "robustness", "--model", scripted, "--kind", "torchscript", "--input-size", "1x28x28",
                         "--dataset", "fashion", "--samples", "20", "--eps", "0")
    assert code == 0, err
    assert "20 fashion test samples" in out.splitlines()[0]


def refusal(capsys, *argv: str) -> str:
    """The one line of a refused command (beside the TorchScript trust warning), exit 2, no traceback."""
    code, _, err = run(capsys, *argv)
    lines = [line for line in err.splitlines() if TORCHSCRIPT_TRUST_WARNING not in line]
    assert code == 2 and "Traceback" not in err and len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("model, extra, message", [
    ("missing.pt", (), r"model file not found: .*missing\.pt"),
    ("corrupt.pt", (), r"corrupt\.pt is not a TorchScript file: it is not a PyTorch archive"),
    ("nan.pt", (), r"returns NaN or infinite outputs"),
    ("five.pt", ("--classes", "3"), r"returns outputs of shape \(1, 5\); expected \(N, 3\) logits.*--classes 3"),
    # five logits over three sub-folders: the data's labels cannot be the model's classes
    ("five.pt", ("--classes", "5"), r"has 5 classes, the data's labels have 3 \(blue, green, red\); give --classes"),
])
def test_bad_model_files_are_refused_in_one_line(capsys, files, model, extra, message):
    line = refusal(capsys, "sweep", "--model", str(files / model), "--kind", "torchscript", "--input-size",
                   f"3x{SIZE}x{SIZE}", "--images", str(files / "images"), *extra)
    assert line.startswith("advviz sweep: error: ")
    assert __import__("re").search(message, line), line


def test_refusals_of_shapes_data_and_options(capsys, files):
    colour, images = str(files / "colour.pt"), str(files / "images")
    cases = [
        (["sweep", "--model", colour, "--kind", "torchscript", "--input-size", "1x28x28", "--images", images],
         r"fails on inputs of shape \(1, 28, 28\).*\(is --input-size its input\?\)"),
        (["sweep", "--model", colour, "--kind", "torchscript", "--input-size", "3x16x16"],
         r"takes 3×16×16 images: give --images FOLDER"),
        (["sweep", "--model", colour, "--kind", "torchscript", "--input-size", "1x28x28"],
         r"give --images FOLDER .*or --dataset mnist or fashion for its 1×28×28 input"),
        (["transfer", "--models", f"{colour},mnist-cnn", *own(files)],
         r"takes 3×16×16 images \(--input-size\), mnist-cnn takes mnist's 1×28×28: models run together must take "
         "the same images"),
        (["sweep", "--model", colour, "--input-size", "3x16x16"],
         r"--input-size is for your own model files: give --kind torchscript or torchvision"),
        (["sweep", "--model", colour, "--kind", "torchscript"], r"your own models need --input-size"),
        (["sweep", "--model", str(files / "resnet18.pth"), "--kind", "torchvision", "--input-size", "3x16x16",
          "--images", images], r"is a torchvision state_dict: give its network with --architecture"),
        (["sweep", "--model", colour, "--kind", "torchvision", "--architecture", "resnet18", "--input-size",
          "3x16x16", "--images", images], r"colour\.pt is a TorchScript file .*load it as TorchScript"),
        (["sweep", "--model", colour, "--kind", "torchscript", "--input-size", "3x16x16", "--images",
          str(files / "flat")], r"no image in .*flat is labelled: put each class's images in a sub-folder"),
        (["sweep", "--model", colour, *own(files), "--dataset", "mnist"], r"--images replaces the data set"),
        (["sweep", "--model", colour, *own(files), "--mean", "0.5,0.5"], r"--mean has 2 values; give 1 or one per "
                                                                           r"channel \(3 for --input-size 3×16×16\)"),
        (["sweep", "--model", "mnist-cnn", "--kind", "torchscript", "--input-size", "1x28x28"],
         r"--kind describes your own model files, and mnist-cnn is a zoo model"),
        (["sweep", "--model", colour, "--kind", "onnx", "--input-size", "3x16x16"], r"unknown model kind 'onnx'"),
        (["sweep", "--model", colour, "--kind", "torchscript", "--input-size", "3x16x24"], r"a square input"),
        (["sweep", "--model", colour, *own(files), "--std", "0"], r"--std: every value must be > 0"),
        (["sweep", "--model", colour, *own(files), "--index", "9"],
         r"--index must be in 0…8 \(the labelled images in .*images\)"),
    ]
    import re

    for argv, message in cases:
        line = refusal(capsys, *argv)
        assert re.search(message, line), (argv, line)


@pytest.mark.parametrize("command", ["sweep", "transfer", "robustness", "rubbish", "linear", "linearity",
                                     "decision-map", "diagnose"])
def test_every_command_that_analyses_models_takes_your_own(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    for option in ("--kind", "--input-size", "--classes", "--mean", "--std", "--images"):
        assert option in out
    assert "runs its own code" in " ".join(out.split())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_own_model_on_cuda_gives_the_cpus_numbers(capsys, files):
    results = []
    for device in ("cpu", "cuda"):
        code, out, err = run(capsys, "sweep", "--model", str(files / "resnet18.pth"), "--kind", "torchvision",
                             "--architecture", "resnet18", "--input-size", f"3x{SIZE}x{SIZE}", "--images",
                             str(files / "images"), "--steps", "5", "--device", device, "--json")
        assert code == 0, err
        results.append(json.loads(out))
    assert results[0]["predictions"] == results[1]["predictions"]
    np.testing.assert_allclose(results[0]["logits"], results[1]["logits"], atol=1e-3)


def test_animate_shows_sample_index_of_own_images(capsys, files, tmp_path):
    """``advviz animate`` on a TorchScript file: the frames show the chosen image of the folder (sample 4 is green's
    second) and the model's answer on it, not a shipped data set's."""
    from PIL import Image

    out = tmp_path / "own.gif"
    code, stdout, err = run(capsys, "animate", "--model", str(files / "colour.pt"), *own(files), "--index", "4",
                            "--steps", "2", "--width", "640", "--out", str(out), "--json")
    assert code == 0, err
    assert json.loads(stdout)["frames"] == 2
    with Image.open(out) as gif:
        first = np.asarray(gif.convert("RGB")).astype(int)
    red, green, blue = (first[..., channel] for channel in range(3))
    # the x cell: a 40×40 block of the image's own green (a curve or a legend line is a few pixels wide)
    image_green = ((green > 150) & (red < 90) & (blue < 90)).astype(int)
    block = 40
    sums = np.pad(image_green, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    windows = sums[block:, block:] - sums[:-block, block:] - sums[block:, :-block] + sums[:-block, :-block]
    assert windows.max() == block * block
