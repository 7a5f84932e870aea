"""Fresh-eyes review of the command line (review 7b): what a new user met, each with the behaviour fixed."""

from __future__ import annotations

import pytest

from advviz.cli import main
from cli_helpers import parse_error, run


@pytest.mark.parametrize("argv,prog,extra", [
    (["transfer", "--target", "3"], "advviz transfer", "--target 3"),
    (["models", "--precision", "bfloat16"], "advviz models", "--precision bfloat16"),
    (["gui", "--json"], "advviz gui", "--json"),
    (["--bogus"], "advviz", "--bogus"),
], ids=["transfer", "models", "gui", "no-command"])
def test_an_unknown_option_is_refused_by_the_command_that_was_given_it(capsys, monkeypatch, argv, prog, extra):
    """`advviz transfer --target 3` said 'advviz: error: unrecognized arguments: --target 3 (see advviz --help)':
    neither the command nor a help that lists its options."""
    err = parse_error(capsys, monkeypatch, argv)
    assert err.startswith(f"{prog}: error: unrecognized arguments: {extra} (see {prog} --help)")


@pytest.mark.parametrize("argv", [
    ["sweep", "--model", "mnist-softmax", "--steps", "3"],
    ["transfer", "--models", "mnist-softmax,mnist-mlp", "--samples", "5"],
    ["robustness", "--model", "mnist-softmax", "--eps", "0.1", "--samples", "5"],
], ids=["sweep", "transfer", "robustness"])
def test_clipped_and_unclipped_runs_say_which_they_are(capsys, argv):
    """`robustness` and `robustness --no-clip` printed the same header (and JSON) above different numbers
    (mnist-maxout-adv: 47% against 64% FGSM error), as did sweep and transfer."""
    import json

    for extra, words, clip in (([], "clipped to [0, 1]", True), (["--no-clip"], "unclipped", False)):
        code, out, _ = run(capsys, *argv, *extra)
        header = out.splitlines()[0]
        assert code == 0 and (f", {words}," in header or f"; {words};" in header), header
        code, out, _ = run(capsys, *argv, *extra, "--json")
        assert code == 0 and json.loads(out)["clip"] is clip


def test_reproduce_says_its_fgsm_is_clipped_unlike_the_papers(capsys):
    import json

    code, out, _ = run(capsys, "reproduce", "--samples", "2")
    assert code == 0 and "FGSM ε = 0.25 (x̃ clipped to [0, 1], the paper's unclipped)" in out.splitlines()[0]
    code, out, _ = run(capsys, "reproduce", "--samples", "2", "--json")
    assert code == 0 and json.loads(out)["clip"] is True


@pytest.mark.parametrize("command,option", [
    ("sweep", "--eps-max"), ("animate", "--eps-max"), ("transfer", "--eps"), ("robustness", "--eps"),
])
def test_the_help_of_an_eps_option_gives_the_l2_attacks_scale(capsys, monkeypatch, command, option):
    """`sweep --attack fgm-l2` kept the default ε_max of 0.5 (an L2 norm: FGSM's 0.25 is up to 7) and said
    'does not flip', read as robustness; the help said only 'pixel units on [0, 1]'."""
    import re

    monkeypatch.setenv("COLUMNS", "1000")  # one line per option
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    eps_help = re.search(rf"^  {option} \S+\s+(.*)$", out, re.MULTILINE).group(1)
    attack_help = re.search(r"^  --attack \S+\s+(.*)$", out, re.MULTILINE).group(1)
    assert "for fgm-l2: the L2 norm of η, at most 28" in eps_help and "fgm-l2 takes ε as an L2 norm" in attack_help


def test_a_sweep_of_two_eps_claims_no_linearity(capsys):
    """`sweep --steps 2` said 'mean R² of the logits along ε: 1.0000' for any model: a line through two points
    always fits (linearity refuses --steps 2 for that reason)."""
    import json

    argv = ["sweep", "--model", "mnist-cnn", "--steps", "2"]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "R² of the logits along ε: — (a line through 2 values of ε always fits)" in out
    assert "1.0000" not in out.splitlines()[0]
    code, out, _ = run(capsys, *argv, "--json")
    assert code == 0 and json.loads(out)["r2_per_class"] is None
    code, out, _ = run(capsys, "sweep", "--model", "mnist-cnn", "--steps", "3", "--json")
    assert code == 0 and len(json.loads(out)["r2_per_class"]) == 10


