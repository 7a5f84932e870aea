"""Defects found by using the CLI as a new user would (each test failed before its fix)."""

from __future__ import annotations

import json

import pytest

from advviz.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_thread_count_the_user_set_is_kept(capsys, monkeypatch):
    """`OMP_NUM_THREADS=1 advviz …` ran on every core: the CLI's thread budget overrode the user's setting."""
    import torch

    import advviz.core.device as device

    before = torch.get_num_threads()
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setattr(device, "cpu_cores", lambda: 4)
    torch.set_num_threads(1)
    try:
        code, _, _ = run(capsys, "models", "--json")
        assert code == 0 and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_ctrl_c_while_torch_loads_is_an_interruption_not_a_traceback(capsys, monkeypatch):
    """Ctrl+C in the first seconds (torch importing, the thread budget set) printed a KeyboardInterrupt traceback."""
    import advviz.core.device as device

    def interrupted(**kwargs):
        raise KeyboardInterrupt

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(device, "set_thread_budget", interrupted)
    try:
        code, out, err = run(capsys, "models")
    except KeyboardInterrupt:  # (re-raised, it would stop pytest itself)
        pytest.fail("KeyboardInterrupt escaped main()")
    assert code == 130 and out == "" and err == "advviz models: interrupted\n"


@pytest.mark.parametrize("error,needed", [
    (RuntimeError("[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate memory: you "
                  "tried to allocate 3136000000000 bytes. Error code 12 (Cannot allocate memory)"), "2,920.6 GiB"),
    (MemoryError("Unable to allocate 74.5 GiB for an array with shape (100000, 100000) and data type int64"),
     "74.5 GiB"),
    (MemoryError(), None),
], ids=["torch", "numpy", "python"])
def test_a_request_too_large_for_memory_is_one_line(capsys, monkeypatch, error, needed):
    """`advviz rubbish --count 1000000000`, `decision-map --resolution 100000` or `linearity --steps 100000000`
    ended in a traceback of torch's, numpy's or Python's allocator."""
    import advviz.core.rubbish as rubbish

    def too_large(*args, **kwargs):
        raise error

    monkeypatch.setattr(rubbish, "rubbish_probe", too_large)
    # (the probe is replaced: the largest count allowed while parsing stands for one that does not fit)
    code, out, err = run(capsys, "rubbish", "--models", "mnist-softmax", "--count", "100000")
    assert code == 1 and out == "" and len(err.splitlines()) == 1
    assert err.startswith("advviz rubbish: error: not enough memory for this request")
    assert (f"(it needed {needed} at once)" in err) if needed else "needed" not in err
    assert "fewer samples, ε steps, map points or rubbish inputs" in err


def test_other_runtime_errors_are_not_called_out_of_memory(capsys, monkeypatch):
    import advviz.core.rubbish as rubbish

    def broken(*args, **kwargs):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")

    monkeypatch.setattr(rubbish, "rubbish_probe", broken)
    with pytest.raises(RuntimeError, match="shapes"):
        main(["rubbish", "--models", "mnist-softmax", "--count", "10"])


@pytest.mark.parametrize("argv,message", [
    # 1e308 overflowed float32: numpy's overflow warnings, then "every ε must be a finite number" for a finite ε
    (["sweep", "--eps-max", "1e308"], "argument --eps-max: must be at most 1 (ε = 1 already moves every pixel "
                                      "across the whole [0, 1] range; for ε in 0–255 units, divide by 255), "
                                      "got 1e+308"),
    (["sweep", "--eps-max", "30", "--attack", "fgm-l2"], "argument --eps-max: must be at most 28 (an L2 step"),
    (["transfer", "--eps", "8"], "argument --eps: must be at most 1"),  # ε = 8/255 typed as 8: silently ran
    (["robustness", "--eps", "0,0.1,2"], "argument --eps: must be at most 1"),
    (["animate", "--eps-max", "2"], "argument --eps-max: must be at most 1"),
    (["decision-map", "--extent", "1.5"], "argument --extent: must be at most 1"),
    (["linear", "--eps", "1.01"], "argument --eps: must be at most 1"),
    (["adv-train", "--eps", "1e300"], "argument --eps: must be at most 1"),
])
def test_an_eps_beyond_the_pixel_range_is_refused_before_loading(capsys, monkeypatch, argv, message):
    import advviz.core.zoo as zoo

    def no_loading(*args, **kwargs):
        raise AssertionError("a model was loaded for an ε that should be refused first")

    monkeypatch.setattr(zoo, "load_model", no_loading)
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert err.startswith(f"advviz {argv[0]}: error: {message}") and f"(see advviz {argv[0]} --help)" in err


