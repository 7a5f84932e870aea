"""The transfer command says "—" (text) and null (JSON) where a mean is over no examples, refuses a model
listed twice, and ``linear`` refuses ε = 0 while parsing, as the window does."""

from __future__ import annotations

import json

import pytest

from advviz.cli import main
from cli_helpers import parse_error  # (tests/cli is on sys.path)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def strict_json(text: str) -> dict:
    """JSON as a strict parser (jq, JavaScript) reads it: a bare NaN is an error."""
    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_transfer_prints_a_dash_not_zero_where_a_mean_is_undefined(capsys):
    # at ε = 0 both models answer the first 10 test images right: no wrong answer to average over
    code, out, _ = run(capsys, "transfer", "--models", "mnist-cnn,mnist-mlp", "--eps", "0", "--samples", "10")
    assert code == 0
    error, confidence, agreement = out.split("\n\n")
    assert error.count("0.0%") == 4 and "—" not in error  # the error rate is defined: 0 %
    for block, why in ((confidence, "the target made no wrong answers"),
                       (agreement, "source and target were never both wrong")):
        rows = [line for line in block.splitlines() if "→" in line]
        assert len(rows) == 2 and all(line.split("→")[1].split() == ["—", "—"] for line in rows), block
        assert "%" not in block.split("samples", 1)[1] and f"— = undefined: {why}" in block


def test_transfer_json_writes_null_for_an_undefined_mean(capsys):
    code, out, _ = run(capsys, "transfer", "--models", "mnist-cnn,mnist-mlp", "--eps", "0", "--samples", "10",
                       "--json")
    payload = strict_json(out)  # it wrote NaN, which is not JSON
    assert code == 0 and payload["error"] == [[0.0, 0.0], [0.0, 0.0]]
    assert payload["confidence"] == payload["agreement"] == [[None, None], [None, None]]


@pytest.mark.parametrize("argv,message", [
    (["transfer", "--models", "mnist-cnn,mnist-cnn"],
     "argument --models: lists mnist-cnn more than once; give each model once"),
    (["transfer", "--models", "mnist-cnn, mnist-mlp,mnist-cnn "], "lists mnist-cnn more than once"),
    (["rubbish", "--models", "mnist-rbf,mnist-rbf"], "lists mnist-rbf more than once"),
    (["linear", "--model", "mnist-cnn", "--eps", "0"],
     "argument --eps: must be a finite number > 0 (ε = 0 leaves x unchanged: there is no logit change to "
     "explain), got '0'"),
    (["linear", "--eps", "0.0"], "argument --eps: must be a finite number > 0"),
], ids=["transfer-duplicate", "transfer-duplicate-spaced", "rubbish-duplicate", "linear-eps-0", "linear-eps-0.0"])
def test_inputs_refused_while_parsing(capsys, monkeypatch, argv, message):
    assert message in parse_error(capsys, monkeypatch, argv)


def test_transfer_from_one_model_to_another_still_runs(capsys):
    code, out, _ = run(capsys, "transfer", "--models", "mnist-softmax,mnist-mlp", "--samples", "50", "--json")
    payload = strict_json(out)
    assert code == 0 and payload["models"] == ["mnist-softmax", "mnist-mlp"]
    assert all(value is not None for row in payload["error"] for value in row)


def test_diagnose_refuses_eps_zero_while_parsing(capsys, monkeypatch):
    """The window refuses ε = 0 for the diagnostics; the CLI printed a table of zeros."""
    err = parse_error(capsys, monkeypatch, ["diagnose", "--model", "mnist-cnn", "--eps", "0"])
    assert "nothing to diagnose" in err