@pytest.mark.parametrize("argv,key", [
    (["transfer", "--models", "{d}-softmax,{d}-mlp", "--samples", "5"], "eps"),
    (["linear", "--model", "{d}-softmax"], "eps"),
    (["diagnose", "--model", "{d}-softmax", "--samples", "5"], "requested_eps"),
], ids=["transfer", "linear", "diagnose"])
def test_eps_defaults_to_the_data_sets_fgsm_eps(capsys, argv, key):
    """`transfer --models fashion-softmax,fashion-mlp,fashion-cnn` attacked with ε = 0.25 (every cell 84–100 %),
    where advviz models, the window and adv-train use Fashion-MNIST's 0.1."""
    import json

    for dataset, eps in (("fashion", 0.1), ("mnist", 0.25)):
        code, out, _ = run(capsys, *[a.format(d=dataset) for a in argv], "--json")
        assert code == 0 and json.loads(out)[key] == pytest.approx(eps)
    code, out, _ = run(capsys, *[a.format(d="fashion") for a in argv], "--eps", "0.3", "--json")
    assert code == 0 and json.loads(out)[key] == pytest.approx(0.3)  # a given ε is kept


@pytest.mark.parametrize("given,says", [
    (["--dataset", "mnist"], "give its architecture (--architecture softmax, mlp, maxout, cnn or rbf)\n"),
    (["--architecture", "mlp"], "give its data set (--dataset mnist or fashion)\n"),
    ([], "give its architecture (--architecture softmax, mlp, maxout, cnn or rbf) and its data set (--dataset mnist "
     "or fashion)\n"),
], ids=["architecture-missing", "dataset-missing", "both-missing"])
def test_a_weights_file_is_told_which_option_it_lacks(capsys, tmp_path, given, says):
    """`sweep --model w.pt --dataset mnist` said 'give its architecture (…) and data set (mnist, fashion)':
    the data set was given, and neither was named as the option to give."""
    import torch

    from advviz.core.zoo import load_model

    path = tmp_path / "w.pt"
    torch.save(load_model("mnist-softmax").state_dict(), path)
    code, _, err = run(capsys, "sweep", "--model", str(path), "--steps", "2", *given)
    assert code == 2 and err.endswith(f"{path} is a weights file: {says}"), err


def test_ctrl_c_while_python_m_advviz_imports_is_an_interruption():
    """`timeout -s INT 0.2 python -m advviz models` printed a KeyboardInterrupt traceback from the import of
    advviz.cli (main() turns a later Ctrl+C into 'interrupted', exit 130)."""
    import subprocess
    import sys

    interrupt_import = (
        "import runpy, sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'advviz.cli':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "sys.argv = ['advviz', 'models']\n"
        "runpy.run_module('advviz', run_name='__main__')\n")
    done = subprocess.run([sys.executable, "-c", interrupt_import], capture_output=True, text=True, timeout=60)
    assert done.returncode == 130 and done.stderr == "advviz: interrupted\n", done.stderr


def test_one_test_image_is_one_image(capsys):
    code, out, _ = run(capsys, "diagnose", "--model", "mnist-mlp", "--samples", "1")
    assert code == 0 and "on 1 test image," in out


def test_the_advviz_script_treats_ctrl_c_during_its_imports_as_an_interruption(monkeypatch, capsys):
    """The script (pyproject's entry point) had the traceback that python -m advviz no longer has."""
    import sys
    import tomllib
    import types
    from pathlib import Path

    from advviz.__main__ import run

    scripts = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["advviz"] == "advviz.__main__:run"

    class Interrupted(types.ModuleType):
        def __getattr__(self, name):
            raise KeyboardInterrupt

    monkeypatch.setitem(sys.modules, "advviz.cli", Interrupted("advviz.cli"))
    assert run() == 130 and capsys.readouterr().err == "advviz: interrupted\n"
