"""Fresh-eyes review of the command line (review 7b): what a new user met, each with the behaviour fixed."""

from __future__ import annotations

import pytest
from cli_helpers import parse_error


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
