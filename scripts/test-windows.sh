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
cleanup() { for pid in "${emulator:-}" "${proxy:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null; done; [ -n "${slow_emulator:-}" ] && kill "$slow_emulator" 2>/dev/null; [ -n "${AZFX_KEEP:-}" ] && cp -r "$work" /tmp/winwork; "${wine%64}server" -k 2>/dev/null; rm -rf "$work"; }
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
    grep '^note: ' "$work/out" | sed 's/^note: /     /' # a check's figures
  else failed=$((failed + 1)); echo "FAIL $name"; tail -5 "$work/out" | sed 's/^/     /'; fi
}
exits() { local want=$1; shift; "$@" > /dev/null 2>&1; [ $? -eq "$want" ]; }

# The engine's and the emulator's unit tests built for Windows (scripts/build-windows.sh
# --tests): the placement without replacing (MoveFileExW) in any case of the name, paths
# over 260 characters, the case probe answering "folds" on NTFS semantics, Windows paths,
# the emulator's wire formats and name rules.
repo=$PWD
if [ -s target/windows/unit-tests.path ]; then
  while read -r exe; do
    name=$(basename "$exe" .exe); name=${name%%-*}
    if [ -f "$exe" ]; then
      cp "$exe" "$work/$name-tests.exe"
      # Snapshot tests find their files from the workspace root (no `cargo metadata` under
      # Wine to ask); INSTA_UPDATE=no: a mismatch fails, nothing is written.
      unit_tests() { (cd "$work" && INSTA_WORKSPACE_ROOT="$repo" INSTA_UPDATE=no timeout 600 "$wine" "$1-tests.exe" --test-threads 2 < /dev/null) | tail -3 | grep -q "test result: ok"; }
      check "the unit tests of $name, under Wine" unit_tests "$name"
    else
      failed=$((failed + 1)); echo "FAIL the unit tests of $name: $exe is missing"
    fi
  done < target/windows/unit-tests.path
else
  failed=$((failed + 1)); echo "FAIL the unit tests: not built (scripts/build-windows.sh --tests)"
fi
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
# An identity not attached to this VM: IMDS gives no token.
stranger=$(grep -o 'client-id=[^ ]* (not attached' "$work/emulator.log" | head -1 | cut -d' ' -f1)
check "doctor: no token exits 3" exits 3 azfx doctor --account "$base" --share projects --identity "${stranger:-client-id=none}"

# Where azfx keeps its files on Windows: the transfer journal and the logs (crash reports
# among them) under %LOCALAPPDATA%\azfx, nothing beside the exe.
users="$WINEPREFIX/drive_c/users"
app_data() {
  AZFX_SIMULATE_CRASH="test crash" timeout 120 "$wine" "$work/azfx.exe" jobs list > /dev/null 2>&1
  local local_dir; local_dir=$(find "$users" -maxdepth 4 -type d -path '*AppData/Local/azfx' | head -1)
  echo "state: ${local_dir:-none}"; [ -n "$local_dir" ] || return 1
  find "$local_dir" -name transfers.sqlite3 | grep -q . && find "$local_dir" -path '*logs*' -name '*crash*' | grep -q . \
    && [ "$(ls "$work" | grep -ci -e sqlite -e '^logs$')" -eq 0 ] || return 1
  # The simulated crash's report would be offered by the window below: gone.
  find "$local_dir" -path '*logs*' -name 'crash-*' -delete
}
check "journal, logs and crash reports go to %LOCALAPPDATA%" app_data

