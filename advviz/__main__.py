"""``python -m advviz`` and the ``advviz`` script: the command line, an early Ctrl+C included."""

import sys


def run(argv: list[str] | None = None) -> int:
    try:  # Ctrl+C in the first tenth of a second, while the command line imports, is an interruption, not a traceback
        from advviz.cli import main
    except KeyboardInterrupt:
        print("advviz: interrupted", file=sys.stderr)
        return 130
    return main(argv)


def run_gui() -> int:
    """The ``advviz-gui`` script: ``advviz gui`` (its --help and --session; it had opened the window for --help)."""
    return run(["gui", *sys.argv[1:]])


if __name__ == "__main__":
    raise SystemExit(run())