def test_the_largest_eps_in_range_runs(capsys):
    code, out, _ = run(capsys, "sweep", "--model", "mnist-softmax", "--steps", "3", "--eps-max", "1", "--json")
    assert code == 0 and json.loads(out)["eps"] == [-1.0, 0.0, 1.0]
    code, out, _ = run(capsys, "sweep", "--model", "mnist-softmax", "--steps", "3", "--eps-max", "5",
                       "--attack", "fgm-l2", "--json")
    assert code == 0 and json.loads(out)["eps_max"] == 5


def test_robustness_without_wrong_answers_says_undefined_not_nan(capsys):
    """At ε = 0 on ten images mnist-cnn makes no mistakes: the confidence column read "nan%"."""
    code, out, _ = run(capsys, "robustness", "--model", "mnist-cnn", "--samples", "10", "--eps", "0,0.25")
    lines = out.splitlines()
    assert code == 0 and "nan" not in out
    assert lines[3].split() == ["0", "0.00%", "—"] and lines[4].split()[2].endswith("%")
    assert lines[-1] == "— = undefined: no wrong answers at this ε"
    code, out, _ = run(capsys, "robustness", "--model", "mnist-cnn", "--samples", "10", "--eps", "0,0.25", "--json")
    assert json.loads(out)["confidence"][0] is None


@pytest.mark.parametrize("only,message", [
    # they said "unknown zoo model(s) ; choose from …", naming a blank
    ("mnist-softmax,,mnist-softmax", "argument --only: lists mnist-softmax more than once; give each model once"),
    (",", "argument --only: needs at least one model name, got none"),
])
def test_train_zoo_only_blank_or_repeated_names_are_refused_while_parsing(capsys, monkeypatch, tmp_path, only,
                                                                         message):
    from cli_helpers import parse_error

    assert message in parse_error(capsys, monkeypatch, ["train-zoo", "--only", only, "--output", str(tmp_path)])
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("argv", [["train-zoo", "--only", "mnist-softmax", "--output"],
                                  ["install-desktop", "--folder"]], ids=["train-zoo", "install-desktop"])
def test_a_file_given_as_the_output_folder_is_named_as_such(capsys, tmp_path, argv):
    """They said "[Errno 17] File exists: '…'" (train-zoo after loading torch and its data)."""
    existing = tmp_path / "sweep.gif"
    existing.write_bytes(b"GIF89a")
    code, out, err = run(capsys, *argv, str(existing))
    option = argv[-1]
    assert code == 2 and out == "" and err == f"advviz {argv[0]}: error: {option} {existing} is a file, not a folder\n"
    assert existing.read_bytes() == b"GIF89a"


def test_file_system_errors_read_as_path_and_reason_not_as_python(capsys, tmp_path):
    (tmp_path / "file").write_text("")
    code, _, err = run(capsys, "install-desktop", "--folder", str(tmp_path / "file" / "applications"))
    # it said "[Errno 20] Not a directory: '…/file/applications'"
    assert code == 2 and "Errno" not in err and "'" not in err
    assert err.startswith(f"advviz install-desktop: error: {tmp_path / 'file'}") and err.endswith(": Not a directory\n")


def test_a_sweep_with_a_zero_gradient_says_so(capsys, tmp_path, zoo):
    """A model whose gradient is 0 at x "does not flip" — said as if it resisted; the window says the gradient is
    zero (sign(0) = 0 does not move)."""
    import torch

    weights = {key: value.clone() for key, value in zoo("mnist-mlp").state_dict().items()}
    weights["net.1.weight"].zero_()  # the first layer ignores its input: ∇ₓJ = 0 everywhere
    path = tmp_path / "flat.pt"
    torch.save(weights, path)
    argv = ["sweep", "--model", str(path), "--architecture", "mlp", "--dataset", "mnist", "--steps", "3"]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "fgsm does not flip for 0 < ε ≤ 0.5 (the gradient is zero here: sign(0) = 0 does not " \
                         "move x);" in out.splitlines()[0]
    code, out, _ = run(capsys, "sweep", "--model", "mnist-mlp", "--steps", "3")
    assert code == 0 and "gradient is zero" not in out


@pytest.mark.parametrize("argv", [["gui", "--session"], ["--session"]], ids=["gui-session", "session"])
def test_the_gui_command_takes_a_session_too(capsys, tmp_path, argv):
    """`advviz gui --session FILE` was refused ("unrecognized arguments"); only `advviz --session FILE` worked."""
    missing = tmp_path / "missing.json"
    code, out, err = run(capsys, *argv, str(missing))
    assert code == 2 and err == f"advviz: error: session file not found: {missing}\n"


