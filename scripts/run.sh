#!/usr/bin/env bash
# Sets everything up, then opens the app on its embedded default: a local store in ./data filled
# with demo data on first start, and the provincial server on SQLite beside it (./server-data,
# http://127.0.0.1:8000) with this device enrolled, so `collector-app sync` works at once.
# Extra arguments go to collector-app (e.g. --lang en).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

export COLLECTOR_APP_DATA_DIR="${COLLECTOR_APP_DATA_DIR:-$PWD/data}"
export PROVINCIAL_SERVER_DATA_DIR="${PROVINCIAL_SERVER_DATA_DIR:-$PWD/server-data}"
SERVER_PORT="${SERVER_PORT:-8000}"
SERVER_URL="http://127.0.0.1:$SERVER_PORT"
app=.venv/bin/collector-app
server=.venv/bin/provincial-server

# The demo store's first user (a collector); the window asks for this password at sign-in.
export COLLECTOR_APP_USER="${COLLECTOR_APP_USER:-demo}"
export COLLECTOR_APP_PASSWORD="${COLLECTOR_APP_PASSWORD:-demo-2026}"
$app init --full-name "Nguyễn Thị Thu (demo)"
$app demo --people 3000 --if-empty
echo "run: sign in as $COLLECTOR_APP_USER with the password $COLLECTOR_APP_PASSWORD"

mkdir -p "$PROVINCIAL_SERVER_DATA_DIR"
$server serve --port "$SERVER_PORT" >>"$PROVINCIAL_SERVER_DATA_DIR/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  .venv/bin/python -c "import urllib.request; urllib.request.urlopen('$SERVER_URL/api/v1/openapi.json', timeout=1)" \
    2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { echo "run: the server did not start; see $PROVINCIAL_SERVER_DATA_DIR/server.log"; exit 1; }
  sleep 0.2
done
echo "run: provincial server on $SERVER_URL (log: $PROVINCIAL_SERVER_DATA_DIR/server.log)"
# A SAMPLE list of health-care facilities (codes MAU-..., never official ones) for the demo server's
# feed, loaded only while the server has none: a list loaded since by hand is never replaced.
$server load-facilities --if-empty resources/facilities/sample-facilities.csv >/dev/null

if [ "$($app status --json | .venv/bin/python -c 'import json, sys; print(json.load(sys.stdin)["enrolled"])')" != "True" ]; then
  point=$($app init --json | .venv/bin/python -c 'import json, sys; d = json.load(sys.stdin); print(d["point_code"])')
  $server add-point "$point" "Điểm thu demo" >/dev/null 2>&1 || true  # already there on a re-run
  for policy in resources/policy/*.toml; do $server publish-policy "$policy" >/dev/null; done
  code=$($server enrolment-code "$point" --json | .venv/bin/python -c 'import json, sys; print(json.load(sys.stdin)["code"])')
  $app enrol --server "$SERVER_URL" --code "$code"
fi

$app "$@"
