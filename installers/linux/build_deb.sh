#!/usr/bin/env bash
# Makes the desktop .deb from a PyInstaller bundle (installers/pyinstaller/collector_app.spec) with
# dpkg-deb alone:
#   bash installers/linux/build_deb.sh dist/collector-app dist    ->  dist/collector-app_<version>_amd64.deb
# The bundle goes to /opt/collector-app, `collector-app` onto PATH, the desktop entry and the icon beside
# the system's. Depends names the Debian package of every system library the bundle's binaries load
# (read from their ELF headers on this machine, so it follows what the bundle really holds).
# No maintainer script: the package never touches a user's data (~/.local/share/collector-app), which
# stays through upgrades, removal and purge.
set -euo pipefail
cd "$(dirname "$0")/../.."

BUNDLE=${1:?usage: build_deb.sh BUNDLE_DIR OUTPUT_DIR}
OUTPUT=${2:?usage: build_deb.sh BUNDLE_DIR OUTPUT_DIR}
VERSION=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
PACKAGE=collector-app
ARCH=amd64
# Not found through ELF headers: Qt reads fontconfig's configuration files, and dlopen()s libxcb-cursor
# (the X11 cursor theme), libGL/libEGL and the input methods' libraries at run time.
EXTRA_DEPENDS=(fontconfig libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1)

[ -x "$BUNDLE/$PACKAGE" ] || { echo "build_deb: no bundle at $BUNDLE (run pyinstaller first)" >&2; exit 1; }
command -v objdump >/dev/null || { echo "build_deb: objdump is missing (apt-get install binutils)" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

install -d "$root/opt" "$root/usr/bin" "$root/usr/share/applications" "$root/DEBIAN" \
  "$root/usr/share/icons/hicolor/256x256/apps" "$root/usr/share/icons/hicolor/scalable/apps" \
  "$root/usr/share/doc/$PACKAGE"
cp -a "$BUNDLE" "$root/opt/$PACKAGE"
ln -s "/opt/$PACKAGE/$PACKAGE" "$root/usr/bin/$PACKAGE"
install -m 644 installers/linux/collector-app.desktop "$root/usr/share/applications/$PACKAGE.desktop"
install -m 644 resources/icons/collector-app.png "$root/usr/share/icons/hicolor/256x256/apps/$PACKAGE.png"
install -m 644 resources/icons/collector-app.svg "$root/usr/share/icons/hicolor/scalable/apps/$PACKAGE.svg"
install -m 644 installers/linux/copyright "$root/usr/share/doc/$PACKAGE/copyright"

# The system libraries the bundle needs: every NEEDED soname of its ELF files that the bundle does not
# carry itself, found with ldconfig, owned by which package (dpkg -S).
bundled=$(find "$BUNDLE" -type f -name '*.so*' -printf '%f\n' | sort -u)
needed=$(find "$BUNDLE" -type f \( -name '*.so*' -o -perm -u+x \) -exec sh -c \
  'for f; do objdump -p "$f" 2>/dev/null | awk "/NEEDED/ {print \$2}"; done' _ {} + | sort -u)
libraries=$(ldconfig -p)
packages=()
for soname in $needed; do
  grep -qxF "$soname" <<<"$bundled" && continue
  path=$(awk -v s="$soname" '$1 == s && /x86-64/ && !found {print $NF; found = 1}' <<<"$libraries")
  [ -n "$path" ] || { echo "build_deb: $soname is needed but not installed here" >&2; exit 1; }
  owner=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "$path") \
    || { echo "build_deb: no package owns $path" >&2; exit 1; }
  packages+=("${owner%%:*}")
done
depends=$(printf '%s\n' "${packages[@]}" "${EXTRA_DEPENDS[@]}" | sort -u | paste -sd, | sed 's/,/, /g')

cat > "$root/DEBIAN/control" <<CONTROL
Package: $PACKAGE
Version: $VERSION
Architecture: $ARCH
Maintainer: Collector app maintainers <collector-app@localhost>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends
Section: misc
Priority: optional
Description: voluntary social insurance and family health insurance collection
 Offline-first desktop app for Vietnamese collection points: registers households,
 computes what each person owes under the policy in force, records payments and
 prints receipts, and syncs with the provincial server when online.
CONTROL

mkdir -p "$OUTPUT"
deb="$OUTPUT/${PACKAGE}_${VERSION}_${ARCH}.deb"
# Files owned by root whoever builds; xz keeps the download small for a collector's slow connection.
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "build_deb: $deb ($(du -m "$deb" | cut -f1) MB; unpacked $(du -sm "$root/opt/$PACKAGE" | cut -f1) MB)"
echo "build_deb: Depends: $depends"
