"""The headless CLI runs every command on shipped data; bad inputs give one line, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from advviz.cli import main


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
    assert code == 0 and "flips at" in out and "logit 9" in out


@pytest.mark.parametrize("attack", ["random-sign", "bim", "fgm-l2"])
def test_sweep_other_attacks(capsys, attack):
    code, out, _ = run(capsys, "sweep", "--model", "mnist-mlp", "--steps", "5", "--attack", attack, "--json")
    assert code == 0 and np.array(json.loads(out)["logits"]).shape == (5, 10)


def test_targeted_sweep(capsys):
    code, out, _ = run(capsys, "sweep", "--model", "mnist-mlp", "--index", "0", "--steps", "11", "--target", "8",
                       "--eps-max", "0.5", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["predictions"][-1] == 8  # pushed to the target class


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
