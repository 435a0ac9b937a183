#!/usr/bin/env bash
# The public receipt page (GET /v/<payload>) as a phone shows it, 390x844 at 2x, in Vietnamese and
# English, from a real run: a demo device enrols with a provincial server on SQLite, prints a receipt
# on the 80 mm roll; its QR code is read back from the roll rendered at 203 dpi (a thermal
# printer's resolution) with zbarimg, and headless Chromium opens that address before the device
# syncs (valid, not yet received), after (valid), and with the amount altered (not valid).
#   ./scripts/screenshot_verify.sh        -> docs/screenshots/verify-{valid,not-received,invalid}-{vi,en}.png
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/screenshots
bin=${VENV:-.venv}/bin
work=$(mktemp -d)
export COLLECTOR_APP_DATA_DIR="$work/app" PROVINCIAL_SERVER_DATA_DIR="$work/server"
export COLLECTOR_APP_USER=demo COLLECTOR_APP_PASSWORD=demo-2026
app=$bin/collector-app
server=$bin/provincial-server
json() { $bin/python -c "import json, sys; print(json.load(sys.stdin)$1)"; }

port=$($bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
$app init --full-name "Nguyễn Thị Thu (demo)" >/dev/null 2>&1  # (its recovery code is for a real store)
$app demo --people 12 >/dev/null
mkdir -p "$PROVINCIAL_SERVER_DATA_DIR"
$server serve --port "$port" --no-access-log >"$work/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  $bin/python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/api/v1/openapi.json', timeout=1)" \
    2>/dev/null && break
  sleep 0.2
done
point=$($app init --json | json '["point_code"]')
$server add-point "$point" "Điểm thu xã Tân Hòa" >/dev/null
for policy in resources/policy/*.toml; do $server publish-policy "$policy" >/dev/null; done
$app enrol --server "http://127.0.0.1:$port" --code "$($server enrolment-code "$point" --json | json '["code"]')" >/dev/null

$app receipt --all --layout roll80 --out "$work/receipts" >/dev/null
first=$(ls "$work/receipts"/*.pdf | head -n 1)
pdftoppm -r 203 -gray -png -singlefile "$first" "$work/roll"
url=$(zbarimg --quiet --raw "$work/roll.png")
echo "the roll's QR code: $url"
# The amount is the fourth field from the end: <amount>.<yyyymmdd>.<device>.<signature>
altered=$($bin/python -c 'import sys; f = sys.argv[1].split("."); f[-4] = str(int(f[-4]) + 1000000); print(".".join(f))' "$url")

shoot() {  # name url
  for lang in vi en; do
    chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/chromium" \
      --accept-lang="$lang" --window-size=390,844 --force-device-scale-factor=2 --hide-scrollbars \
      --screenshot="$out/verify-$1-$lang.png" "$2" >/dev/null 2>&1
  done
}
shoot not-received "$url"
$app sync >/dev/null
shoot valid "$url"
shoot invalid "$altered"
echo "screenshots: $out/verify-*.png"
