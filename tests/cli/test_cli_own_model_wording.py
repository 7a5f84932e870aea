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


@pytest.fixture
def own_file(tmp_path):
    path = tmp_path / "tiny.ts"
    path.write_bytes(b"scripted")
    return path
