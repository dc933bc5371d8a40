#!/usr/bin/env bash
# The Windows checks, run under Wine against the Linux emulator: builds the ProcessPrng
# shim Wine 8 lacks (a test fixture, never shipped), starts `azfx emulator --demo --https`
# (the Linux build), then drives azfx.exe. Prints one line per check and
# 'N passed, N failed'; exits non-zero when one failed.
#
#   scripts/build-windows.sh && cargo build && scripts/test-windows.sh
set -uo pipefail
cd "$(dirname "$0")/.."
exe=${AZFX_EXE:-target/windows/x86_64-pc-windows-gnu/debug/azfx.exe}
linux=${AZFX_LINUX:-target/debug/azfx}
wine=$(command -v wine64 || echo /usr/lib/wine/wine64)
if [ ! -x "$wine" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq wine64 >/dev/null
  wine=$(command -v wine64 || echo /usr/lib/wine/wine64)
fi
[ -f "$exe" ] || { echo "no $exe: run scripts/build-windows.sh" >&2; exit 2; }

work=$(mktemp -d)
export WINEDEBUG=-all WINEPREFIX="$work/prefix"
cleanup() { [ -n "${emulator:-}" ] && kill "$emulator" 2>/dev/null; "${wine%64}server" -k 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
x86_64-w64-mingw32-gcc -shared -O2 -o "$work/bcryptprimitives.dll" tests/windows/bcryptprimitives.c -lbcrypt
cp "$exe" "$work/azfx.exe"

port=$((20000 + RANDOM % 20000))
"$linux" emulator --demo --https --port "$port" > "$work/emulator.log" 2>&1 & emulator=$!
for _ in $(seq 50); do grep -q "ca=" "$work/emulator.log" 2>/dev/null && break; sleep 0.2; done
cp "$(grep -o 'ca=[^ ]*' "$work/emulator.log" | cut -d= -f2)" "$work/ca.pem"
base="https://127.0.0.1:$((port + 1))/azfxdemo"
win() { printf 'Z:%s' "$(echo "$1" | tr / '\\')"; }
azfx() { timeout 300 "$wine" "$work/azfx.exe" "$@" --imds-endpoint "http://127.0.0.1:$port" --ca-file "$(win "$work/ca.pem")"; }

passed=0; failed=0
check() { # name, then a command that must succeed
  local name=$1; shift
  if "$@" > "$work/out" 2>&1; then passed=$((passed + 1)); echo "ok   $name"
  else failed=$((failed + 1)); echo "FAIL $name"; tail -5 "$work/out" | sed 's/^/     /'; fi
}
exits() { local want=$1; shift; "$@" > /dev/null 2>&1; [ $? -eq "$want" ]; }

check "--version" timeout 120 "$wine" "$work/azfx.exe" --version
check "token" azfx token
lists_the_share() { azfx ls "$base/projects" | grep -q README.md; }
check "ls over HTTPS with --ca-file" lists_the_share
head -c $((64 << 20)) /dev/urandom > "$work/big.bin"; mkdir -p "$work/back"
check "put 64 MiB" azfx put "$(win "$work/big.bin")" "$base/projects/big.bin"
check "get 64 MiB" azfx get "$base/projects/big.bin" "$(win "$work/back")\\"
same_bytes() { [ "$(md5sum < "$work/big.bin")" = "$(md5sum < "$work/back/big.bin")" ]; }
check "the MD5 matches" same_bytes
check "--overwrite false exits 9" exits 9 azfx put "$(win "$work/big.bin")" "$base/projects/big.bin" --overwrite false
check "doctor: writable share exits 0" exits 0 azfx doctor --account "$base" --share projects
check "doctor: read-only share exits 8" exits 8 azfx doctor --account "$base" --share archive
check "doctor: no REST role exits 5" exits 5 azfx doctor --account "$base" --share restricted

echo "windows: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
