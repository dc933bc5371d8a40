#!/usr/bin/env bash
# The project's one check, run by CI as written: formatting, clippy (pedantic, warnings
# are errors), no source file over 600 lines, then every test from one build, including
# Microsoft's Python SDK against the emulator (set AZFX_SKIP_SDK=1 to skip that one
# locally when offline).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== source files over 600 lines"
long=$(find src tests benches -name '*.rs' -print0 | xargs -0 wc -l | awk '$2 != "total" && $1 > 600 {print "  " $2 " (" $1 " lines)"}')
if [ -n "$long" ]; then
  echo "split these along a real boundary:"; echo "$long"; exit 1
fi

echo "== cargo clippy"
cargo clippy --locked --all-targets -- -D warnings

if [ -z "${AZFX_SDK_PYTHON:-}" ] && [ "${AZFX_SKIP_SDK:-0}" != 1 ]; then
  echo "== Python SDK venv"
  AZFX_SDK_PYTHON=$(scripts/sdk-venv.sh)
  export AZFX_SDK_PYTHON
fi

echo "== cargo test"
cargo test --locked
