#!/usr/bin/env bash
# CI, issue 14 §3: the provincial server as a province installs it. Builds the server's .deb
# (scripts/package_server.sh), installs it with dpkg -i, checks the systemd unit (systemd-analyze verify),
# creates a PostgreSQL role and database in a cluster of its own, reinstalls the package so that its
# postinst migrates the configured database, starts the server exactly as the unit would (its user, its
# environment file, its ExecStart, its working folder: there is no systemd as PID 1 here), enrols a device
# with the project's own `collector-app` (from the checkout's .venv) and syncs a payment batch to the
# INSTALLED server on 127.0.0.1, backs up, adds data, restores through the installed command and syncs
# again, then removes the package. Prints sizes and times. Run as root on Debian 12, from a checkout where
# scripts/setup.sh has made .venv (CI: after scripts/test.sh): bash .ci/installers_server.sh
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$PWD
started=$(date +%s)
say() { echo "installers_server: $*"; }
elapsed() { echo "$(( $(date +%s) - $1 )) s"; }

[ "$(id -u)" = 0 ] || { say "must run as root (dpkg -i)"; exit 1; }
missing=()
for program in dpkg-deb:dpkg pg_dump:postgresql-client systemd-analyze:systemd runuser:util-linux; do
  command -v "${program%%:*}" >/dev/null || missing+=("${program#*:}")
done
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
/usr/bin/python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
[ -x .venv/bin/python ] || bash scripts/setup.sh
client=(env PYTHONPATH="$checkout" "$checkout/.venv/bin/python" -m collector_app)

work=$(mktemp -d /tmp/installers-server-XXXXXX)
chmod 755 "$work"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ -f "$work/pg/data/postmaster.pid" ] && su postgres -s /bin/sh -c "$pg_bin/pg_ctl -D $work/pg/data -m fast -w stop" >/dev/null || true
  if dpkg -s provincial-server >/dev/null 2>&1; then dpkg --purge provincial-server >/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

step=$(date +%s)
bash scripts/package_server.sh
deb=$(ls dist/provincial-server_*_amd64.deb)
say "built $deb in $(elapsed "$step")"

step=$(date +%s)
dpkg -i "$deb" | tee "$work/install.log"
grep -q "no PostgreSQL database in" "$work/install.log"  # an unconfigured machine: told, not failed
say "installed in $(elapsed "$step"): $(du -sm /opt/provincial-server | cut -f1) MB in /opt/provincial-server"
provincial-server --version
if /opt/provincial-server/venv/bin/python -c 'import PySide6' 2>/dev/null; then say "FAILED: PySide6 is installed"; exit 1; fi
test -f /etc/nginx/sites-available/provincial-server && ! test -e /etc/nginx/sites-enabled/provincial-server
say "systemd-analyze verify:"
systemd-analyze verify /lib/systemd/system/provincial-server.service
say "the unit checks out"

step=$(date +%s)
mkdir -p "$work/pg" && chown postgres: "$work/pg"
pg_port=$(free_port)
password=$(/usr/bin/python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
su postgres -s /bin/sh -c "$pg_bin/initdb -D $work/pg/data -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale --no-sync" >/dev/null
su postgres -s /bin/sh -c "$pg_bin/pg_ctl -D $work/pg/data -l $work/pg/log -o '-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1' -w start" >/dev/null
su postgres -s /bin/sh -c "psql -q -h $work/pg -p $pg_port -d postgres -v ON_ERROR_STOP=1" <<SQL
CREATE ROLE bhxh LOGIN PASSWORD '$password';
CREATE DATABASE bhxh OWNER bhxh ENCODING 'UTF8';
SQL
say "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on port $pg_port, role and database bhxh, in $(elapsed "$step")"

port=$(free_port)
environment=/etc/provincial-server/environment
sed -i -e "s|^#\?PROVINCIAL_SERVER_DATABASE_URL=.*|PROVINCIAL_SERVER_DATABASE_URL='postgresql+psycopg://bhxh:$password@127.0.0.1:$pg_port/bhxh'|" \
       -e "s|^PROVINCIAL_SERVER_PORT=.*|PROVINCIAL_SERVER_PORT='$port'|" "$environment"
step=$(date +%s)
dpkg -i "$deb"  # as an upgrade would: the postinst migrates the configured database
say "reinstalled (postinst migrated) in $(elapsed "$step")"

# As the unit starts it: its User, EnvironmentFile, WorkingDirectory and ExecStart.
unit=/lib/systemd/system/provincial-server.service
user=$(sed -n 's/^User=//p' "$unit")
folder=$(sed -n 's/^WorkingDirectory=//p' "$unit")
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
step=$(date +%s)
(set -a; . "$environment"; set +a; cd "$folder"; eval "exec runuser -u $user -- $exec_start") > "$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log"; say "FAILED: the server stopped"; exit 1; }
  sleep 0.5
