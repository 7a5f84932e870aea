"""``python -m advviz`` and the ``advviz`` script: the command line, an early Ctrl+C included."""

import sys


def run() -> int:
    try:  # Ctrl+C in the first tenth of a second, while the command line imports, is an interruption, not a traceback
        from advviz.cli import main
    except KeyboardInterrupt:
        print("advviz: interrupted", file=sys.stderr)
        return 130
    return main()


if __name__ == "__main__":
    raise SystemExit(run())
