"""A new user's command lines (review G): what an installed advviz answered wrongly."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from cli_helpers import run


def test_a_data_set_alone_picks_that_data_sets_default_models(capsys):
    """`advviz sweep --dataset fashion` ran mnist-cnn and refused: "trained on mnist"."""
    code, out, err = run(capsys, "sweep", "--dataset", "fashion", "--steps", "3", "--json")
    assert code == 0, err
    assert json.loads(out)["model"] == "fashion-cnn"
    code, out, err = run(capsys, "transfer", "--dataset", "fashion", "--samples", "20", "--json")
    assert code == 0, err
    assert json.loads(out)["models"] == ["fashion-softmax", "fashion-mlp", "fashion-cnn"]
    code, out, err = run(capsys, "sweep", "--steps", "3", "--json")  # without --dataset: as before
    assert code == 0 and json.loads(out)["model"] == "mnist-cnn", err


def test_version_and_a_folder_given_as_a_session(capsys, tmp_path):
    from advviz import __version__

    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"advviz {__version__}"
    code, _, err = run(capsys, "--session", str(tmp_path))
    assert code == 2 and err.strip() == f"advviz: error: {tmp_path} is a folder, not a session file"


def test_the_advviz_gui_script_answers_help_without_opening_the_window():
    """`advviz-gui --help` opened the window (its arguments went to Qt)."""
    script = "import sys; sys.argv = ['advviz-gui', '--help']; from advviz.__main__ import run_gui; run_gui()"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("usage: advviz gui"), result.stderr
    assert "PySide6" not in result.stderr


def test_reproduce_subtracts_the_numbers_it_shows(capsys, monkeypatch):
    """88.8 beside 89.4 read "−0.7": the difference came from the unrounded 88.75."""
    from advviz.core import paper

    row = paper.PaperRow(experiment="FGSM", model="mnist-maxout", metric="error %", paper=89.4, ours=88.75)
    monkeypatch.setattr(paper, "reproduce_steps", lambda **_: iter([(1, 1, row)]))
    code, out, err = run(capsys, "reproduce", "--samples", "10")
    assert code == 0, err
    line = next(line for line in out.splitlines() if "mnist-maxout" in line)
    assert re.search(r"89\.4\s+88\.8\s+-0\.6\s*$", line), line
