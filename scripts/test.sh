#!/usr/bin/env bash
# The whole test suite, as CI runs it. Installs nothing by hand beyond what the
# Rust toolchain already has; later steps (bindings) install their own tools.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== format and lints"
cargo fmt --all -- --check
cargo clippy --release --workspace --all-targets -- -D warnings

echo "== build (release, the whole workspace once: every later step reuses it)"
./scripts/build-native.sh

echo "== tests (release: proving is far too slow unoptimised)"
cargo test --release --workspace

echo "== bindings (Wasm in Node and Chromium; Kotlin, Swift, Python via UniFFI)"
./bindings/test.sh

echo "== interop: snarkjs proofs (circom2 and snarkjs from npm) through superzk verify"
./verifier/tests/interop/run.sh

echo "== fuzzing: a short run of every target"
./fuzz/smoke.sh

echo "== the main job, end to end"
# The README runs it with `cargo run -p superzk-cli`; here the binary of the
# workspace build above, to not rebuild with that package's features alone.
SUPERZK_PARAMS_DIR="$PWD/target/superzk-params" "${CARGO_TARGET_DIR:-target}/release/superzk" demo
