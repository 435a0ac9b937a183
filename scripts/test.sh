#!/usr/bin/env bash
# Sets everything up, then runs every test (domain, store, CLI, UI offscreen, architecture contracts).
# Extra arguments go to pytest (e.g. -k search, -x).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
