#!/usr/bin/env bash
# Builds the field microbenchmark for wasm32 (Debian's rustc-web and clang,
# as bindings/wasm/test.sh builds the binding) and times it under Node.
set -euo pipefail
cd "$(dirname "$0")"
ROOT="$(cd ../../.. && pwd)"
export PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${SUPERZK_WASM_TARGET_DIR:-$ROOT/target/wasm32-build}"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=/usr/lib/llvm-19/bin/wasm-ld
export CC_wasm32_unknown_unknown=/usr/lib/llvm-19/bin/clang
export AR_wasm32_unknown_unknown=/usr/lib/llvm-19/bin/llvm-ar
unset RUSTFLAGS
cargo build -q --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort
node bench.mjs "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/superzk_fpbench.wasm" "$@"
