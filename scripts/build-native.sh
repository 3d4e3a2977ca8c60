#!/usr/bin/env bash
# Builds every native artifact the test steps use (libraries, the `superzk`
# CLI, uniffi-bindgen and the UniFFI library, the Wasm tests' native helpers,
# the benchmarks) in one release build of the whole workspace with all
# targets. Every step builds through this one command on purpose: building a
# subset (`-p superzk-cli`) resolves other crate features and rebuilds the
# arkworks stack, minutes on 2 cores; after the first call it is a no-op.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q --workspace --all-targets
