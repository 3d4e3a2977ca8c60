#!/usr/bin/env bash
# The threaded Wasm build (pkg-web-threads): superzk-wasm with the `threads`
# feature for wasm32-unknown-unknown with atomics, bulk memory and mutable
# globals, and a standard library rebuilt with them (-Zbuild-std; Debian's
# rustc-web, as ../test.sh builds the default package), so memory is shared
# between the Web Workers of wasm-bindgen-rayon's pool. Its own target
# folder (other RUSTFLAGS would otherwise rebuild the default build's), its
# own package: pages that are not cross-origin isolated, and Node, keep the
# single-threaded pkg-web / pkg-node.
#
# Called by ../test.sh after the default build (same environment: the
# native `bindgen` example built); alone: threads/build.sh from bindings/wasm.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(cd ../.. && pwd)"
NATIVE_TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
WASM_TARGET="${SUPERZK_WASM_THREADS_TARGET_DIR:-$ROOT/target/wasm32-threads}"
(
    export PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$WASM_TARGET"
    export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=/usr/lib/llvm-19/bin/wasm-ld
    # SQLite's C (the wallet, through sqlite-wasm-rs) built by clang for
    # wasm32, with the same atomics as the Rust code: wasm-ld refuses a
    # shared memory with objects built without them.
    export CC_wasm32_unknown_unknown=/usr/lib/llvm-19/bin/clang
    export AR_wasm32_unknown_unknown=/usr/lib/llvm-19/bin/llvm-ar
    export CFLAGS_wasm32_unknown_unknown="-matomics -mbulk-memory"
    # rustc adds the linker flags for shared memory itself when atomics are
    # on (--shared-memory, --import-memory, a 1 GiB maximum, the TLS exports).
    export RUSTFLAGS="-C target-feature=+atomics,+bulk-memory,+mutable-globals ${SUPERZK_WASM_THREADS_RUSTFLAGS:-}"
    if [ "${SUPERZK_WASM_LTO:-0}" = 1 ]; then
        export CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
    fi
    cd "$ROOT"
    cargo build -q --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort \
        -p superzk-wasm --features threads
)
RAW_WASM="$WASM_TARGET/wasm32-unknown-unknown/release/superzk_wasm.wasm"
OPT_DIR="$WASM_TARGET/opt"
mkdir -p "$OPT_DIR"
# As for the default build, before wasm-bindgen (see ../test.sh), with
# threads (atomics) allowed.
wasm-opt -O3 --enable-threads --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
    --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
    "$RAW_WASM" -o "$OPT_DIR/superzk_wasm.wasm"
rm -rf pkg-web-threads
"$NATIVE_TARGET/release/examples/bindgen" web "$OPT_DIR/superzk_wasm.wasm" pkg-web-threads
echo "   pkg-web-threads/superzk_wasm_bg.wasm: $(stat -c %s pkg-web-threads/superzk_wasm_bg.wasm) bytes"
