"""The headless CLI runs every command on shipped data; bad inputs give one line, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from advviz.cli import main
from cli_helpers import parse_error  # (tests/cli is on sys.path)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_models_lists_the_zoo(capsys):
    code, out, _ = run(capsys, "models", "--json")
    rows = json.loads(out)["models"]
    assert code == 0 and {"mnist-cnn", "mnist-softmax", "fashion-cnn"} <= {r["name"] for r in rows}
    code, out, _ = run(capsys, "models")
    assert code == 0 and "mnist-cnn" in out and "clean acc." in out


def test_sweep_reports_logits_predictions_and_flip(capsys, zoo, mnist_test):
    code, out, _ = run(capsys, "sweep", "--model", "mnist-softmax", "--index", "7", "--eps-max", "0.5",
                       "--steps", "21", "--json")
    assert code == 0
    payload = json.loads(out)
    logits = np.array(payload["logits"])
    assert logits.shape == (21, 10) and len(payload["predictions"]) == 21
    assert payload["flip_eps"] is not None and 0 < payload["flip_eps"] <= 0.5
    from advviz.core.sweep import fgsm_sweep

    x, y = mnist_test
    expected = fgsm_sweep(zoo("mnist-softmax"), x[7:8], y[7:8], np.array(payload["eps"], dtype=np.float32))
    np.testing.assert_allclose(logits, expected[:, 0].numpy(), atol=1e-4)
    code, out, _ = run(capsys, "sweep", "--model", "mnist-softmax", "--index", "7", "--steps", "5")
    assert code == 0 and "fgsm flips to " in out and "logit 9" in out


@pytest.mark.parametrize("attack", ["random-sign", "bim", "fgm-l2"])
def test_sweep_other_attacks(capsys, attack):
    code, out, _ = run(capsys, "sweep", "--model", "mnist-mlp", "--steps", "5", "--attack", attack, "--json")
    assert code == 0 and np.array(json.loads(out)["logits"]).shape == (5, 10)


def test_targeted_sweep(capsys):
    code, out, _ = run(capsys, "sweep", "--model", "mnist-mlp", "--index", "0", "--steps", "11", "--target", "8",
                       "--eps-max", "0.5", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["predictions"][-1] == 8  # pushed to the target class


def test_sweep_without_a_flip_says_so_in_words(capsys):
    code, out, _ = run(capsys, "sweep", "--model", "mnist-mlp", "--index", "0", "--steps", "5", "--eps-max", "0.01")
    header = out.splitlines()[0]
    # it said "fgsm flips at never"
    assert code == 0 and "fgsm does not flip for 0 < ε ≤ 0.01;" in header and "never" not in header


def test_sweep_json_tells_targeted_from_untargeted(capsys):
    _, out, _ = run(capsys, "sweep", "--model", "mnist-mlp", "--index", "0", "--steps", "11", "--json")
    untargeted = json.loads(out)
    assert untargeted["targeted"] is False and untargeted["target"] is None and untargeted["target_eps"] is None
    _, out, _ = run(capsys, "sweep", "--model", "mnist-mlp", "--index", "0", "--steps", "11", "--target", "8",
                    "--json")
    targeted = json.loads(out)
    assert targeted["targeted"] is True and targeted["target"] == 8 and targeted["target_name"] == "8"
    # the first ε > 0 predicting the target, as the window reports it
    expected = min(e for e, p in zip(targeted["eps"], targeted["predictions"]) if e > 0 and p == 8)
    assert targeted["target_eps"] == expected and targeted["eps_max"] == 0.5


@pytest.mark.parametrize("model,target,eps_max,says", [
    ("mnist-mlp", "8", "0.5", r"targeted fgsm towards 8 flips to the target at ε = 0\.\d+;"),
    ("mnist-mlp", "8", "0.01", r"targeted fgsm towards 8 does not flip, nor reach the target, for 0 < ε ≤ 0\.01;"),
    ("mnist-cnn", "1", "0.5", r"targeted fgsm towards 1 flips to 2 at ε = 0\.\d+, but does not reach the target "
                              r"for 0 < ε ≤ 0\.5;"),
    ("mnist-cnn", "4", "0.5", r"targeted fgsm towards 4 flips to 2 at ε = 0\.\d+, reaches the target at ε = 0\.\d+;"),
    ("mnist-mlp", "3", "0.5", r"targeted fgsm towards 3 \(already the clean prediction\) does not flip for "
                              r"0 < ε ≤ 0\.5;"),
], ids=["flips-to-target", "no-flip", "flips-elsewhere", "flips-then-reaches", "already-clean"])
def test_targeted_sweep_header_names_the_target_and_whether_it_is_reached(capsys, model, target, eps_max, says):
    import re

    code, out, _ = run(capsys, "sweep", "--model", model, "--index", "0", "--steps", "21", "--target", target,
                       "--eps-max", eps_max)
    # it said "fgsm flips at …" with no word of the target, unlike the window
    assert code == 0 and re.search(says, out.splitlines()[0]), out.splitlines()[0]


def test_transfer_prints_the_three_matrices(capsys):
    code, out, _ = run(capsys, "transfer", "--models", "mnist-softmax,mnist-mlp", "--samples", "100", "--json")
    payload = json.loads(out)
    assert code == 0 and np.array(payload["error"]).shape == (2, 2)
    code, out, _ = run(capsys, "transfer", "--models", "mnist-softmax,mnist-mlp", "--samples", "100")
    assert "row = source" in out and "same wrong class" in out


def test_robustness_and_rubbish(capsys):
    code, out, _ = run(capsys, "robustness", "--model", "mnist-mlp", "--eps", "0,0.1,0.25", "--samples", "200",
                       "--json")
    payload = json.loads(out)
    assert code == 0 and payload["error"][0] < payload["error"][-1]
    code, out, _ = run(capsys, "rubbish", "--models", "mnist-softmax,mnist-rbf", "--count", "500", "--json")
    rows = json.loads(out)["models"]
    assert code == 0 and rows[1]["confident_fraction"] == 0.0


def test_reproduce_puts_the_paper_beside_ours(capsys):
    code, out, _ = run(capsys, "reproduce", "--samples", "200", "--json")
    rows = json.loads(out)["rows"]
    assert code == 0 and len(rows) >= 12
    softmax_error = next(r for r in rows if r["model"] == "mnist-softmax" and r["metric"] == "error %")
    assert softmax_error["paper"] == 99.9 and softmax_error["ours"] > 90


def test_train_zoo_writes_weights_and_metadata(capsys, tmp_path):
    code, out, err = run(capsys, "train-zoo", "--only", "mnist-softmax", "--output", str(tmp_path), "--json")
    assert code == 0 and (tmp_path / "mnist-softmax.pt").exists()
    metadata = json.loads((tmp_path / "zoo.json").read_text())
    assert metadata["mnist-softmax"]["clean_accuracy"] > 0.85
    # the shipped weights are what this command produces (seeded, deterministic on the CPU)
    import torch

    from advviz.core.resources import models_dir

    retrained = torch.load(tmp_path / "mnist-softmax.pt", weights_only=True)
    shipped = torch.load(models_dir() / "mnist-softmax.pt", weights_only=True)
    for key, tensor in shipped.items():
        torch.testing.assert_close(retrained[key], tensor, atol=1e-5, rtol=0)


@pytest.mark.parametrize("argv,message", [
    (["sweep", "--model", "nope"], "unknown model"),
    (["sweep", "--index", "100000"], "--index must be in"),
    (["sweep", "--eps-max", "abc"], "ε must be a number"),
    (["sweep", "--eps-max", "nan"], "finite"),
    (["sweep", "--attack", "deepfool"], "unknown attack"),
    (["sweep", "--target", "42"], "--target must be a class"),
    (["robustness", "--eps", "0,x"], "ε must be a number"),
    (["transfer", "--models", "mnist-cnn"], "at least two"),
    (["linearity", "--models", ","], "needs at least one model name"),
    (["train-zoo", "--only", "mnist-vgg"], "unknown zoo model"),
    (["sweep", "--model", "mnist-cnn", "--dataset", "fashion"], "cannot classify fashion images"),
    (["transfer", "--models", "mnist-cnn,fashion-cnn"], "different data sets"),
    (["sweep", "--device", "gpu"], "unknown device"),
    (["sweep", "--model", "/nonexistent/weights.pt"], "model file not found"),
    (["--session", "README.md", "models"], "does not go with a command"),
    (["train-zoo", "--only", "mnist-softmax", "--output", "/proc/advviz-cannot-write"], "error"),
    (["adv-train", "--alpha", "2"], "--alpha must be in [0, 1]"),
])
def test_bad_inputs_exit_non_zero_with_one_line(capsys, argv, message):
    try:  # argparse rejects malformed values by SystemExit, the commands by a return code
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_module_and_entry_point_run_without_traceback():
    result = subprocess.run([sys.executable, "-m", "advviz", "sweep", "--model", "missing-model"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "unknown model" in result.stderr and "Traceback" not in result.stderr
    result = subprocess.run([sys.executable, "-m", "advviz", "models"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "mnist-cnn" in result.stdout


def test_a_weights_file_needs_and_takes_its_architecture(capsys, tmp_path, zoo):
    import torch

    path = tmp_path / "mine.pt"
    torch.save(zoo("mnist-mlp").state_dict(), path)
    code, _, err = run(capsys, "sweep", "--model", str(path), "--steps", "5")
    assert code == 2 and "give its architecture" in err
    code, out, _ = run(capsys, "sweep", "--model", str(path), "--architecture", "mlp", "--dataset", "mnist",
                       "--steps", "5", "--json")
    assert code == 0 and json.loads(out)["dataset"] == "mnist"
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"garbage")
    code, _, err = run(capsys, "sweep", "--model", str(corrupt), "--architecture", "mlp", "--dataset", "mnist")
    assert code == 2 and "not a readable PyTorch weights file" in err and "weights_only set to False" not in err


def test_install_desktop_writes_a_launcher(capsys, tmp_path):
    code, out, _ = run(capsys, "install-desktop", "--folder", str(tmp_path), "--json")
    entry = (tmp_path / "advviz.desktop").read_text()
    assert code == 0 and json.loads(out)["desktop_file"].endswith("advviz.desktop")
    assert "Exec=" in entry and "-m advviz" in entry and "advviz.png" in entry


@pytest.mark.parametrize("argv,message", [
    # accepted by argparse ("≥ 1", "≥ 0"), then refused seconds later by the core: now the real bound up front
    (["sweep", "--steps", "1"],
     "argument --steps: must be at least 2 (the sweep runs from −ε_max to +ε_max), got 1"),
    (["sweep", "--eps-max", "0"], "argument --eps-max: must be a finite number > 0"),
    (["animate", "--eps-max", "0"], "argument --eps-max: must be a finite number > 0"),
    (["linearity", "--steps", "2"],
     "argument --steps: must be at least 3 (a line through 2 points always has R² = 1)"),
    (["linearity", "--eps-max", "0"], "argument --eps-max: must be a finite number > 0"),
    (["decision-map", "--resolution", "1"], "argument --resolution: must be at least 2"),
    (["decision-map", "--extent", "0"], "argument --extent: must be a finite number > 0"),
    # the model count: checked before torch and the models load (about 4 s)
    (["transfer", "--models", ","], "argument --models: needs at least two comma-separated model names "
                                    "(a transfer goes from one model to another), got none"),
    (["transfer", "--models", "mnist-cnn"], "needs at least two comma-separated model names "
                                            "(a transfer goes from one model to another), got 1: mnist-cnn"),
    (["transfer", "--models", "mnist-cnn, ,"], "got 1: mnist-cnn"),
    (["rubbish", "--models", " , "], "argument --models: needs at least one model name, got none"),
], ids=["sweep-steps", "sweep-eps-max", "animate-eps-max", "linearity-steps", "linearity-eps-max",
        "decision-map-resolution", "decision-map-extent", "transfer-no-model", "transfer-one-model",
        "transfer-one-model-and-blanks", "rubbish-no-model"])
def test_arguments_are_refused_with_their_real_bound_while_parsing(capsys, monkeypatch, argv, message):
    assert message in parse_error(capsys, monkeypatch, argv)


def test_the_smallest_accepted_values_run(capsys):
    code, out, _ = run(capsys, "sweep", "--model", "mnist-softmax", "--steps", "2", "--eps-max", "1e-3", "--json")
    assert code == 0 and json.loads(out)["eps"] == pytest.approx([-1e-3, 1e-3])
    code, out, _ = run(capsys, "transfer", "--models", "mnist-softmax, mnist-mlp,", "--samples", "10", "--json")
    assert code == 0 and json.loads(out)["models"] == ["mnist-softmax", "mnist-mlp"]


def test_more_samples_than_the_test_split_are_capped_with_a_note(capsys):
    code, out, err = run(capsys, "transfer", "--models", "mnist-softmax,mnist-mlp", "--samples", "99999", "--json")
    # it silently used the 2000 images of the test split
    assert code == 0 and json.loads(out)["samples"] == 2000
    assert err == ("advviz transfer: note: --samples 99999 is more than the mnist test split holds (2000 images); "
                   "using all 2000\n")
    code, out, err = run(capsys, "transfer", "--models", "mnist-softmax,mnist-mlp", "--samples", "2000", "--json")
    assert code == 0 and json.loads(out)["samples"] == 2000 and err == ""


def test_linearity_reports_the_samples_it_used(capsys):
    code, out, err = run(capsys, "linearity", "--models", "mnist-softmax", "--steps", "3", "--samples", "5000",
                         "--json")
    payload = json.loads(out)
    # it reported the 5000 asked for while measuring 2000
    assert code == 0 and payload["samples"] == 2000 and len(payload["models"][0]["r2"]) == 2000
    assert "--samples 5000 is more than the mnist test split holds (2000 images)" in err


def command_helps(capsys) -> dict[str, str]:
    """Every command's --help (and the top level's), whitespace collapsed so wrapped lines read as one."""
    import argparse

    from advviz.cli import build_parser

    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    helps = {}
    for name in ["", *commands.choices]:
        with pytest.raises(SystemExit):
            main([name, "--help"] if name else ["--help"])
        helps[name] = " ".join(capsys.readouterr().out.split())
    return helps


def test_help_shows_each_default_once_and_as_typed(capsys):
    import re

    helps = command_helps(capsys)
    assert {"sweep", "animate", "transfer", "robustness", "linear", "adv-train"} <= set(helps)
    for name, text in helps.items():
        # hand-written defaults and ArgumentDefaultsHelpFormatter's both printed: "(default: fgsm) (default: fgsm)"
        assert not re.search(r"\(default: [^()]*(\([^()]*\)[^()]*)*\) \(default:", text), name
        assert "(default: None)" not in text and "(default: False)" not in text, name
    assert helps["sweep"].count("(default: mnist-cnn; with --dataset fashion: fashion-cnn; see advviz models)") == 1
    assert helps["sweep"].count("(default: fgsm)") == 1 and "(default: 201)" in helps["sweep"]
    assert "(default: the model's; required for a weights file) --device" in helps["sweep"]
    assert "(default: untargeted)" in helps["sweep"]
    assert "comma-separated values of ε (default: 0,0.05,0.1,0.25)" in helps["robustness"]
    assert "[0.0" not in helps["robustness"]
    assert ("(default: mnist-softmax,mnist-mlp,mnist-cnn; with --dataset fashion: "
            "fashion-softmax,fashion-mlp,fashion-cnn; see advviz models)") in helps["transfer"]
    assert "weights files, at least 2 (default:" in helps["transfer"]


def test_robustness_default_eps_as_documented(capsys):
    from advviz.cli import build_parser

    args = build_parser().parse_args(["robustness"])
    assert args.eps == [0.0, 0.05, 0.1, 0.25]  # the string default goes through the same type as a typed value


def test_a_reader_that_stops_early_is_not_an_error():
    """`advviz sweep … | head -1` ended with "error: [Errno 32] Broken pipe" and status 2."""
    process = subprocess.Popen([sys.executable, "-m", "advviz", "sweep", "--index", "0", "--steps", "5001"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.readline().startswith(b"mnist-cnn")
    process.stdout.close()  # as head does after its line
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 0 and b"Broken pipe" not in errors, errors
