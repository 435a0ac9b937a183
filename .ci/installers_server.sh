#!/usr/bin/env bash
# CI, issue 14 §3: the provincial server as a province installs it. Builds the server's .deb
# (scripts/package_server.sh), installs it with dpkg -i, checks the systemd unit (systemd-analyze verify),
# creates a PostgreSQL role and database in a cluster of its own, reinstalls the package so that its
# postinst migrates the configured database, starts the server exactly as the unit would (its user, its
# environment file, its ExecStart, its working folder: there is no systemd as PID 1 here), enrols a device
# with the project's own `collector-app` (from the checkout's .venv) and syncs a payment batch to the
# INSTALLED server through the package's nginx site (checked with `nginx -t`, run with a certificate of a
# throw-away certificate authority the device is given at enrolment, as a province's own CA would be),
# publishes a release and downloads it through nginx, backs up, adds data, restores through the installed
# command and syncs again, then removes the package. Prints sizes and times. Run as root on Debian 12, from a checkout where
# scripts/setup.sh has made .venv (CI: after scripts/test.sh): bash .ci/installers_server.sh
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$PWD
started=$(date +%s)
say() { echo "installers_server: $*"; }
elapsed() { echo "$(( $(date +%s) - $1 )) s"; }

[ "$(id -u)" = 0 ] || { say "must run as root (dpkg -i)"; exit 1; }
missing=()
for program in dpkg-deb:dpkg pg_dump:postgresql-client systemd-analyze:systemd runuser:util-linux nginx:nginx \
               openssl:openssl curl:curl; do
  command -v "${program%%:*}" >/dev/null || missing+=("${program#*:}")
done
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
/usr/bin/python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  # Their services are not to start (this script runs its own PostgreSQL and nginx): where no policy says
  # so already, one does for the install, so that nginx's default site cannot fail it (port 80, no IPv6).
  denied=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && denied=yes
  fi
  status=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
    || status=$?
  [ -z "$denied" ] || rm -f /usr/sbin/policy-rc.d
  [ "$status" = 0 ] || { say "FAILED: apt-get could not install ${missing[*]}"; exit "$status"; }
fi
[ -x .venv/bin/python ] || bash scripts/setup.sh
client=(env PYTHONPATH="$checkout" "$checkout/.venv/bin/python" -m collector_app)

work=$(mktemp -d /tmp/installers-server-XXXXXX)
chmod 755 "$work"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ -f "$work/nginx/nginx.pid" ] && nginx -c "$work/nginx/nginx.conf" -s stop 2>/dev/null || true
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

# The nginx site as the package installs it, with what a province edits (its name, its certificate) and
# what this machine needs (free ports, the server's port) put in; each replacement must take, so that a
# change of the site's shape stops here instead of testing something else.
step=$(date +%s)
mkdir -p "$work/tls" "$work/nginx"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=CA thu cua tinh" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$work/tls/ca.key" -out "$work/tls/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
  -keyout "$work/tls/privkey.pem" -out "$work/tls/server.csr" 2>/dev/null
openssl x509 -req -in "$work/tls/server.csr" -CA "$work/tls/ca.pem" -CAkey "$work/tls/ca.key" -CAcreateserial -days 2 \
  -extfile <(printf '%s\n' "subjectAltName=DNS:localhost" "basicConstraints=critical,CA:FALSE" \
             "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
             "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid") \
  -out "$work/tls/fullchain.pem" 2>/dev/null
http_port=$(free_port)
https_port=$(free_port)
site=$work/nginx/provincial-server
sed -e "s|/etc/letsencrypt/live/bhxh.example.vn/|$work/tls/|g" -e "s|bhxh.example.vn|localhost|g" \
    -e "s|server 127.0.0.1:8000;|server 127.0.0.1:$port;|" \
    -e "s|listen 80;|listen 127.0.0.1:$http_port;|" -e "s|listen 443 ssl|listen 127.0.0.1:$https_port ssl|" \
    /etc/nginx/sites-available/provincial-server > "$site"
