#!/usr/bin/env bash
# The project's one check, run by CI as written: formatting, clippy (pedantic, warnings
# are errors) on every crate of the workspace, no source file over 600 lines (400 in the
# worker and the window), the layering rules (scripts/layering.py: no IO in the window's
# or diagnosis's code, no import cycle between modules or sibling files), the API docs
# built with warnings as errors, then every test of every crate, including Microsoft's
# Python SDK against the emulator (set AZFX_SKIP_SDK=1 to skip that one locally when
# offline) and the slow GiB tests (`#[ignore]`d for a quick plain `cargo test`).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== source files over 600 lines"
long=$(find src tests crates -name '*.rs' -print0 | xargs -0 wc -l | awk '$2 != "total" && $1 > 600 {print "  " $2 " (" $1 " lines)"}')
long_core=$(find crates/azfx-core/src/worker crates/azfx-ui/src -name '*.rs' -print0 | xargs -0 wc -l | awk '$2 != "total" && $1 > 400 {print "  " $2 " (" $1 " lines)"}')
if [ -n "$long$long_core" ]; then
  echo "split these along a real boundary:"; echo "$long$long_core"; exit 1
fi

echo "== layering (ARCHITECTURE.md: ui and diagnose do no IO, auth knows no files, no import cycles, not even between sibling files)"
python3 scripts/layering.py

echo "== crate boundaries (each crate's Cargo.toml is its layer rule)"
# The emulator stands alone: no engine, no window, no HTTP client.
if cargo tree --locked -p azfx-emulator -e normal --prefix none | grep -E '^(azfx-core|azfx-ui|egui|eframe|reqwest) '; then
  echo "azfx-emulator must depend on none of these"; exit 1
fi
# The window has no HTTP client or server, no SQLite of its own.
if cargo tree --locked -p azfx-ui -e normal --depth 1 --prefix none | grep -E '^(reqwest|hyper|rusqlite|tokio) '; then
  echo "azfx-ui must not depend on these directly"; exit 1
fi

echo "== cargo clippy"
cargo clippy --locked --workspace --all-targets -- -D warnings

echo "== without the demo (cargo build --no-default-features)"
cargo clippy --locked -p azfx --no-default-features -- -D warnings

echo "== cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --workspace --no-deps --quiet

if [ -z "${AZFX_SDK_PYTHON:-}" ] && [ "${AZFX_SKIP_SDK:-0}" != 1 ]; then
  echo "== Python SDK venv"
  AZFX_SDK_PYTHON=$(scripts/sdk-venv.sh)
  export AZFX_SDK_PYTHON
fi

echo "== cargo test"
cargo test --locked --workspace -- --include-ignored
