#!/usr/bin/env bash
# The whole test suite, as CI runs it, from a fresh Debian 12 machine with
# the Rust toolchains: each step installs what it needs (apt, npm, cargo
# tools, a Debian 13 chroot for Swift), cached for later runs.
set -euo pipefail
cd "$(dirname "$0")/.."

# The installs (apt, npm, the Swift chroot) wait on the network, not the CPU:
# they run in the background while the workspace compiles, and the binding
# steps below wait for them.
mkdir -p target
setup_log="$PWD/target/setup.log"
(
    ./bindings/wasm/test.sh --setup
    ./bindings/uniffi/test.sh --setup
    ./verifier/tests/interop/run.sh --setup
) >"$setup_log" 2>&1 &
setup_pid=$!
trap 'kill "$setup_pid" 2>/dev/null || true' EXIT

# Each step's heading carries the minutes and seconds since the start, so
# that a CI log shows where the time goes.
started=$(date +%s)
step() {
    local t=$(( $(date +%s) - started ))
    printf '== [%02d:%02d] %s\n' $(( t / 60 )) $(( t % 60 )) "$*"
}

step "format and lints"
cargo fmt --all -- --check
cargo clippy --release --workspace --all-targets -- -D warnings

step "build (release, the whole workspace once: every later step reuses it)"
./scripts/build-native.sh

step "tests (release: proving is far too slow unoptimised; chain-core with overflow checks on, as in every build: Cargo.toml)"
cargo test --release --workspace

step "installs made in the background"
if ! wait "$setup_pid"; then
    cat "$setup_log"
    echo "the background installs failed (log above)" >&2
    exit 1
fi
tail -n 5 "$setup_log"

step "bindings (Wasm in Node and Chromium; Kotlin, Swift, Python via UniFFI)"
./bindings/test.sh

step "interop: snarkjs proofs (circom2 and snarkjs from npm) through superzk verify"
./verifier/tests/interop/run.sh

step "fuzzing: a short run of every target"
./fuzz/smoke.sh

step "the main job, end to end"
# The README runs it with `cargo run -p superzk-cli`; here the binary of the
# workspace build above, to not rebuild with that package's features alone.
SUPERZK_PARAMS_DIR="$PWD/target/superzk-params" "${CARGO_TARGET_DIR:-target}/release/superzk" demo
step "all passed"