done
say "the installed server answers on 127.0.0.1:$port after $(elapsed "$step") (as $user, $(grep -c . "$work/serve.log") log lines)"
ps -eo user:20,args | grep "[s]erve --host" | cut -c1-120 || true

provincial-server add-point BD01 "Điểm Bưu điện - Văn hóa xã Đông Anh" --commune 00070  # the installed units
provincial-server publish-policy /opt/provincial-server/venv/share/collector-app/resources/policy/policy-*.toml
code=$(provincial-server enrolment-code BD01 --json | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["code"])')

export COLLECTOR_APP_DATA_DIR=$work/device COLLECTOR_APP_USER=thu COLLECTOR_APP_PASSWORD=mat-khau-2026 COLLECTOR_APP_LANG=en
printf '%s\n' "$COLLECTOR_APP_PASSWORD" | "${client[@]}" init --user thu --full-name "Nguyễn Thu" --password-stdin >/dev/null
"${client[@]}" demo --people 8 >/dev/null  # households, people and a first payment
household=$("${client[@]}" export households --out "$work/households.csv" >/dev/null && sed -n '2s/^\xef\xbb\xbf//; 2s/,.*//p' "$work/households.csv")
"${client[@]}" pay hi --household "$household" --months 12 >/dev/null
step=$(date +%s)
"${client[@]}" enrol --server "http://127.0.0.1:$port" --code "$code"
"${client[@]}" sync
say "enrolled and synced in $(elapsed "$step")"
device=$("${client[@]}" status --json)
server_figures=$(provincial-server summary --json)
echo "device: $device"
echo "server: $server_figures"
same() { /usr/bin/python3 - "$device" "$server_figures" <<'PY'
import json, sys
device, server = (json.loads(text) for text in sys.argv[1:3])
sealed = device.get("sealed", device)
assert server["payments"] >= 2 and server["rejected_records"] == 0, server
for key in ("batches", "records", "payments_total"):
    assert sealed[key] == server[key], (key, sealed[key], server[key])
print(f"installers_server: the device and the installed server agree: {server['batches']} batches, "
      f"{server['records']} records, {server['payments_total']:,} VND")
PY
}
same

backups=$work/backups
install -d "$backups"
step=$(date +%s)
provincial-server backup --out "$backups/bhxh.dump"
say "backed up in $(elapsed "$step"): $(du -k "$backups/bhxh.dump" | cut -f1) KiB"
provincial-server add-point BD99 "Điểm thêm sau bản sao lưu"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""  # the restore drill: the server stopped
step=$(date +%s)
provincial-server restore "$backups/bhxh.dump" --force
say "restored in $(elapsed "$step")"
if provincial-server add-point BD99 "Điểm thêm lại" >/dev/null; then say "BD99 is gone after the restore, as it should be"
else say "FAILED: BD99 survived the restore"; exit 1; fi
server_figures=$(provincial-server summary --json)
same

step=$(date +%s)
dpkg -r provincial-server
test ! -e /usr/bin/provincial-server && test ! -e /opt/provincial-server
test -f "$environment"  # a conffile: kept until purge, with the database's password
say "removed in $(elapsed "$step") (the environment file and /var/lib/provincial-server are kept)"
dpkg --purge provincial-server >/dev/null
test ! -e "$environment" && test -d /var/lib/provincial-server  # purged: the settings go, the data stays
say "purged: the environment file is gone, /var/lib/provincial-server kept"
say "all done in $(elapsed "$started")"
