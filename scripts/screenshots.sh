#!/usr/bin/env bash
# Takes the README's screenshots of the real binary under Xvfb, driving it with xdotool.
# Needs Debian packages: xvfb xauth imagemagick xdotool libgl1-mesa-dri. Writes
# assets/screenshots/*.png. Run from anywhere; builds the debug binary first.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
bin=$PWD/target/debug/azfx
shot=scripts/screenshot-xvfb.sh
out=assets/screenshots
mkdir -p "$out"
# A throwaway home: downloads land in $HOME/Downloads there, settings start empty.
home=$(mktemp -d)
export HOME=$home XDG_CONFIG_HOME=$home/.config XDG_DATA_HOME=$home/.local/share

# 1. The connect view (no demo: the form a jump-box admin fills in).
"$shot" "$out/connect.png" --wait 4 -- "$bin"
# 2. Browsing the demo share, then the 20 000-entry folder.
"$shot" "$out/browse.png" --wait 6 -- "$bin" --demo
"$shot" "$out/large-folder.png" --wait 6 \
  --keys "mousemove 45 199 click --repeat 2 --delay 60 1 sleep 1.5 mousemove 45 124 click --repeat 2 --delay 60 1 sleep 2" \
  -- "$bin" --demo
# 3. A transfer: select README.md and download it.
"$shot" "$out/transfers.png" --wait 6 \
  --keys "mousemove 60 224 click 1 sleep 0.5 mousemove 628 41 click 1 sleep 1.5" \
  -- "$bin" --demo
# 4. The 403 on a share the identity has no data role on.
"$shot" "$out/error-403.png" --wait 6 -- "$bin" --demo --share restricted
# 5. Diagnostics: the access check on the read-only share, and the request log.
"$shot" "$out/access-check.png" --wait 7 --keys "mousemove 286 18 click 1 sleep 3" -- "$bin" --demo --share archive
"$shot" "$out/request-log.png" --wait 7 --keys "mousemove 119 748 click 1 sleep 1" -- "$bin" --demo --share restricted
rm -rf "$home"
ls -l "$out"
