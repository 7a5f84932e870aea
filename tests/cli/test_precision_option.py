"""--precision: every model-running command can run its forwards in bfloat16 or float16 and says the drift."""

from __future__ import annotations

import json

import numpy as np
from cli_helpers import parse_error, run


def sweep_logits(capsys, *extra: str) -> tuple[np.ndarray, str]:
    code, out, err = run(capsys, "sweep", "--model", "mnist-mlp", "--steps", "5", "--json", *extra)
    assert code == 0, err
    return np.asarray(json.loads(out)["logits"]), err


def test_a_sweep_in_bfloat16_says_its_drift_and_gives_bfloat16_logits(capsys):
    exact, quiet = sweep_logits(capsys)
    reduced, note = sweep_logits(capsys, "--precision", "bfloat16")
    assert "forwards" not in quiet
    assert "mnist-mlp: bfloat16 forwards: max |Δ logit|" in note and "against float32 on 512 images" in note
    assert 0 < np.abs(reduced - exact).max() < 1.0  # close, not equal
    # bfloat16 keeps 8 significant bits: every logit is a multiple of 2^(exponent − 7); JSON has each float32 in
    # its shortest digits, which read back as float32 exactly
    single = reduced.astype(np.float32)
    mantissa = np.frexp(single[single != 0])[0] * 2 ** 8
    assert np.array_equal(mantissa, np.round(mantissa))


def test_the_transfer_matrix_runs_every_model_in_float16(capsys):
    code, out, err = run(capsys, "transfer", "--models", "mnist-mlp,mnist-softmax", "--samples", "50",
                         "--precision", "float16", "--json")
    assert code == 0 and err.count("float16 forwards") == 2, err
    assert np.isfinite(np.asarray(json.loads(out)["error"])).all()


def test_an_unknown_precision_is_refused_while_parsing(capsys, monkeypatch):
    err = parse_error(capsys, monkeypatch, ["sweep", "--precision", "int8"])
    assert "invalid choice: 'int8'" in err
