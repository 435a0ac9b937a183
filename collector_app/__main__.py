"""`python -m collector_app` runs the command line (the GUI when no sub-command is given)."""

from collector_app.cli import main

raise SystemExit(main())
