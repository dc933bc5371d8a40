#!/usr/bin/env bash
# Emulator throughput benchmark (release build): 16 parallel 4 MiB ranged GETs and Put
# Ranges over HTTP on loopback. Prints GB/s; the README records the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p azfx-emulator --bench emulator_throughput "$@"
