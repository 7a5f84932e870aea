"""Second review of the explanation commands (linear, linearity, decision-map, diagnose, adv-train), the shared
helpers and reproduce: what a new user met, each pinned by a test."""

from __future__ import annotations

import json

import pytest

from advviz.cli import main
from cli_helpers import parse_error  # (tests/cli is on sys.path)


@pytest.fixture
def no_training(monkeypatch):
    """adv-train must refuse before it trains: training here fails the test at once (instead of running for
    hours when a bound is missing)."""
    import advviz.core.twin_training as twin_training

    def refuse(*args, **kwargs):
        raise AssertionError("adv-train started training for arguments that should have been refused")

    monkeypatch.setattr(twin_training, "twin_training_steps", refuse)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse refuses the argument
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("argv,message", [
    (["sweep", "--steps", "10000000"], "argument --steps: must be at most 10001"),
    (["animate", "--steps", "242", "--out", "x.gif"], "argument --steps: must be at most 241"),
    (["linearity", "--steps", "10000000"], "argument --steps: must be at most 2001"),
    (["decision-map", "--resolution", "100000"], "argument --resolution: must be at most 301"),
    (["rubbish", "--count", "100000000"], "argument --count: must be at most 100000"),
    (["adv-train", "--epochs", "10000000"], "argument --epochs: must be at most 100"),
], ids=["sweep-steps", "animate-steps", "linearity-steps", "map-resolution", "rubbish-count", "adv-train-epochs"])
def test_huge_counts_are_refused_while_parsing(capsys, monkeypatch, no_training, argv, message):
    """They had no upper bound: sweep --steps 10000000 ran past two minutes before printing anything."""
    assert message in parse_error(capsys, monkeypatch, argv)


def test_the_largest_counts_still_run(capsys):
    code, out, _ = run(capsys, "sweep", "--model", "mnist-softmax", "--steps", "10001", "--json")
    assert code == 0 and len(json.loads(out)["eps"]) == 10001
    code, out, _ = run(capsys, "linearity", "--models", "mnist-softmax", "--samples", "1", "--steps", "2001")
    assert code == 0 and "(2001 steps)" in out
