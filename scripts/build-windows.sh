#!/usr/bin/env bash
# Cross-builds the portable Windows azfx.exe (x86_64-pc-windows-gnu, Debian's mingw-w64)
# and zips it into target/dist/. Needs the Rust standard library for that target
# (`rustup target add x86_64-pc-windows-gnu`), which this project's build machines
# cannot download (rustup reaches no target downloads there, and Debian's
# libstd-rust-dev-windows is built for rustc 1.63, far older than this crate needs).
# On a Windows runner use .github/workflows/windows.yml instead.
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-pc-windows-gnu
if ! rustc --print target-libdir --target "$target" >/dev/null 2>&1 \
  || [ ! -d "$(rustc --print target-libdir --target "$target")" ] \
  || [ -z "$(ls "$(rustc --print target-libdir --target "$target")" 2>/dev/null)" ]; then
  echo "the Rust standard library for $target is not installed: run 'rustup target add $target'" >&2
  echo "(not possible on machines without access to the rustup distribution server)" >&2
  exit 3
fi
command -v x86_64-w64-mingw32-gcc >/dev/null || { echo "install mingw-w64 (apt-get install mingw-w64)" >&2; exit 3; }
CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc cargo build --release --locked --target "$target"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
mkdir -p target/dist
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp "target/$target/release/azfx.exe" README.md "$stage/"
(cd "$stage" && zip -q "$OLDPWD/target/dist/azfx-$version-windows-x86_64.zip" azfx.exe README.md)
ls -l "target/dist/azfx-$version-windows-x86_64.zip"
