#!/usr/bin/env bash
# Packages a built azfx.exe (scripts/build-windows.sh) for Windows: a portable zip
# (azfx.exe, README.md, the licences) and a per-user MSI built with Debian's wixl from
# packaging/windows/azfx.wxs. Installs wixl and mingw's strip when missing. The exe is
# stripped of debug information; nothing else is added (the Wine test shim never is).
#
#   scripts/package-windows.sh [--exe PATH]   # default: the shipped (dist) build, else debug
set -euo pipefail
cd "$(dirname "$0")/.."
exe=""
while [ $# -gt 0 ]; do
  case "$1" in
    --exe) exe=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "$exe" ]; then
  exe=target/windows/x86_64-pc-windows-gnu/dist/azfx.exe
  [ -f "$exe" ] || exe=target/windows/x86_64-pc-windows-gnu/debug/azfx.exe
fi
[ -f "$exe" ] || { echo "no $exe: run scripts/build-windows.sh" >&2; exit 2; }
need=()
command -v wixl >/dev/null || need+=(wixl)
command -v x86_64-w64-mingw32-strip >/dev/null || need+=(binutils-mingw-w64-x86-64)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
stage=$(mktemp -d); trap 'rm -rf "$stage"' EXIT
x86_64-w64-mingw32-strip -o "$stage/azfx.exe" "$exe"
cp README.md "$stage/README.md"
for licence in LICENSE*; do [ -f "$licence" ] && cp "$licence" "$stage/$licence.txt"; done
mkdir -p target/distrib
zip="target/distrib/azfx-$version-windows-x86_64.zip"
rm -f "$zip"
(cd "$stage" && python3 -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for name in sys.argv[2:]:
        z.write(name, "azfx/" + name)' "$OLDPWD/$zip" $(ls))
msi="target/distrib/azfx-$version-x64.msi"
# wixl takes sources relative to where it runs.
(cd "$stage" && wixl -a x64 -D Version="$version" -D Exe=azfx.exe -D Readme=README.md \
  -o "$OLDPWD/$msi" "$OLDPWD/packaging/windows/azfx.wxs")
ls -l "$zip" "$msi"
