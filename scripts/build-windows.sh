#!/usr/bin/env bash
# Cross-builds azfx.exe for Windows (x86_64-pc-windows-gnu) on Debian, with no rustup
# target: Debian's Rust (rustc-web, cargo-web: 1.96 beside rustup's) builds the standard
# library for the target from rust-web-src (-Zbuild-std), and mingw-w64 links. Installs
# those packages when missing. Writes target/windows/x86_64-pc-windows-gnu/<profile>/azfx.exe,
# then packages it (scripts/package-windows.sh): target/distrib/azfx-<version>-windows-x86_64.zip
# and target/distrib/azfx-<version>-x64.msi.
#
#   scripts/build-windows.sh            # debug build (what the Wine tests run)
#   scripts/build-windows.sh --release  # the shipped build (cargo profile dist: fat LTO)
#   scripts/build-windows.sh --tests    # also the engine's and the emulator's unit tests (run under Wine)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=debug
args=()
tests=0
for arg in "$@"; do
  case "$arg" in
    --release) profile=dist; args+=(--profile dist) ;;
    --tests) tests=1 ;;
    *) echo "unknown option $arg" >&2; exit 2 ;;
  esac
done

need=()
[ -x /usr/bin/rustc ] && /usr/bin/rustc --version | grep -q . || need+=(rustc-web)
[ -x /usr/bin/cargo ] || need+=(cargo-web)
[ -d /usr/lib/rustlib/src/rust/library ] || need+=(rust-web-src)
command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Debian's rustc and cargo by full path: rustup's (first on PATH) have no Windows std.
export RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
export CARGO_TARGET_DIR="$PWD/target/windows"
/usr/bin/cargo build --locked -Zbuild-std=std,panic_unwind --target x86_64-pc-windows-gnu -p azfx --bin azfx "${args[@]}"
ls -l "target/windows/x86_64-pc-windows-gnu/$profile/azfx.exe"
# The portable zip and the MSI of what was just built, in target/distrib.
scripts/package-windows.sh --exe "target/windows/x86_64-pc-windows-gnu/$profile/azfx.exe" 2>&1 | grep -v -e '^$' -e 'GLib-GObject-WARNING' -e '^(wixl:[0-9]*): GLib' 
if [ "$tests" = 1 ]; then
  # The unit tests of the engine (where the Windows-specific code is) and the emulator, as
  # exes; their paths are written to target/windows/unit-tests.path, one per line.
  /usr/bin/cargo test --locked -Zbuild-std=std,panic_unwind --target x86_64-pc-windows-gnu \
    -p azfx-core -p azfx-emulator --lib --no-run \
    --message-format=json-render-diagnostics "${args[@]}" \
    | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("profile", {}).get("test") and m.get("executable"):
        print(m["executable"])' > target/windows/unit-tests.path
  cat target/windows/unit-tests.path
fi
