#!/usr/bin/env bash
# CI, as root on a fresh Debian 12: builds the desktop .deb (scripts/package.sh desktop), installs it with
# dpkg -i, runs the INSTALLED `collector-app --version` and `--self-test` (offscreen), prints the bundle's
# sizes and its time to the first window, then upgrades (the same package again), removes and purges it,
# checking after each that a user's data file is untouched. Between, benchmarks/installed_start.py times a
# collector's start with the installed app on an X server (sign-in dialog, Enter to the main window) beside
# the checkout's virtualenv. Safe to repeat.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

bash scripts/package.sh desktop
version=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
deb=dist/collector-app_${version}_amd64.deb
built=$(date +%s)

install_deb() {
  # dpkg refuses a package whose Depends are missing; apt-get -f then installs them and finishes the job.
  dpkg -i "$deb" || DEBIAN_FRONTEND=noninteractive apt-get -f install -y -q --no-install-recommends
  dpkg-query -W -f='${Status}\n' collector-app | grep -qx "install ok installed"
}
install_deb
# The installed command, from PATH, not the checkout's: the test leaves the virtualenv out of PATH.
installed=$(command -v collector-app)
[ "$(readlink -f "$installed")" = /opt/collector-app/collector-app ] || { echo "FAIL: collector-app is $installed"; exit 1; }

said=$(collector-app --version)
[ "$said" = "collector-app $version" ] || { echo "FAIL: --version says $said"; exit 1; }
echo "installed: $installed: $said"
line=$(QT_QPA_PLATFORM=offscreen collector-app --lang en --self-test)
echo "installed: $line"
first_window=$(sed -n 's/.*shown \([0-9.]*\) s after the program started.*/\1/p' <<<"$line")
[ -n "$first_window" ] || { echo "FAIL: the self-test did not say when the window was shown"; exit 1; }

# A collector's start with the installed app: the X server and the typing tool it needs first.
for program in Xvfb:xvfb xdotool:xdotool; do
  command -v "${program%%:*}" >/dev/null \
    || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${program#*:}" >/dev/null
done
[ -x .venv/bin/python ] || bash scripts/setup.sh
.venv/bin/python benchmarks/installed_start.py --program "$installed" --runs 5

# A user's data, in the data folder the app uses (platformdirs: ~/.local/share/collector-app), made by the
# installed app itself in a home of its own.
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export HOME=$home
unset XDG_DATA_HOME COLLECTOR_APP_DATA_DIR
# (Its output, a recovery code among it, is shown only if it fails.)
made=$(printf 'Kiểm tra cài đặt 2026\n' | collector-app init --point-code KT01 --device-code M1 \
  --point-name "Điểm thu kiểm tra" --user ci --full-name "Nguyễn Văn Kiểm" --password-stdin 2>&1) \
  || { echo "FAIL: collector-app init: $made"; exit 1; }
store="$home/.local/share/collector-app/collector.sqlite3"
[ -f "$store" ] || { echo "FAIL: no data file at $store"; exit 1; }
user_files() { (cd "$home" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
fingerprint=$(user_files)
still_there() {
  [ "$(user_files)" = "$fingerprint" ] \
    || { echo "FAIL: the user's data changed after $1"; exit 1; }
  echo "data kept after $1"
}
install_deb && still_there "an upgrade (dpkg -i again)"
dpkg -r collector-app >/dev/null && still_there "dpkg -r"
[ ! -e /opt/collector-app ] && ! command -v collector-app >/dev/null || { echo "FAIL: dpkg -r left the app"; exit 1; }
install_deb && dpkg -P collector-app >/dev/null && still_there "dpkg -P (purge)"

unpacked=$(dpkg-deb -f "$deb" Installed-Size)
echo "installers_desktop: $deb $(du -m "$deb" | cut -f1) MB, unpacked $((unpacked / 1024)) MB;" \
  "first window ${first_window} s after start (self-test, offscreen);" \
  "built in $((built - started)) s, all in $(($(date +%s) - started)) s"
