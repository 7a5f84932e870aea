"""Second review of the explanation commands (linear, linearity, decision-map, diagnose, adv-train), the shared
helpers and reproduce: what a new user met, each pinned by a test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import parse_error, run  # (tests/cli is on sys.path)


@pytest.fixture
def no_training(monkeypatch):
    """adv-train must refuse before it trains: training here fails the test at once (instead of running for
    hours when a bound is missing)."""
    import advviz.core.twin_training as twin_training

    def refuse(*args, **kwargs):
        raise AssertionError("adv-train started training for arguments that should have been refused")

    monkeypatch.setattr(twin_training, "twin_training_steps", refuse)


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


@pytest.mark.parametrize("resolution", [2, 4])
def test_an_even_decision_map_does_not_mark_x_where_it_is_not(capsys, resolution):
    """x (a = b = 0) is no grid point of an even resolution: the X was drawn at a = b = +extent/3 (resolution 4),
    at the corner (+0.5, +0.5) for resolution 2, hiding that point's class."""
    code, out, _ = run(capsys, "decision-map", "--model", "mnist-softmax", "--resolution", str(resolution))
    header, *rows = out.splitlines()
    assert code == 0 and len(rows) == resolution
    assert "X = x" not in header and "x (a = b = 0) falls between grid points" in header
    assert all("X" not in row.split()[1] for row in rows)
    code, out, _ = run(capsys, "decision-map", "--model", "mnist-softmax", "--resolution", "3")
    header, *rows = out.splitlines()
    assert "X = x" in header and [row.split()[1].count("X") for row in rows] == [0, 1, 0]
    assert rows[1].split() == ["+0.000", rows[1].split()[1][0] + "X" + rows[1].split()[1][2]]


def test_the_decision_map_says_whether_it_clipped(capsys):
    """Its header and JSON named neither (clipping is on by default, the paper's setting is off); the other
    explanation commands say it."""
    for flags, words, clip in (([], "clipped to [0, 1]", True), (["--no-clip"], "unclipped", False)):
        code, out, _ = run(capsys, "decision-map", "--model", "mnist-softmax", "--resolution", "3", *flags)
        assert code == 0 and f"b ↑, {words};" in out.splitlines()[0]
        code, out, _ = run(capsys, "decision-map", "--model", "mnist-softmax", "--resolution", "3", "--seed", "4",
                           "--extent", "0.2", *flags, "--json")
        payload = json.loads(out)
        assert (payload["clip"], payload["extent"], payload["resolution"], payload["seed"]) == (clip, 0.2, 3, 4)


@pytest.mark.parametrize("output,message", [
    ("a-file", "--output {path} is a file, not a folder"),
    ("a-file/models", "{path}: Not a directory"),
], ids=["file", "under-a-file"])
def test_adv_train_refuses_an_output_it_cannot_write_before_training(capsys, tmp_path, no_training, output, message):
    """The weights are written after the training: '--output FILE' said 'FILE: File exists' only then."""
    (tmp_path / "a-file").write_text("not a folder")
    path = tmp_path / output
    code, out, err = run(capsys, "adv-train", "--samples", "100", "--epochs", "1", "--output", str(path))
    assert code == 2 and out == "" and err == f"advviz adv-train: error: {message.format(path=path)}\n"


def test_adv_train_refuses_a_read_only_output_before_training(capsys, tmp_path, monkeypatch, no_training):
    import os

    folder = tmp_path / "read-only"
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: False if str(path) == str(folder)
                        else real_access(path, mode, **kw))  # (as root, every folder is writable)
    code, out, err = run(capsys, "adv-train", "--output", str(folder))
    assert code == 2 and err == f"advviz adv-train: error: --output {folder}: folder not writable\n"


def test_adv_train_makes_a_missing_output_folder(capsys, tmp_path):
    folder = tmp_path / "new" / "models"
    code, out, _ = run(capsys, "adv-train", "--samples", "64", "--epochs", "1", "--validation", "16",
                       "--output", str(folder), "--json")
    files = json.loads(out)["files"]
    assert code == 0 and sorted(files) == ["adversarial", "plain"]
    assert all(os_path.startswith(str(folder)) for os_path in files.values())
    assert sorted(p.name for p in folder.iterdir()) == ["mnist-mlp-advtrained.pt", "mnist-mlp-plain.pt"]


def test_adv_train_help_says_where_the_weights_go_by_default(capsys, user_data_home):
    """It said 'a temporary folder': the files are kept, in a new folder under $XDG_DATA_HOME/advviz/trained/."""
    code, out, _ = run(capsys, "adv-train", "--help")
    text = " ".join(out.split())
    assert code == 0 and "temporary" not in text
    assert "(default: a new folder, kept, under $XDG_DATA_HOME/advviz/trained/, ~/.local/share by default)" in text
    code, out, _ = run(capsys, "adv-train", "--samples", "64", "--epochs", "1", "--validation", "16", "--json")
    paths = [Path(path) for path in json.loads(out)["files"].values()]
    assert code == 0 and len(paths) == 2 and all(path.is_file() for path in paths)
    assert paths[0].parent.parent == user_data_home / "advviz" / "trained"


@pytest.mark.parametrize("argv", [["decision-map"], ["adv-train"], ["rubbish"]])
@pytest.mark.parametrize("seed,message", [
    ("18446744073709551616", "argument --seed: must be at most 18446744073709551615 (torch's seeds are 64-bit)"),
    ("100000000000000000000000000000", "argument --seed: must be at most 18446744073709551615"),
    ("-1", "argument --seed: must be at least 0"),
])
def test_a_seed_torch_cannot_take_is_refused_while_parsing(capsys, monkeypatch, no_training, argv, seed, message):
    """It failed after the model and data had loaded, as 'Overflow when unpacking long long', naming no option."""
    assert message in parse_error(capsys, monkeypatch, [*argv, "--seed", seed])


def test_the_largest_seed_runs(capsys):
    code, out, _ = run(capsys, "decision-map", "--model", "mnist-softmax", "--resolution", "3",
                       "--seed", str(2**64 - 1), "--json")
    assert code == 0 and json.loads(out)["seed"] == 2**64 - 1


@pytest.mark.parametrize("argv", [["linear", "--eps"], ["diagnose", "--eps"], ["linearity", "--eps-max"],
                                  ["decision-map", "--extent"], ["sweep", "--eps-max"]])
@pytest.mark.parametrize("value", ["1e-300", "1e-9"])
def test_an_eps_too_small_to_move_a_pixel_is_refused_like_zero(capsys, monkeypatch, argv, value):
    """ε = 0 is refused; 1e-300 (0 in float32) printed linear's table of zeros, diagnose's '100 % of pixels the clip
    keeps from moving', and R² = 1 for every model, the RBF network's included."""
    err = parse_error(capsys, monkeypatch, [*argv, value])
    assert f"argument {argv[1]}: must be at least 1e-06 (a smaller ε is lost in the float32 rounding" in err


@pytest.mark.parametrize("value", ["-0.1", "nan"])
def test_an_eps_that_must_be_above_zero_says_so_when_negative(capsys, monkeypatch, value):
    """It said 'ε must be a finite number ≥ 0' — and then refused 0."""
    err = parse_error(capsys, monkeypatch, ["linear", "--eps", value])
    assert "argument --eps: must be a finite number > 0" in err and "≥ 0" not in err


def test_the_smallest_eps_still_explains(capsys):
    code, out, _ = run(capsys, "linear", "--eps", "1e-6", "--json")
    payload = json.loads(out)
    assert code == 0 and any(value != 0 for value in payload["measured"])