# The window under Wine on Xvfb: wgpu cannot start there (its DirectX 12 device is lost), so
# the window opens again with OpenGL (glow) and shows the demo listing. The time to the
# window is printed; the screenshot goes to target/distrib/wine-demo.png (a CI artifact to
# look at).
if ! command -v Xvfb > /dev/null || ! command -v xdotool > /dev/null || ! command -v import > /dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb xauth xdotool imagemagick > /dev/null 2>&1
fi
window_opens() {
  local display=$((100 + RANDOM % 400)) started opened
  # Wine's desktop process started with the earlier (display-less) commands and cannot
  # make windows: a new wineserver starts one on this display.
  "${wine%64}server" -k 2>/dev/null; "${wine%64}server" -w 2>/dev/null
  Xvfb ":$display" -screen 0 1280x800x24 -nolisten tcp > /dev/null 2>&1 & local xvfb=$!
  sleep 0.5
  started=$(date +%s%N)
  DISPLAY=":$display" "$wine" "$work/azfx.exe" --demo --window-size 1180x760 > "$work/window.out" 2>&1 & local app=$!
  DISPLAY=":$display" timeout 120 xdotool search --sync --onlyvisible --name '^azfx$' > /dev/null; local found=$?
  opened=$(date +%s%N)
  [ "$found" -eq 0 ] && echo "note: window after $(( (opened - started) / 1000000 )) ms (debug build)"
  sleep 12 # the in-process demo emulator starts, connects and lists the share
  mkdir -p target/distrib; DISPLAY=":$display" import -window root target/distrib/wine-demo.png
  local alive=0; kill -0 "$app" 2>/dev/null || alive=1
  kill "$app" 2>/dev/null; sleep 0.5; "${wine%64}server" -k 2>/dev/null; kill "$xvfb" 2>/dev/null
  wait "$app" 2>/dev/null
  local log; log=$(find "$users" -path '*azfx/data/logs/azfx.*.log' 2>/dev/null | head -1)
  grep -h -o 'the [A-Za-z]* renderer[^"]*' "$log" 2>/dev/null | sort -u | sed 's/^/note: /'
  [ "$found" -eq 0 ] && [ "$alive" -eq 0 ] && grep -q "opening the window with the Glow renderer" "$log"
}
check "the window opens under Wine (wgpu, then glow) with the demo" window_opens

# The Linux CLI puts on the share what the Windows tests then fetch.
linux_azfx() { "$linux" "$@" --imds-endpoint "http://127.0.0.1:$port" --ca-file "$work/ca.pem" > /dev/null; }

# Share names Windows cannot hold: refused file by file, never written to a device or over
# another file (`report.` would become `report`); the rest of the folder arrives.
linux_azfx mkdir "$base/projects/names"
for spec in "report.:dotted" "report:plain" "aux.txt:device" "LPT1.log:device" "notes%20:spaced" "ok.txt:fine"; do
  printf '%s' "${spec#*:}" > "$work/name.txt"; linux_azfx put "$work/name.txt" "$base/projects/names/${spec%%:*}"
done
mkdir -p "$work/names"
names_refused() {
  azfx cp -r "$base/projects/names" "$(win "$work/names")\\" > "$work/names.out" 2>&1
  local code=$?; cat "$work/names.out"
  [ "$code" -eq 2 ] && grep -q 'aux.txt.*names a device' "$work/names.out" \
    && grep -q 'LPT1.log.*names a device' "$work/names.out" && grep -q 'report\..*trailing dot' "$work/names.out" \
    && [ "$(cat "$work/names/names/report")" = plain ] && [ "$(cat "$work/names/names/ok.txt")" = fine ] \
    && [ "$(ls "$work/names/names" | sort | tr '\n' ' ')" = "ok.txt report " ]
}
check "Windows names: refused with the rule, the rest arrives" names_refused
# A folder whose own name Windows would shorten (`dotdir.` → `dotdir`, merging into it).
linux_azfx mkdir "$base/projects/names/dotdir."; linux_azfx put "$work/name.txt" "$base/projects/names/dotdir./inner.txt"
mkdir -p "$work/names2/dotdir"; printf mine > "$work/names2/dotdir/inner.txt"
folder_name_refused() {
  exits 2 azfx cp -r "$base/projects/names/dotdir." "$(win "$work/names2")\\" --overwrite true \
    && [ "$(cat "$work/names2/dotdir/inner.txt")" = mine ] && [ "$(ls "$work/names2")" = dotdir ]
}
check "Windows names: a folder named dotdir. never merges into dotdir" folder_name_refused
file_name_refused() {
  exits 2 azfx get "$base/projects/names/report." "$(win "$work/names2")\\report." --overwrite true \
    && exits 2 azfx get "$base/projects/names/report." "$(win "$work/names2")\\" --overwrite true \
    && [ "$(ls "$work/names2")" = dotdir ]
}
check "Windows names: get of report. never writes report" file_name_refused

