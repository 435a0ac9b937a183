#!/usr/bin/env bash
# Sets everything up, then runs every test (domain, store, CLI, UI offscreen, architecture contracts).
# Extra arguments go to pytest (e.g. -k search, -x).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
# In CI the PostgreSQL variants of the server tests must run: a missing PostgreSQL fails them
# instead of skipping them (tests/pg_cluster.py).
if [ "${CI:-}" = "true" ]; then export REQUIRE_POSTGRESQL=1; fi
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
