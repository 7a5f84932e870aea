"""What the CLI says about the user's own model files when the options are not quite right: each message names
what to do, in the user's words (one line, exit 2)."""

from __future__ import annotations

import pytest
from cli_helpers import run


def test_a_torchvision_network_without_kind_is_told_to_give_kind_torchvision(capsys, tmp_path):
    weights = tmp_path / "r18_3.pt"
    weights.write_bytes(b"a state_dict")  # not read: the architecture alone says what is missing
    for extra in ([], ["--dataset", "mnist"]):  # asked for --dataset; with it "unknown architecture 'resnet18'"
        code, _, err = run(capsys, "sweep", "--model", str(weights), "--architecture", "resnet18", *extra)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert "resnet18 is a torchvision network" in err and "--kind torchvision --input-size CxHxW" in err, err
        assert "--images" in err and "unknown architecture" not in err and "--dataset" not in err, err


def test_an_unknown_architecture_still_lists_advvizs(capsys, tmp_path):
    weights = tmp_path / "w.pt"
    weights.write_bytes(b"weights")
    code, _, err = run(capsys, "sweep", "--model", str(weights), "--architecture", "resnet", "--dataset", "mnist")
    assert code == 2 and "unknown architecture 'resnet'" in err and "torchvision" not in err, err


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    """A 3-class and a 5-class TorchScript model of 3×16×16 input, a folder of cat, dog, frog images, and a
    resnet18 state_dict of 3 classes."""
    import numpy as np
    import torch
    import torchvision
    from PIL import Image
    from torch import nn

    root = tmp_path_factory.mktemp("wording")
    rng = np.random.default_rng(0)
    for name in ("cat", "dog", "frog"):
        (root / "imgs" / name).mkdir(parents=True)
        for index in range(2):
            pixels = (rng.random((20, 20, 3)) * 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / "imgs" / name / f"{index}.png")
    for classes in (3, 5):
        net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 16 * 16, classes))
        torch.jit.script(net).save(str(root / f"tiny{classes}.ts"))
    torch.manual_seed(0)
    torch.save(torchvision.models.resnet18(num_classes=3).state_dict(), root / "r18_3.pt")
    return root


def own_run(capsys, own, command: str, model: str, *extra: str) -> tuple[int, str, str]:
    option = "--models" if command == "transfer" else "--model"
    return run(capsys, command, option, model, "--input-size", "3x16x16", "--images", str(own / "imgs"),
               "--device", "cpu", *extra)


def test_kind_counts_say_one_model_file(capsys, own):
    code, _, err = own_run(capsys, own, "sweep", str(own / "tiny3.ts"), "--kind", "TorchScript,torchscript")
    assert code == 2 and "--kind names 2 kinds for 1 model file:" in err, err  # "for 1 model files"


def test_a_class_count_refusal_lists_all_three_classes_without_an_ellipsis(capsys, own):
    code, _, err = own_run(capsys, own, "sweep", str(own / "tiny5.ts"), "--kind", "torchscript", "--classes", "5")
    assert code == 2 and "the data's labels have 3 (cat, dog, frog);" in err and "…" not in err, err


def test_imagenet_classes_over_other_folders_say_the_class_list_once(capsys, own):
    code, _, err = own_run(capsys, own, "sweep", str(own / "tiny3.ts"), "--kind", "torchscript",
                           "--classes", "imagenet")
    lines = [line for line in err.splitlines() if "warning: " not in line]  # the TorchScript warning aside
    assert code == 2 and len(lines) == 1 and err.count("tench") == 1, err  # a note, then the same list again
    assert "no image in" in lines[0] and "sub-folders cat, dog, frog name no class" in lines[0], err


def test_another_architectures_weights_are_named_so_without_the_internal_prefix(capsys, own):
    code, _, err = own_run(capsys, own, "sweep", str(own / "r18_3.pt"), "--kind", "torchvision",
                           "--architecture", "resnet50")
    assert code == 2 and "looks like another architecture's weights, not torchvision's resnet50" in err, err
    assert "net." not in err and "layer1.0.bn3.bias" in err, err


def test_one_file_by_two_paths_is_refused_as_a_model_given_twice(capsys, own, monkeypatch):
    monkeypatch.chdir(own)
    code, _, err = own_run(capsys, own, "transfer", "tiny3.ts,./tiny3.ts", "--kind", "torchscript")
    assert code == 2 and "names one file twice: tiny3.ts and ./tiny3.ts" in err, err


@pytest.mark.parametrize(("command", "extra"), [("decision-map", ("--resolution", "3")), ("linear", ()),
                                                 ("diagnose", ("--samples", "6"))])
def test_explanations_name_the_images_as_sweep_does(capsys, own, command, extra):
    code, out, err = own_run(capsys, own, command, str(own / "tiny3.ts"), "--kind", "torchscript", *extra)
    assert code in (0, None), err
    first = out.splitlines()[0]
    assert "test #" not in first and "test image" not in first, first  # they are the folder's images
    assert ("imgs #0" in first) if command != "diagnose" else ("6 images in imgs" in first), first


def test_index_help_names_the_images_folder(capsys):
    from advviz.cli import main

    for command in ("sweep", "linear", "decision-map"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        help_text = " ".join(capsys.readouterr().out.split())
        assert "among the labelled images of --images" in help_text, command
    for command in ("diagnose", "linearity", "transfer", "robustness"):  # --samples: not only "test images"
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "labelled images of --images" in " ".join(capsys.readouterr().out.split()), command
