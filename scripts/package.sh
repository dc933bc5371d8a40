#!/usr/bin/env bash
# Builds the Linux packages into target/distrib/: azfx_<version>_<arch>.deb (binary in
# /usr/bin/azfx, desktop entry, icon) and azfx-<version>-linux-<arch>.tar.gz (the binary,
# the desktop entry, the icon, README, licence note). Uses only Debian's dpkg-deb.
#
#   scripts/package.sh                      # the shipped build (--profile dist), then package it
#   scripts/package.sh --binary PATH        # package an existing build (CI: the tested one)
#   add --strip to strip the copy that is packaged (CI packages the debug build)
set -euo pipefail
cd "$(dirname "$0")/.."

binary=""
strip=""
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --strip) strip="-s"; shift ;;
    *) echo "usage: scripts/package.sh [--binary PATH] [--strip]" >&2; exit 2 ;;
  esac
done
if [ -z "$binary" ]; then
  cargo build --profile dist --locked -p azfx
  binary=target/dist/azfx
fi
[ -x "$binary" ] || { echo "no executable at $binary" >&2; exit 2; }

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
dist=target/distrib
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$dist"

# .deb
root=$stage/deb
install -D -m 0755 $strip "$binary" "$root/usr/bin/azfx"
install -D -m 0644 packaging/linux/azfx.desktop "$root/usr/share/applications/azfx.desktop"
install -D -m 0644 assets/azfx.png "$root/usr/share/icons/hicolor/256x256/apps/azfx.png"
install -D -m 0644 README.md "$root/usr/share/doc/azfx/README.md"
mkdir -p "$root/DEBIAN"
size_kib=$(du -sk "$root/usr" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: azfx
Version: $version
Architecture: $arch
Maintainer: azfx developers <azfx@users.noreply.github.com>
Installed-Size: $size_kib
Depends: libc6 (>= 2.31), libgcc-s1
Recommends: libgl1, libegl1, libxkbcommon-x11-0, libx11-6, libxcursor1, libxrandr2, libxi6, zenity | xdg-desktop-portal
Section: net
Priority: optional
Homepage: https://github.com/azfx/azfx
Description: Explorer for Azure file shares that signs in with a managed identity
 azfx browses Azure file shares and moves files with the machine's managed identity
 (no keys, no SAS), explains 400/401/403 failures, and has a scriptable CLI
 (azfx ls/get/put/cp/mkdir/rm/mv/doctor). The window needs OpenGL (Mesa) and X11 or
 Wayland; the CLI needs nothing else.
CONTROL
deb=$dist/azfx_${version}_${arch}.deb
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null

# .tar.gz
name=azfx-$version-linux-$arch
mkdir -p "$stage/$name"
install -m 0755 $strip "$binary" "$stage/$name/azfx"
install -m 0644 packaging/linux/azfx.desktop assets/azfx.png README.md "$stage/$name/"
tar -C "$stage" -czf "$dist/$name.tar.gz" "$name"

ls -l "$deb" "$dist/$name.tar.gz"