# A case-insensitive folder (NTFS; Wine here): REPORT.TXT is the file report.txt would be.
linux_azfx mkdir "$base/projects/casefold"
printf remote > "$work/name.txt"; linux_azfx put "$work/name.txt" "$base/projects/casefold/report.txt"
mkdir -p "$work/cf/casefold"; printf local > "$work/cf/casefold/REPORT.TXT"
case_kept() {
  azfx cp -r "$base/projects/casefold" "$(win "$work/cf")\\" --overwrite keep-both || return 1
  [ "$(cat "$work/cf/casefold/REPORT.TXT")" = local ] && [ "$(cat "$work/cf/casefold/report (1).txt")" = remote ] \
    && [ "$(ls "$work/cf/casefold" | wc -l)" -eq 2 ]
}
check "case: a differently-cased local file is kept, never replaced" case_kept
mkdir -p "$work/twins"; printf upper > "$work/twins/Report.txt"; printf lower > "$work/twins/report.txt"
twins_kept() {
  azfx cp -r "$(win "$work/twins")" "$base/projects/" --overwrite true || return 1
  linux_azfx cp -r "$base/projects/twins" "$work/twins-back/" || return 1
  [ "$(cat "$work/twins-back/twins/"* | fold -w5 | sort | tr '\n' ' ')" = "lower upper " ]
}
check "case: twins of a Linux folder both reach the share" twins_kept

# Paths over 260 characters: 12 folders of 40-character names, both ways.
deep="$work/long"; for level in $(seq -w 1 12); do deep="$deep/${level}$(printf 'd%.0s' $(seq 38))"; done
mkdir -p "$deep"; head -c $((5 << 20)) /dev/urandom > "$deep/deep.bin"
long_both_ways() {
  azfx cp -r "$(win "$work/long")" "$base/projects/" || return 1
  azfx cp -r "$base/projects/long" "$(win "$work/long-back")\\" || return 1
  cmp "$deep/deep.bin" "$work/long-back/long/${deep#"$work/long/"}/deep.bin"
}
check "paths over 260 characters, up and down (cp -r)" long_both_ways

# A get killed half way (SIGKILL to the Wine process) resumes from what had arrived:
# a second emulator answers each request after 3 s, so the kill lands between ranges.
slow=$((port + 2))
"$linux" emulator --demo --https --port "$slow" --latency-ms 3000 > "$work/slow.log" 2>&1 & slow_emulator=$!
for _ in $(seq 50); do grep -q "ca=" "$work/slow.log" 2>/dev/null && break; sleep 0.2; done
cp "$(grep -o 'ca=[^ ]*' "$work/slow.log" | cut -d= -f2)" "$work/slow-ca.pem"
slow_azfx() { "$wine" "$work/azfx.exe" "$@" --imds-endpoint "http://127.0.0.1:$slow" --ca-file "$(win "$work/slow-ca.pem")"; }
"$linux" put "$work/big.bin" "https://127.0.0.1:$((slow + 1))/azfxdemo/projects/big.bin" \
  --imds-endpoint "http://127.0.0.1:$slow" --ca-file "$work/slow-ca.pem" > /dev/null
