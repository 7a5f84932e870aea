import sys

try:  # Ctrl+C in the first tenth of a second, while the command line imports, is an interruption, not a traceback
    from advviz.cli import main
except KeyboardInterrupt:
    print("advviz: interrupted", file=sys.stderr)
    raise SystemExit(130) from None

raise SystemExit(main())
