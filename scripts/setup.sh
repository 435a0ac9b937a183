#!/usr/bin/env bash
# Sets this checkout up on a fresh Debian 12 machine with Python 3.11: system packages (apt-get, as
# root or through sudo), a virtual environment in .venv and the project with its test tools, their
# versions and hashes from requirements/desktop.lock.
# Safe to repeat: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  python3 python3-venv python3-pip
  fonts-dejavu-core poppler-utils xvfb xauth
  # Qt 6 (PySide6) on X11 or offscreen
  libgl1 libegl1 libopengl0 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
  libx11-xcb1 libxrender1 libxi6 libxext6 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-render-util0 libxcb-shape0 libxcb-randr0 libxcb-xkb1 libxcb-xinerama0 libxcb-xfixes0 libxcb-sync1
  libnss3 libasound2
  # the provincial server's tests and benchmarks start a throw-away PostgreSQL cluster (tests/pg_cluster.py)
  postgresql
  # `collector-app print` is tested against a real CUPS queue (tests/printing/test_cups.py): the
  # scheduler, a PDF queue's driver, and zbar to decode the QR code of what the queue wrote
  cups printer-driver-cups-pdf zbar-tools
  # the public receipt page's tests open it in a real browser (tests/browser.py)
  chromium
  # packaging (scripts/package.sh, tests/test_installers.py): objdump reads the bundle's ELF headers for
  # PyInstaller and the .deb's Depends; desktop-file-validate checks the desktop entry
  binutils desktop-file-utils
)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
# The dependencies come from the hashed lock (requirements/desktop.lock: the app, the server and the test
# tools, made by scripts/lock.sh), then the project itself without them. Reinstall only when the
# dependency list or its lock changed.
stamp=.venv/.installed-$(cat pyproject.toml requirements/desktop.lock | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "setup: installing the locked dependencies and the project into .venv"
  .venv/bin/python -m pip install -q --require-hashes -r requirements/desktop.lock
  .venv/bin/python -m pip install -q --no-deps -e .
  rm -f .venv/.installed-* && touch "$stamp"
fi
