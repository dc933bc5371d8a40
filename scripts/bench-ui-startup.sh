#!/usr/bin/env bash
# Cold start to first frame and idle CPU of the real window under Xvfb (release build).
# Start: launch to the window being mapped (xdotool --sync). Idle: CPU seconds the
# process uses over 20 s with the window open and connected to the demo, doing nothing.
# Needs Debian packages: xvfb xauth xdotool libgl1-mesa-dri.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --profile dist --locked --quiet
bin=$PWD/target/dist/azfx
num=$((500 + RANDOM % 300)); while [ -e /tmp/.X11-unix/X$num ]; do num=$((num + 1)); done
Xvfb :$num -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 & xvfb=$!
trap 'kill $app $xvfb 2>/dev/null || true' EXIT
sleep 0.5
export DISPLAY=:$num
for run in 1 2 3; do
  started=$(date +%s%N)
  "$bin" >/dev/null 2>&1 & app=$!
  xdotool search --sync --onlyvisible --name '^azfx$' >/dev/null
  echo "cold start to window (connect view), run $run: $(( ($(date +%s%N) - started) / 1000000 )) ms"
  kill $app; wait $app 2>/dev/null || true
done
"$bin" --demo >/dev/null 2>&1 & app=$!
xdotool search --sync --onlyvisible --name '^azfx$' >/dev/null
sleep 8   # demo emulator up, connected, share listed
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$app/stat"; }
before=$(cpu); sleep 20; after=$(cpu)
echo "idle CPU with the demo open: $(( (after - before) * 1000 / ticks )) ms of CPU in 20 s (window repaints once a second for the token countdown)"
