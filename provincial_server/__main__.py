"""`python -m provincial_server` is `provincial-server`."""

from __future__ import annotations

import sys

from provincial_server.cli import main

sys.exit(main())
