#!/usr/bin/env bash
# Builds the packages into dist/ on a fresh Debian 12 machine, installing what it needs itself:
#   dist/collector-app_<version>_amd64.deb   the desktop app: a PyInstaller bundle (installers/pyinstaller/
#                                            collector_app.spec) under /opt/collector-app
# and the server's package through scripts/package_server.sh when this checkout has it.
#   bash scripts/package.sh            both
#   bash scripts/package.sh desktop    the desktop .deb alone (.ci/installers_desktop.sh)
# The Windows installer is built on a Windows runner (.github/workflows/windows-installer.yml).
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
case $what in all|desktop) ;; *) echo "usage: package.sh [desktop]" >&2; exit 2 ;; esac

bash scripts/setup.sh  # Debian packages, .venv from requirements/desktop.lock, the project
# (setup.sh's Debian packages include binutils, whose objdump PyInstaller and build_deb.sh need; dpkg-deb
# comes with dpkg.) PyInstaller from requirements/build.lock, beside the versions the tests ran.
.venv/bin/python -m pip install -q --require-hashes -r requirements/build.lock

start=$(date +%s)
rm -rf dist/collector-app build/pyinstaller
# (ERROR: the modules left out on purpose would each print a warning.)
.venv/bin/pyinstaller --noconfirm --log-level ERROR --distpath dist --workpath build/pyinstaller \
  installers/pyinstaller/collector_app.spec
echo "package: bundle dist/collector-app, $(du -sm dist/collector-app | cut -f1) MB, built in $(($(date +%s) - start)) s"
bash installers/linux/build_deb.sh dist/collector-app dist

if [ "$what" = all ] && [ -f scripts/package_server.sh ]; then
  bash scripts/package_server.sh
fi
