#!/usr/bin/env bash
# Builds dist/provincial-server_<version>_amd64.deb: the provincial server as a province installs it, without a
# clone and without Qt. Inside: a virtualenv under /opt/provincial-server/venv made from Debian 12's python3
# with requirements/server.lock (hashes checked) and this project's wheel (which carries the shared resources),
# /usr/bin/provincial-server, the systemd unit, /etc/provincial-server/environment and the nginx site
# (installers/server/). Fails if any PySide6 or shiboken file got in. Prints the package's size and the time
# it took. Usage: bash scripts/package_server.sh (as any user; needs python3-venv and dpkg-deb).
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
PYTHON=${PYTHON:-/usr/bin/python3}  # the target's interpreter: the virtualenv links to it
PREFIX=/opt/provincial-server
version=$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
python_minor=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
package="provincial-server_${version}_amd64.deb"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
venv=$root$PREFIX/venv
mkdir -p dist "$root"

step() { echo "package_server: $* ($(( $(date +%s) - started )) s)"; }
step "the project's wheel"
"$PYTHON" -m venv "$work/build"  # pip's build frontend for the wheel, outside the package
"$work/build/bin/python" -m pip wheel -q --no-deps -w "$work/wheel" .

step "the virtualenv from requirements/server.lock with $("$PYTHON" --version)"
"$PYTHON" -m venv "$venv"
"$venv/bin/python" -m pip install -q --require-hashes -r requirements/server.lock
step "the project's wheel into it"
"$venv/bin/python" -m pip install -q --no-deps "$work"/wheel/collector_app-*.whl
# The installed virtualenv never installs anything: pip and setuptools go (about 15 MB).
"$venv/bin/python" -m pip uninstall -q -y pip setuptools
# The scripts' first lines and pyvenv.cfg name the folder the virtualenv was made in; it runs from $PREFIX.
grep -rlF "$venv" "$venv/bin" "$venv/pyvenv.cfg" | xargs sed -i "s|$venv|$PREFIX/venv|g"
rm -f "$venv"/bin/activate.csh "$venv"/bin/activate.fish "$venv"/bin/Activate.ps1
find "$venv" -name __pycache__ -type d -prune -exec rm -rf {} +
step "compiling"
# Compiled now, named as installed: root running a command writes no cache dpkg does not know of.
"$venv/bin/python" -m compileall -q -j 0 -s "$root" -p / "$venv/lib" >/dev/null

if find "$root" -iname '*pyside*' -o -iname '*shiboken*' | grep -q .; then
  echo "package_server: FAILED: PySide6 got into the server's package" >&2
  exit 1
fi

step "the command, the service, the settings and the nginx site"
install -D -m 0755 installers/server/provincial-server "$root/usr/bin/provincial-server"
install -D -m 0644 installers/server/provincial-server.service "$root/lib/systemd/system/provincial-server.service"
install -D -m 0640 installers/server/environment "$root/etc/provincial-server/environment"
install -D -m 0644 installers/server/nginx-site "$root/etc/nginx/sites-available/provincial-server"
install -D -m 0644 README.md "$root/usr/share/doc/provincial-server/README.md"
mkdir -p "$root/DEBIAN"
install -m 0755 installers/server/postinst installers/server/prerm installers/server/postrm "$root/DEBIAN/"
printf '%s\n' /etc/provincial-server/environment /etc/nginx/sites-available/provincial-server > "$root/DEBIAN/conffiles"
next_minor=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1] + 1}")')
cat > "$root/DEBIAN/control" <<CONTROL
Package: provincial-server
Version: $version
Architecture: amd64
Maintainer: collector-app maintainers <maintainers@collector-app.invalid>
Section: net
Priority: optional
Depends: python3 (>= $python_minor), python3 (<< $next_minor), adduser, util-linux
Recommends: postgresql-client, nginx
Suggests: postgresql, certbot
Installed-Size: $(du -sk "$root" --exclude=DEBIAN | cut -f1)
Description: provincial server for voluntary social and family health insurance collection
 Receives the collectors' devices' batches (FastAPI, PostgreSQL or a SQLite pilot), serves the
 supervisors' review and the public receipt check, and backs up and restores its database
 (provincial-server backup / restore). A systemd unit runs it as the provincial-server user.
CONTROL

# zstd: a second here, where xz took 90 s for a quarter less (Debian 12's dpkg reads it)
dpkg-deb --root-owner-group -Zzstd --build "$root" "dist/$package" >/dev/null
echo "package_server: dist/$package: $(du -k "dist/$package" | cut -f1) KiB, installed $(du -sm "$root" --exclude=DEBIAN | cut -f1) MB," \
     "$(ls "$venv/lib/python$python_minor/site-packages" | grep -c 'dist-info$') Python packages, no PySide6;" \
     "built in $(( $(date +%s) - started )) s"
