#!/usr/bin/env bash
# Checks an installed azfx (default /usr/bin/azfx): --version, doctor --help, and the
# emulator smoke check — the installed binary starts its own emulator on free ports and
# lists the demo share through IMDS with the emulated VM identity.
set -euo pipefail
azfx=${1:-/usr/bin/azfx}
"$azfx" --version
"$azfx" doctor --help >/dev/null
out=$(mktemp)
"$azfx" emulator --port 0 --demo >"$out" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 1 100); do grep -q '^azfx emulator: http=' "$out" && break; sleep 0.1; done
http=$(sed -n 's/^azfx emulator: http=\([^ ]*\) .*/\1/p' "$out")
[ -n "$http" ] || { echo "the emulator did not start" >&2; cat "$out" >&2; exit 1; }
AZFX_HOME=$(mktemp -d) "$azfx" ls "$http/azfxdemo/projects" --imds-endpoint "$http" | tee /dev/stderr | grep -q 'README.md'
echo "smoke check passed: $azfx"
