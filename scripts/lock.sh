#!/usr/bin/env bash
# Brings the hashed dependency locks in requirements/ in step with pyproject.toml, for Python 3.11 on
# Linux x86_64 with glibc 2.36 (Debian 12):
#   desktop.lock  the app, the server it is tested against and the test tools (`.[test]`): what
#                 scripts/setup.sh and CI install
#   server.lock   the server alone (`.[server]`): no Qt, no desktop-only package; its shared packages
#                 pinned to the desktop lock's versions, so the server runs what the tests ran
#   build.lock    PyInstaller (`.[build]`), installed over the desktop lock by scripts/package.sh to build
#                 the desktop bundle; its shared packages pinned to the desktop lock's versions too
# Versions already locked are kept when they still satisfy pyproject.toml; `--upgrade` takes the newest
# allowed. Needs the network (PyPI). Then `bash scripts/setup.sh` installs the new lock.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
UV=${UV:-.venv/bin/uv}
if [ ! -x "$UV" ]; then
  echo "lock: installing uv $UV_VERSION into .venv"
  .venv/bin/python -m pip install -q "uv==$UV_VERSION"
fi
upgrade=()
if [ "${1:-}" = "--upgrade" ]; then upgrade=(--upgrade); fi

compile() {
  local output=$1
  shift
  "$UV" pip compile pyproject.toml --quiet --generate-hashes --python-version 3.11 \
    --python-platform x86_64-manylinux_2_36 --custom-compile-command "bash scripts/lock.sh" \
    "${upgrade[@]}" --output-file "$output" "$@"
}
compile requirements/desktop.lock --extra test
compile requirements/server.lock --extra server --constraint requirements/desktop.lock
compile requirements/build.lock --extra build --constraint requirements/desktop.lock
echo "lock: requirements/desktop.lock ($(grep -c '==' requirements/desktop.lock) packages)," \
  "requirements/server.lock ($(grep -c '==' requirements/server.lock) packages)," \
  "requirements/build.lock ($(grep -c '==' requirements/build.lock) packages)"
