#!/usr/bin/env bash
# A short run of every fuzz target, as part of ./scripts/test.sh.
#
# Installs cargo-fuzz if absent (it needs the machine's nightly toolchain),
# builds every target once, seeds each corpus from fixtures/ and the small
# committed seeds in fuzz/seeds/, and runs each target for FUZZ_SECONDS
# (default 8: 14 targets, about 2 minutes of fuzzing in all). Any crash,
# panic, timeout or out-of-memory fails the run and leaves the input under
# fuzz/artifacts/<target>/. Corpora grow in
# fuzz/corpus/ (ignored by git) and are reused by later runs.
#
# FUZZ_TARGETS="a b" runs only those; FUZZ_SANITIZER (default none: the code
# under test has no unsafe code of its own, and the address sanitizer doubles
# build time) is passed to cargo fuzz. Longer runs: docs/SECURITY.md.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${FUZZ_SECONDS:-8}"
sanitizer="${FUZZ_SANITIZER:-none}"
all_targets="addresses viewing_keys note_plaintext key_files proof_file transaction verify_mutated
    block chain_file chain_tx apply_block disclosure snarkjs bellman"
targets="${FUZZ_TARGETS:-$all_targets}"

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz: the nightly toolchain is needed (rustup toolchain list shows none)" >&2
    exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

start=$(date +%s)
cargo +nightly fuzz build --sanitizer "$sanitizer"
echo "fuzz: built every target in $(( $(date +%s) - start )) s"

# Seeds: copies of committed files, so the fuzzer never writes into them.
seed() {
    local target="$1"; shift
    mkdir -p "corpus/$target"
    for f in "$@"; do
        [ -f "$f" ] && cp "$f" "corpus/$target/seed-$(basename "$f")"
    done
    return 0
}
# A seed with a leading mode byte (for targets whose first byte picks a mode).
seed_with_mode() {
    local target="$1" mode="$2"; shift 2
    mkdir -p "corpus/$target"
    for f in "$@"; do
        { printf "\\x$mode"; cat "$f"; } > "corpus/$target/seed-$mode-$(basename "$f")"
    done
}
seed addresses seeds/addresses/*
seed viewing_keys seeds/viewing_keys/*
seed note_plaintext seeds/note_plaintext/*
seed key_files seeds/key_files/*
seed_with_mode key_files 00 ../fixtures/*.vk
seed_with_mode key_files 02 ../fixtures/*.vk
seed proof_file ../fixtures/*.proof
seed transaction ../fixtures/*.tx ../fixtures/garbage.bin
seed block seeds/block/*
seed chain_file seeds/chain_file/*
seed chain_tx seeds/chain_tx/*
# Mode byte, then edits of the live chain's next block (the target's doc);
# mode 0 decodes the rest as a block.
seed apply_block seeds/apply_block/*
seed_with_mode apply_block 00 seeds/block/*
seed_with_mode snarkjs 00 ../verifier/tests/interop/snarkjs-bls12381/vk.json
seed_with_mode snarkjs 01 ../verifier/tests/interop/snarkjs-bls12381/proof.json
seed_with_mode snarkjs 02 ../verifier/tests/interop/snarkjs-bls12381/public.json
# Mutation seeds: a leading selector, then four no-op edits (xor 0), room
# for several real edits (superzk_fuzz::apply_edits).
noop_edits='\x00\x00\x00\x00\x00\x10\x00\x00\x00\x20\x00\x00\x00\x40\x00\x00'
mutation_seed() {
    local target="$1" prefix="$2" name="$3"
    mkdir -p "corpus/$target"
    printf "$prefix$noop_edits" > "corpus/$target/seed-$name"
}
for i in 0 1 2 3 4 5 6 7; do
    # Which valid fixture transaction.
    mutation_seed verify_mutated "\\x0$i" "$i"
    # Which of the fixture wallets' disclosures.
    mutation_seed disclosure "\\x0$i" "$i"
done
for file in 0 1 2; do
    # Mode 3 (mutate a real proof), then which file: key, proof, inputs.
    mutation_seed snarkjs "\\x03\\x0$file" "mutate-$file"
    mutation_seed bellman "\\x03\\x0$file" "mutate-$file"
done

for target in $targets; do
    log="$(mktemp)"
    # -rss_limit_mb and -malloc_limit_mb turn an allocation driven by a length
    # field into a finding instead of a hang; -timeout flags slow inputs.
    if ! cargo +nightly fuzz run --sanitizer "$sanitizer" "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
        -max_len=16384 -print_final_stats=1 >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz: $target FAILED; the input is under fuzz/artifacts/$target/" >&2
        exit 1
    fi
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*' || echo "?")
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*' || echo "?")
    echo "fuzz: $target ok: $runs executions in ${seconds} s, coverage $cov edges, $ft features, corpus $(ls "corpus/$target" | wc -l) inputs"
    rm -f "$log"
done
echo "fuzz: smoke run done in $(( $(date +%s) - start )) s"
