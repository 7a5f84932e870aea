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