mkdir -p "$work/resumed"
resumes_after_kill() {
  local url="https://127.0.0.1:$((slow + 1))/azfxdemo/projects/big.bin" done_seen=0 total=$((64 << 20))
  # wine64 itself in the background (not a function's subshell), so the kill reaches it.
  "$wine" "$work/azfx.exe" get "$url" "$(win "$work/resumed")\\" --imds-endpoint "http://127.0.0.1:$slow" \
    --ca-file "$(win "$work/slow-ca.pem")" > "$work/killed.out" 2>&1 & local getter=$!
  for _ in $(seq 120); do
    done_seen=$(timeout 60 "$wine" "$work/azfx.exe" jobs list --json 2>/dev/null | python3 -c 'import json,sys
jobs = json.load(sys.stdin)
print(max([j.get("done", 0) for j in jobs] or [0]))' 2>/dev/null || echo 0)
    [ "$done_seen" -ge $((total / 4)) ] && break; sleep 0.5
  done
  kill -9 "$getter"; wait "$getter" 2>/dev/null
  echo "note: killed with $done_seen of $total bytes recorded"
  [ "$done_seen" -ge $((total / 4)) ] && [ "$done_seen" -lt "$total" ] || return 1
  [ ! -e "$work/resumed/big.bin" ] || { echo "a partial file was put in place"; return 1; }
  slow_azfx get "$url" "$(win "$work/resumed")\\" | tee "$work/resumed.out" || return 1
  local arrived; arrived=$(grep -o 'resumed: [0-9.]* MiB' "$work/resumed.out" | grep -o '[0-9.]*' | head -1)
  echo "note: resumed with ${arrived:-0} MiB already there"
  # Sent again: what had arrived before the kill and was fetched a second time.
  python3 -c "import sys; sys.exit(0 if $done_seen - ${arrived:-0} * 1048576 < 0.25 * $done_seen else 1)" \
    && [ "$(md5sum < "$work/big.bin")" = "$(md5sum < "$work/resumed/big.bin")" ]
}
check "a killed get resumes, under 25 % sent again" resumes_after_kill
kill "$slow_emulator" 2>/dev/null

# The proxy Windows sets in Internet Settings (ProxyEnable, ProxyServer) is used for the
# Files endpoint; the identity endpoint is always reached directly. The account is named
# as in Azure (azfxdemo.file.core.windows.net, which does not resolve here): only the
# proxy, which maps the name to the emulator, can reach it. (azfx never sends loopback
# addresses through a proxy.)
python3 tests/windows/connect_proxy.py "$work/proxy.log" ".file.core.windows.net=127.0.0.1:$((port + 1))" \
  > "$work/proxy.port" & proxy=$!
for _ in $(seq 50); do [ -s "$work/proxy.port" ] && break; sleep 0.1; done
settings='HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings'
through_the_system_proxy() {
  "$wine" reg add "$settings" /v ProxyServer /t REG_SZ /d "127.0.0.1:$(cat "$work/proxy.port")" /f > /dev/null &&
    "$wine" reg add "$settings" /v ProxyEnable /t REG_DWORD /d 1 /f > /dev/null || return 1
  azfx ls "https://azfxdemo.file.core.windows.net/projects" | grep -q README.md; local listed=$?
  "$wine" reg add "$settings" /v ProxyEnable /t REG_DWORD /d 0 /f > /dev/null
  cat "$work/proxy.log"
  [ "$listed" -eq 0 ] && grep -q "^CONNECT azfxdemo.file.core.windows.net:443 " "$work/proxy.log" \
    && ! grep -q ":$port[ /]" "$work/proxy.log"
}
check "the system proxy (Internet Settings) carries the Files requests" through_the_system_proxy
kill "$proxy" 2>/dev/null

# The packages (scripts/package-windows.sh): the zip runs from any folder; the MSI installs
# per user (under %LOCALAPPDATA%\Programs, no administrator), adds a Start menu shortcut,
# and uninstalls cleanly.
zip=$(ls target/distrib/azfx-*-windows-x86_64.zip 2>/dev/null | head -1)
msi=$(ls target/distrib/azfx-*-x64.msi 2>/dev/null | head -1)
if [ -n "$zip" ] && [ -n "$msi" ]; then
  portable() {
    mkdir -p "$work/portable" && python3 -m zipfile -e "$zip" "$work/portable" || return 1
    cp "$work/bcryptprimitives.dll" "$work/portable/azfx/"
    timeout 120 "$wine" "$work/portable/azfx/azfx.exe" ls "$base/projects" --imds-endpoint "http://127.0.0.1:$port" \
      --ca-file "$(win "$work/ca.pem")" | grep -q README.md
  }
  check "zip: the portable exe lists the demo share" portable
  installed_exe() { find "$users" -path '*AppData/Local/Programs/azfx/azfx.exe' 2>/dev/null | head -1; }
  shortcut() { find "$users" -path '*Start Menu/Programs/azfx.lnk' 2>/dev/null | head -1; }
  msi_installs() {
    timeout 300 "$wine" msiexec /i "$(win "$PWD/$msi")" /qn || return 1
    local exe; exe=$(installed_exe); [ -n "$exe" ] && [ -n "$(shortcut)" ] || { echo "not installed"; return 1; }
    cp "$work/bcryptprimitives.dll" "$(dirname "$exe")/"
    timeout 120 "$wine" "$exe" --version && timeout 120 "$wine" "$exe" ls "$base/projects" \
      --imds-endpoint "http://127.0.0.1:$port" --ca-file "$(win "$work/ca.pem")" | grep -q README.md
    local ok=$?; rm -f "$(dirname "$exe")/bcryptprimitives.dll"; return $ok
  }
  check "MSI: installs per user with a Start menu shortcut; the installed exe lists the share" msi_installs
  msi_uninstalls() {
    timeout 300 "$wine" msiexec /x "$(win "$PWD/$msi")" /qn || return 1
    [ -z "$(installed_exe)" ] && [ -z "$(shortcut)" ]
  }
  check "MSI: uninstalls cleanly" msi_uninstalls
else
  failed=$((failed + 1)); echo "FAIL packages: no zip or MSI in target/distrib (run scripts/package-windows.sh)"
fi

echo "windows: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