for edited in "ssl_certificate     $work/tls/fullchain.pem;" "ssl_certificate_key $work/tls/privkey.pem;" \
              "server_name localhost;" "server 127.0.0.1:$port;" "listen 127.0.0.1:$http_port;" \
              "listen 127.0.0.1:$https_port ssl"; do
  grep -qF "$edited" "$site" || { say "FAILED: the nginx site has no line to make '$edited' of"; exit 1; }
done
cat > "$work/nginx/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    access_log $work/nginx/access.log;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    include $site;
}
NGINX
nginx -t -c "$work/nginx/nginx.conf"
nginx -c "$work/nginx/nginx.conf"
public=https://localhost:$https_port
tls=(--cacert "$work/tls/ca.pem")
redirect=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://localhost:$http_port/api/v1/changes")
[ "$redirect" = "301 https://localhost/api/v1/changes" ] || { say "FAILED: plain http answered '$redirect'"; exit 1; }
answer=$(curl -s "${tls[@]}" -o /dev/null -w '%{http_code} %{http_version}' "$public/api/v1/changes")
[ "$answer" = "401 2" ] || { say "FAILED: $public/api/v1/changes without a token answered '$answer' (not 401 over HTTP/2)"; exit 1; }
curl -s "${tls[@]}" "$public/v/not-a-receipt" | grep -q '<html lang="vi"' \
  || { say "FAILED: the public receipt page is not the server's through nginx"; exit 1; }
say "nginx $(nginx -v 2>&1 | sed 's|.*/||') in front on $public (its CA given to the device) in $(elapsed "$step"):" \
    "http redirected, the API over HTTP/2, the receipt page served"

provincial-server add-point BD01 "Điểm Bưu điện - Văn hóa xã Đông Anh" --commune 00070  # the installed units
provincial-server publish-policy /opt/provincial-server/venv/share/collector-app/resources/policy/policy-*.toml
code=$(provincial-server enrolment-code BD01 --json | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["code"])')

export COLLECTOR_APP_DATA_DIR=$work/device COLLECTOR_APP_USER=thu COLLECTOR_APP_PASSWORD=mat-khau-2026 COLLECTOR_APP_LANG=en
printf '%s\n' "$COLLECTOR_APP_PASSWORD" | "${client[@]}" init --user thu --full-name "Nguyễn Thu" --password-stdin >/dev/null
"${client[@]}" demo --people 8 >/dev/null  # households, people and a first payment
household=$("${client[@]}" export households --out "$work/households.csv" >/dev/null && sed -n '2s/^\xef\xbb\xbf//; 2s/,.*//p' "$work/households.csv")
"${client[@]}" pay hi --household "$household" --months 12 >/dev/null
step=$(date +%s)
"${client[@]}" enrol --server "$public" --code "$code" --ca "$work/tls/ca.pem"
"${client[@]}" sync
say "enrolled and synced through nginx in $(elapsed "$step"): $(grep -c '"POST /api/v1/' "$work/nginx/access.log") POSTs in its log"
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

# An update published with the installed command, learnt and downloaded by the device through nginx's
# streamed location, and checked (signature, size, SHA-256) before it is kept.
step=$(date +%s)
provincial-server release-key new --out "$work/release-key" >/dev/null
installer=$work/collector-app_99.0.0_amd64.deb
head -c 40000000 /dev/urandom > "$installer"
provincial-server publish-release "$installer" --version 99.0.0 --platform linux-deb \
  --key "$work/release-key/release-key.pem" --notes "Bản thử của CI" >/dev/null
"${client[@]}" sync >/dev/null
"${client[@]}" update check
"${client[@]}" update download </dev/null
downloaded=$("${client[@]}" update check --json | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["available"]["downloaded"])')
cmp "$installer" "$downloaded" || { say "FAILED: the downloaded installer differs from the one published"; exit 1; }
grep -Eq '"GET /api/v1/releases/linux-deb/99.0.0/file HTTP/1.1" 20[06] 40000000 ' "$work/nginx/access.log" \
  || { say "FAILED: nginx did not send the installer whole"; tail -5 "$work/nginx/access.log"; exit 1; }
say "a 40 MB release published, downloaded through nginx and checked in $(elapsed "$step")"

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
