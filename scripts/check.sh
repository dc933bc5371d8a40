#!/usr/bin/env bash
# The project's one check, run by CI as written: formatting, clippy (pedantic, warnings
# are errors), no source file over 600 lines (400 in src/worker and src/ui), the layering
# rules (scripts/layering.py), then every test from one build, including
# Microsoft's Python SDK against the emulator (set AZFX_SKIP_SDK=1 to skip that one
# locally when offline).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== source files over 600 lines"
long=$(find src tests benches -name '*.rs' -print0 | xargs -0 wc -l | awk '$2 != "total" && $1 > 600 {print "  " $2 " (" $1 " lines)"}')
long_core=$(find src/worker src/ui -name '*.rs' -print0 | xargs -0 wc -l | awk '$2 != "total" && $1 > 400 {print "  " $2 " (" $1 " lines)"}')
if [ -n "$long$long_core" ]; then
  echo "split these along a real boundary:"; echo "$long$long_core"; exit 1
fi

echo "== layering (ARCHITECTURE.md: ui and diagnose do no IO, auth knows no files, no import cycles)"
python3 scripts/layering.py

echo "== cargo clippy"
cargo clippy --locked --all-targets -- -D warnings

if [ -z "${AZFX_SDK_PYTHON:-}" ] && [ "${AZFX_SKIP_SDK:-0}" != 1 ]; then
  echo "== Python SDK venv"
  AZFX_SDK_PYTHON=$(scripts/sdk-venv.sh)
  export AZFX_SDK_PYTHON
fi

echo "== cargo test"
cargo test --locked
