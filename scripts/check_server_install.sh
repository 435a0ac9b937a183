#!/usr/bin/env bash
# Installs the server as a province would, in a fresh virtualenv of its own: requirements/server.lock
# (hashes checked) and this checkout's wheel without its dependencies. Then `provincial-server --help` and
# `migrate` on a new SQLite file must work, and PySide6 must be absent. Prints the virtualenv's size
# beside the desktop's (.venv). Usage: bash scripts/check_server_install.sh [VENV_DIR] (default: a
# temporary folder, removed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
venv=${1:-$work/venv}

echo "check: a fresh virtualenv in $venv with $($PYTHON --version)"
"$PYTHON" -m venv "$venv"
"$venv/bin/python" -m pip install -q --require-hashes -r requirements/server.lock
# Not editable: the wheel carries the shared resources (administrative units, policy tables) as data files
# under the virtualenv's share/collector-app/resources, where the server finds them without this checkout.
"$venv/bin/python" -m pip install -q --no-deps .

"$venv/bin/provincial-server" --help >/dev/null
echo "check: provincial-server --help works"
"$venv/bin/provincial-server" migrate --database-url "sqlite:///$work/server.sqlite3"
(cd "$work" && "$venv/bin/provincial-server" add-point BD01 "Điểm thu" --commune 00070 \
  --database-url "sqlite:///$work/server.sqlite3")  # the commune found in the installed administrative units
"$venv/bin/provincial-server" publish-policy "$venv"/share/collector-app/resources/policy/policy-*.toml \
  --database-url "sqlite:///$work/server.sqlite3"
for module in PySide6 reportlab babel; do
  if "$venv/bin/python" -c "import $module" 2>/dev/null; then
    echo "check: FAILED: $module is installed in the server's virtualenv" >&2
    exit 1
  fi
  echo "check: $module is absent, as it should be"
done
echo "check: server virtualenv $(du -sm "$venv" | cut -f1) MB, $("$venv/bin/python" -m pip list 2>/dev/null | tail -n +3 | wc -l) packages"
if [ -d .venv ]; then
  echo "check: desktop virtualenv (.venv) $(du -sm .venv | cut -f1) MB, $(.venv/bin/python -m pip list 2>/dev/null | tail -n +3 | wc -l) packages"
fi
echo "check: the server installs and migrates without the desktop's packages"
