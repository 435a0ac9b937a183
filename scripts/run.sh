#!/usr/bin/env bash
# Sets everything up, then opens the app on its embedded default: a local store in ./data filled
# with demo data on first start. Extra arguments go to collector-app (e.g. --lang en).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export COLLECTOR_APP_DATA_DIR="${COLLECTOR_APP_DATA_DIR:-$PWD/data}"
.venv/bin/collector-app init
.venv/bin/collector-app demo --people 3000 --if-empty
exec .venv/bin/collector-app "$@"