def test_architecture_with_zoo_names_only_is_refused_not_ignored(capsys, tmp_path, zoo):
    """`sweep --model mnist-cnn --architecture mlp` silently ran the CNN."""
    code, out, err = run(capsys, "sweep", "--model", "mnist-cnn", "--architecture", "mlp", "--steps", "3")
    assert code == 2 and out == "" and err == ("advviz sweep: error: --architecture is for a weights file, and "
                                               "mnist-cnn is a zoo model (architecture cnn): leave "
                                               "--architecture out\n")
    import torch

    path = tmp_path / "mine.pt"  # beside a weights file it is needed, and zoo names beside it keep their own
    torch.save(zoo("mnist-mlp").state_dict(), path)
    code, out, _ = run(capsys, "transfer", "--models", f"{path},mnist-softmax", "--architecture", "mlp",
                       "--dataset", "mnist", "--samples", "10", "--json")
    assert code == 0 and json.loads(out)["models"] == [str(path), "mnist-softmax"]


@pytest.mark.parametrize("display", ["", ":0"])
def test_a_window_that_cannot_open_is_one_line_naming_why(capsys, monkeypatch, display):
    """Without a display, or with Qt's X11 plugin missing a system library (Qt aborted with status 134 after
    six lines of plugin messages), `advviz gui` says why in one line and exits 2."""
    import ctypes

    for name in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    if display:
        monkeypatch.setenv("DISPLAY", display)

    def missing_library(path, *args, **kwargs):
        raise OSError("libxcb-icccm.so.4: cannot open shared object file: No such file or directory")

    monkeypatch.setattr(ctypes, "CDLL", missing_library)
    monkeypatch.setattr("sys.platform", "linux")
    code, out, err = run(capsys, "gui")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert ("libxcb-icccm.so.4" in err and "apt install" in err) if display else "DISPLAY is not set" in err


def test_advviz_gui_opens_the_window_before_torch_loads():
    """`advviz gui` (and `advviz gui --session F`) imported torch for the CLI's thread budget before the
    window was built: a second or more before the first paint, which `advviz` alone did not pay."""
    import os
    import subprocess
    import sys

    probe = ("import sys; import advviz.gui.app as app; from advviz import cli; "
             "app.main = lambda *a, **k: print('torch' in sys.modules) or 0; sys.exit(cli.main(['gui']))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_an_unknown_attack_is_refused_while_parsing(capsys, monkeypatch):
    """`--attack deepfool` was reported after the model had loaded; the names are the core's."""
    import advviz.core.zoo as zoo
    from advviz.cli_common import ATTACK_NAMES
    from advviz.core.attacks import ATTACKS

    assert ATTACK_NAMES == tuple(ATTACKS)
    monkeypatch.setattr(zoo, "load_model", lambda *a, **k: pytest.fail("the model loaded before the check"))
    with pytest.raises(SystemExit) as exit_:
        main(["sweep", "--attack", "deepfool"])
    assert exit_.value.code == 2 and "unknown attack 'deepfool'; choose from fgsm" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf"])
def test_adv_train_refuses_a_learning_rate_while_parsing(capsys, value):
    """`adv-train --learning-rate -1` failed in torch ("Invalid learning rate") after the training data loaded."""
    with pytest.raises(SystemExit) as exit_:
        main(["adv-train", "--learning-rate", value])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "--learning-rate: must be a finite number > 0" in err


def test_diagnose_says_whether_it_clipped(capsys):
    code, out, _ = run(capsys, "diagnose", "--model", "mnist-softmax", "--samples", "20", "--no-clip")
    assert code == 0 and "unclipped" in out.splitlines()[0]
    code, out, _ = run(capsys, "diagnose", "--model", "mnist-softmax", "--samples", "20")
    assert code == 0 and "clipped to [0, 1]" in out.splitlines()[0]


def test_an_animation_too_large_for_memory_is_refused_before_rendering(capsys, monkeypatch):
    """241 frames 3,840 pixels wide: every frame is held until the GIF's palette is made (9 GB)."""
    import advviz.core.zoo as zoo

    monkeypatch.setattr(zoo, "load_model", lambda *a, **k: pytest.fail("the model loaded before the check"))
    code, _, err = run(capsys, "animate", "--steps", "241", "--width", "3840", "--out", "/tmp/advviz-never.gif")
    assert code == 2 and "would hold 9.4 GB in memory: at this width at most 51 steps" in err


def test_a_negative_eps_list_is_judged_on_its_values(capsys, monkeypatch):
    """`robustness --eps -0.1,0,0.1` said "expected one argument": argparse took the list for an option."""
    from cli_helpers import parse_error

    err = parse_error(capsys, monkeypatch, ["robustness", "--eps", "-0.1,0,0.1", "--samples", "20"])
    assert "ε must be a finite number ≥ 0, got '-0.1'" in err, err
