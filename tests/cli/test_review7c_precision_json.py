"""--json records the forwards' precision (review 7c)."""

from __future__ import annotations

import json

import pytest
from cli_helpers import run


@pytest.mark.parametrize("command", [
    ["sweep", "--model", "mnist-mlp", "--steps", "5"],
    ["transfer", "--models", "mnist-mlp,mnist-softmax", "--samples", "20"],
    ["robustness", "--model", "mnist-softmax", "--eps", "0,0.1", "--samples", "20"],
])
def test_the_json_of_a_reduced_precision_run_says_its_precision(capsys, command):
    """`advviz sweep --precision bfloat16 --json > out.json`: the file could not be told from a float32 run's
    (the drift went to stderr only)."""
    code, out, err = run(capsys, *command, "--precision", "bfloat16", "--json")
    assert code == 0, err
    assert json.loads(out)["precision"] == "bfloat16"
    code, out, err = run(capsys, *command, "--json")
    assert code == 0, err
    assert json.loads(out)["precision"] == "float32"


def test_on_the_cpu_a_reduced_precision_is_said_to_be_slower(capsys):
    code, out, err = run(capsys, "sweep", "--model", "mnist-mlp", "--steps", "5", "--device", "cpu",
                         "--precision", "float16")
    assert code == 0 and "float16 forwards: max |Δ logit|" in err and "on the CPU slower than float32" in err, err


def test_a_model_whose_logits_overflow_float16_runs_in_float32_and_says_so(capsys, tmp_path):
    """The window kept such a model in float32 and said why; the CLI ran it in float16 regardless, its curves ±inf
    and its drift printed as 'inf'. Both now share core.precision.apply_forward_precision."""
    import torch

    from advviz.core.zoo import load_model

    loud = load_model("mnist-softmax")
    with torch.no_grad():
        for parameter in loud.parameters():
            parameter.mul_(1e5)  # logits of ~1e6: beyond float16's 65,504
    path = tmp_path / "loud.pt"
    torch.save(loud.state_dict(), path)
    code, out, err = run(capsys, "sweep", "--model", str(path), "--architecture", "softmax", "--dataset", "mnist",
                         "--steps", "5", "--precision", "float16", "--json")
    assert code == 0, err
    assert "cannot run its forwards in float16 (its logits overflow float16): they stay float32" in err, err
    result = json.loads(out)
    assert "inf" not in err and all(value is not None for row in result["logits"] for value in row), out
    assert result["precision"] == "float32"  # what ran, not what was asked


def test_json_writes_float32_values_by_their_shortest_digits(capsys):
    """`sweep --json` wrote 0.3499999940395355, so `0.35 in d["eps"]` was False."""
    code, out, err = run(capsys, "sweep", "--model", "mnist-softmax", "--steps", "5", "--eps-max", "0.35", "--json")
    assert code == 0, err
    assert json.loads(out)["eps"] == [-0.35, -0.175, 0.0, 0.175, 0.35]
    assert "0.3499999940395355" not in out
