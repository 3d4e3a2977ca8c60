#!/usr/bin/env bash
# Every binding's tests, each run in its own language: Wasm (Node and a real
# headless browser), then UniFFI (Python, Kotlin, Swift). Each sub-script
# installs what it needs and fails loudly.
set -euo pipefail
cd "$(dirname "$0")"
for suite in wasm/test.sh uniffi/test.sh; do
    echo "== bindings: $suite"
    "./$suite"
done
