from advviz.cli import main

raise SystemExit(main())
