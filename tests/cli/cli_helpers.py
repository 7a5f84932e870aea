"""Shared helpers of the CLI tests (tests/cli is on sys.path)."""

from __future__ import annotations

import pytest

from advviz.cli import main


def parse_error(capsys, monkeypatch, argv: list[str]) -> str:
    """The one-line message of arguments refused while parsing, before any model loads."""
    import advviz.core.zoo as zoo

    def no_loading(*args, **kwargs):
        raise AssertionError("a model was loaded for arguments that should be refused while parsing")

    monkeypatch.setattr(zoo, "load_model", no_loading)
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``advviz ARGV`` (argparse's refusals included)."""
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse refuses the argument
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err
