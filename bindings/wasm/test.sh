#!/usr/bin/env bash
# The Wasm binding's tests, from a bare Debian 12 machine: installs what it
# needs (skipped when present), builds superzk-wasm for wasm32-unknown-unknown
# with Debian's rustc-web (the rustup toolchain has no wasm32 standard library
# and cannot fetch one), generates the npm package for the web and for Node
# with wasm-bindgen, shrinks it with wasm-opt, assembles the npm package
# (keys.sha256.json, js/), type-checks it with tsc, then runs the Node tests
# (the wallet against a real node among them) and the headless-Chromium
# tests (the offline demo, and the wallet page against a real node).
#
# Caches: apt packages, the wasm32 build (SUPERZK_WASM_TARGET_DIR, default
# target/wasm32-build), node_modules. The native parts (the `superzk` CLI,
# the key writer, the glue generator) come from the same build of the whole
# workspace that ./scripts/test.sh makes first, so they cost nothing there.
set -euo pipefail
cd "$(dirname "$0")"
HERE="$PWD"
ROOT="$(cd ../.. && pwd)"
START=$SECONDS
stage() { echo "== wasm: $* ($((SECONDS - START)) s)"; }

# --- system packages ---------------------------------------------------------
APT_PACKAGES=(rustc-web cargo-web rust-web-src lld-19 binaryen chromium)
# The browser wallet's SQLite (sqlite-wasm-rs) is C compiled for wasm32:
# clang and llvm-ar of the same LLVM as the linker.
APT_PACKAGES+=(clang-19 llvm-19)
command -v node >/dev/null || APT_PACKAGES+=(nodejs)
command -v npm >/dev/null || APT_PACKAGES+=(npm)
missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    stage "apt-get install ${missing[*]}"
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- npm: playwright-core drives Debian's Chromium; typescript checks the types -
if [[ ! -d node_modules/playwright-core || ! -d node_modules/typescript ]]; then
    stage "npm install"
    npm install --no-audit --no-fund --loglevel=error
fi
# `--setup`: only the installs above (./scripts/test.sh runs them in the
# background while it compiles).
[[ "${1:-}" != --setup ]] || exit 0

# --- native parts: the `superzk` verifier, and the demo proving keys ---------
NATIVE_TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
export SUPERZK_PARAMS_DIR="${SUPERZK_PARAMS_DIR:-$ROOT/target/superzk-params}"
stage "native build (superzk, demo_keys, bindgen)"
"$ROOT/scripts/build-native.sh"
export SUPERZK_BIN="$NATIVE_TARGET/release/superzk"
export SUPERZK_WASM_KEYS="$HERE/artifacts/keys"
mkdir -p "$SUPERZK_WASM_KEYS"
"$NATIVE_TARGET/release/examples/demo_keys" "$SUPERZK_WASM_KEYS" >/dev/null

# --- wasm32 build with Debian's rustc-web and build-std -----------------------
WASM_TARGET="${SUPERZK_WASM_TARGET_DIR:-$ROOT/target/wasm32-build}"
stage "wasm32 build ($(/usr/bin/rustc --version))"
(
    export PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$WASM_TARGET"
    export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=/usr/lib/llvm-19/bin/wasm-ld
    export CC_wasm32_unknown_unknown=/usr/lib/llvm-19/bin/clang
    export AR_wasm32_unknown_unknown=/usr/lib/llvm-19/bin/llvm-ar
    # One codegen unit and fat LTO inline the prover's field arithmetic
    # across crates (faster proofs, smaller .wasm) but add ~5 minutes to a
    # cold build on 2 cores: opt in with SUPERZK_WASM_LTO=1 (benchmarks,
    # releases); the test run keeps the default release profile.
    if [ "${SUPERZK_WASM_LTO:-0}" = 1 ]; then
        export CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
    fi
    unset RUSTFLAGS
    cd "$ROOT"
    cargo build -q --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort -p superzk-wasm
)
RAW_WASM="$WASM_TARGET/wasm32-unknown-unknown/release/superzk_wasm.wasm"

