#!/usr/bin/env bash
# CI, as root on a fresh Debian 12: builds the desktop .deb (scripts/package.sh desktop), installs it with
# dpkg -i, runs the INSTALLED `collector-app --version` and `--self-test` (offscreen), prints the bundle's
# sizes and its time to the first window, then upgrades (the same package again), removes and purges it,
# checking after each that a user's data file is untouched. Between, benchmarks/installed_start.py times a
# collector's start with the installed app on an X server (sign-in dialog, Enter to the main window) beside
# the checkout's virtualenv; at the end, the installed app takes a published update through to apt-get.
# Safe to repeat.
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
update_home=$(mktemp -d)
server_pid=""
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  rm -rf "$home" "$update_home"
}
trap cleanup EXIT
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

# An update as a collector takes it, to the end: the province publishes a newer package (this one, its
# version raised, packed fast) on a server (the checkout's, SQLite); the INSTALLED app enrols, learns of it
# at sync, downloads and checks it, and installs it with `update install` (apt-get: CI is root, where a
# collector's laptop asks for the administrator's password through pkexec).
step=$(date +%s)
install_deb
next=$(python3 -c 'import sys; major, minor, patch = sys.argv[1].split("."); print(f"{major}.{minor}.{int(patch) + 1}")' "$version")
dpkg-deb -R "$deb" "$update_home/package"
sed -i "s/^Version: .*/Version: $next/" "$update_home/package/DEBIAN/control"
update_deb=$update_home/collector-app_${next}_amd64.deb
dpkg-deb -Zgzip -z1 --root-owner-group -b "$update_home/package" "$update_deb" >/dev/null
rm -rf "$update_home/package"
server=(.venv/bin/provincial-server)
database=(--database-url "sqlite:///$update_home/server.sqlite3")
"${server[@]}" migrate "${database[@]}" >/dev/null
"${server[@]}" add-point KT02 "Điểm thu cập nhật" "${database[@]}" >/dev/null
"${server[@]}" publish-policy resources/policy/policy-*.toml "${database[@]}" >/dev/null
code=$("${server[@]}" enrolment-code KT02 --json "${database[@]}" | python3 -c 'import json, sys; print(json.load(sys.stdin)["code"])')
"${server[@]}" release-key new --out "$update_home/release-key" >/dev/null
"${server[@]}" publish-release "$update_deb" --version "$next" --platform linux-deb "${database[@]}" \
  --key "$update_home/release-key/release-key.pem" --releases-dir "$update_home/releases" --notes "Bản cập nhật thử" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${server[@]}" serve --port "$port" "${database[@]}" > "$update_home/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$update_home/serve.log"; echo "FAIL: the server stopped"; exit 1; }
  sleep 0.5
done
(
  export HOME=$update_home/user COLLECTOR_APP_USER=thu COLLECTOR_APP_PASSWORD=mat-khau-cap-nhat-2026
  mkdir -p "$HOME"
  made=$(printf '%s\n' "$COLLECTOR_APP_PASSWORD" | collector-app init --user thu --full-name "Nguyễn Thu" --password-stdin 2>&1) \
    || { echo "FAIL: collector-app init: $made"; exit 1; }
  collector-app --lang en enrol --server "http://127.0.0.1:$port" --code "$code" >/dev/null
  collector-app --lang en sync >/dev/null
  collector-app --lang en update check
  collector-app --lang en update download </dev/null
  collector-app --lang en update install
)
installed_now=$(dpkg-query -W -f='${Version}' collector-app)
[ "$installed_now" = "$next" ] || { echo "FAIL: after update install, dpkg has collector-app $installed_now"; exit 1; }
collector-app --version >/dev/null
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
echo "installers_desktop: $version updated to $next by the installed app (published, synced, downloaded," \
  "checked, installed with apt-get) in $(($(date +%s) - step)) s"
dpkg -P collector-app >/dev/null

unpacked=$(dpkg-deb -f "$deb" Installed-Size)
echo "installers_desktop: $deb $(du -m "$deb" | cut -f1) MB, unpacked $((unpacked / 1024)) MB;" \
  "first window ${first_window} s after start (self-test, offscreen);" \
  "built in $((built - started)) s, all in $(($(date +%s) - started)) s"
