"""Weights files of different architectures side by side on the command line."""

from __future__ import annotations

import json

import torch
from cli_helpers import run


def test_transfer_between_a_softmax_file_and_a_cnn_file(capsys, tmp_path):
    """--architecture took one value for every file: a softmax file beside a CNN file could not be compared,
    though transfer across architectures is the command's point (paper §8)."""
    from advviz.core.zoo import load_model

    paths = []
    for name in ("mnist-softmax", "mnist-cnn"):
        paths.append(tmp_path / f"{name}.pt")
        torch.save(load_model(name).state_dict(), paths[-1])
    models = ",".join(map(str, paths))
    code, out, err = run(capsys, "transfer", "--models", models, "--architecture", "softmax,cnn", "--dataset", "mnist",
                         "--samples", "50", "--json")
    assert code == 0, err
    zoo_code, zoo_out, _ = run(capsys, "transfer", "--models", "mnist-softmax,mnist-cnn", "--samples", "50", "--json")
    assert zoo_code == 0 and json.loads(out)["error"] == json.loads(zoo_out)["error"]
    code, _, err = run(capsys, "transfer", "--models", models, "--architecture", "softmax,cnn,mlp", "--dataset",
                       "mnist", "--samples", "50")
    assert code == 2 and "names 3 architectures for 2 weights files" in err, err