stage "wasm-opt, then wasm-bindgen's glue (web, nodejs)"
# Debian's binaryen (108) mis-optimises the externref table wasm-bindgen
# adds, so it runs on rustc's output, before wasm-bindgen.
OPT_DIR="$WASM_TARGET/opt"
mkdir -p "$OPT_DIR"
wasm-opt -O3 --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
    --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
    "$RAW_WASM" -o "$OPT_DIR/superzk_wasm.wasm"
echo "   .wasm from rustc $(stat -c %s "$RAW_WASM") bytes, after wasm-opt $(stat -c %s "$OPT_DIR/superzk_wasm.wasm") bytes"
for target in web nodejs; do
    out="pkg-${target%js}"
    rm -rf "$out"
    "$NATIVE_TARGET/release/examples/bindgen" "$target" "$OPT_DIR/superzk_wasm.wasm" "$out"
    echo "   $out/superzk_wasm_bg.wasm: $(stat -c %s "$out/superzk_wasm_bg.wasm") bytes"
done

# The npm package: both builds, the browser helpers (js/), and the pinned
# SHA-256 fingerprints of the proving keys (keys.sha256.json) that the page
# checks each key against before use.
stage "npm package"
(
    cd "$SUPERZK_WASM_KEYS"
    printf '{\n'
    sep=""
    for c in spend output package-spend package-output; do
        printf '%s  "%s": "%s"' "$sep" "$c" "$(sha256sum "$c.pk" | cut -d' ' -f1)"
        sep=$',\n'
    done
    printf '\n}\n'
) >keys.sha256.json
cp keys.sha256.json "$SUPERZK_WASM_KEYS/keys.sha256.json"
npm pack --dry-run --json 2>/dev/null >artifacts/npm-pack.json
node -e '
const files = new Set(JSON.parse(require("fs").readFileSync("artifacts/npm-pack.json", "utf8"))[0].files.map((f) => f.path));
const need = ["package.json", "keys.sha256.json", "js/browser.js", "js/browser.d.ts",
  "pkg-web/superzk_wasm.js", "pkg-web/superzk_wasm.d.ts", "pkg-web/superzk_wasm_bg.wasm",
  "pkg-node/superzk_wasm.js", "pkg-node/superzk_wasm.d.ts", "pkg-node/superzk_wasm_bg.wasm"];
const missing = need.filter((f) => !files.has(f));
if (missing.length) { console.error("npm package lacks " + missing.join(", ")); process.exit(1); }
console.log("   npm package: " + files.size + " files");
'

stage "TypeScript: the package's types, as a page uses them (tests/types.ts)"
node_modules/.bin/tsc -p tests/tsconfig.json

stage "Node tests"
node --test tests/*.test.mjs
stage "browser test (headless Chromium)"
node tests/browser.mjs
stage "wallet page test (headless Chromium, real node; single-threaded build in its worker)"
node tests/wallet-browser.mjs single
# --- wasm threads (threads/): the threaded build and its Chromium test -------
# A second wasm32 compile (shared memory, the `threads` feature) into its
# own target folder, then one Spend proof per configuration in a cross-origin
# isolated page (single-threaded build, pool of 1, pool of all cores), each
# verified, and the threaded build refused on a page that is not isolated;
# then the wallet page again, its worker on the threaded build.
# SUPERZK_WASM_THREADS=0 skips it.
if [ "${SUPERZK_WASM_THREADS:-1}" != 0 ]; then
    stage "threaded wasm32 build (pkg-web-threads)"
    threads/build.sh
    stage "threads test (headless Chromium, cross-origin isolated)"
    node threads/bench.mjs --runs 1
    stage "wallet page test, threaded build in its worker (headless Chromium, real node)"
    node tests/wallet-browser.mjs threads
fi
stage "passed"
