#!/usr/bin/env bash
# Interop with snarkjs: compiles a tiny circom circuit over BLS12-381 with
# circom2 (the circom compiler built to WebAssembly, from npm), makes a
# powers-of-tau and a Groth16 setup, a proof, and checks that
# `superzk verify --format snarkjs` accepts it (exit 0), rejects altered
# files (exit 1), and refuses a BN254 proof (exit 2, naming the curve).
# npm packages are cached in verifier/tests/interop/node_modules (gitignored).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$here"
if [ ! -x node_modules/.bin/snarkjs ] || [ ! -x node_modules/.bin/circom2 ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
# `--setup`: only the install above (./scripts/test.sh runs it in the
# background while it compiles).
[ "${1:-}" != --setup ] || exit 0
bin="$here/node_modules/.bin"
"$root/scripts/build-native.sh"
superzk="${CARGO_TARGET_DIR:-$root/target}/release/superzk"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
cp "$here/cubic.circom" .

# One setup and proof per curve; snarkjs's own verifier must accept each.
prove() { # curve prime
    local curve=$1 prime=$2
    mkdir -p "$curve" && cd "$curve"
    "$bin/circom2" ../cubic.circom --r1cs --wasm --prime "$prime" -o . >/dev/null
    "$bin/snarkjs" powersoftau new "$curve" 4 pot0.ptau >/dev/null
    "$bin/snarkjs" powersoftau contribute pot0.ptau pot1.ptau -e="interop test $curve" >/dev/null
    "$bin/snarkjs" powersoftau prepare phase2 pot1.ptau pot.ptau >/dev/null
    "$bin/snarkjs" groth16 setup cubic.r1cs pot.ptau c0.zkey >/dev/null
    "$bin/snarkjs" zkey contribute c0.zkey c.zkey -e="interop test zkey" >/dev/null
    "$bin/snarkjs" zkey export verificationkey c.zkey vk.json >/dev/null
    echo '{"x": "3", "k": "7"}' > input.json
    "$bin/snarkjs" wtns calculate cubic_js/cubic.wasm input.json w.wtns
    "$bin/snarkjs" groth16 prove c.zkey w.wtns proof.json public.json
    "$bin/snarkjs" groth16 verify vk.json public.json proof.json >/dev/null
    cd ..
}
prove bls12381 bls12381
prove bn128 bn128

pass=0 fail=0
expect() { # code description command...
    local want=$1 what=$2; shift 2
    set +e; out="$("$@" 2>&1)"; got=$?; set -e
    if [ "$got" = "$want" ]; then
        pass=$((pass + 1)); echo "ok: $what (exit $got)"
    else
        fail=$((fail + 1)); echo "FAILED: $what: exit $got, expected $want"; echo "$out"
    fi
}
b=bls12381
expect 0 "snarkjs BLS12-381 proof verifies" "$superzk" verify --format snarkjs $b/vk.json $b/proof.json $b/public.json

# Altered public signal: a valid file, a false statement.
node -e 'const f=process.argv[1],p=JSON.parse(require("fs").readFileSync(f));p[0]=String(BigInt(p[0])+1n);require("fs").writeFileSync(f+".bad",JSON.stringify(p))' $b/public.json
expect 1 "altered public signal is invalid" "$superzk" verify --format snarkjs $b/vk.json $b/proof.json $b/public.json.bad
# A proof for other inputs: the second proof of the same key, other witness.
(cd $b && echo '{"x": "4", "k": "7"}' > in2.json && "$bin/snarkjs" wtns calculate cubic_js/cubic.wasm in2.json w2.wtns \
    && "$bin/snarkjs" groth16 prove c.zkey w2.wtns proof2.json public2.json)
expect 1 "proof of other inputs is invalid" "$superzk" verify --format snarkjs $b/vk.json $b/proof2.json $b/public.json
expect 0 "the other proof verifies with its own inputs" "$superzk" verify --format snarkjs $b/vk.json $b/proof2.json $b/public2.json
# pi_a replaced by another valid point (pi_c): invalid, not malformed.
node -e 'const f=process.argv[1],p=JSON.parse(require("fs").readFileSync(f));p.pi_a=p.pi_c;require("fs").writeFileSync(f+".swap",JSON.stringify(p))' $b/proof.json
expect 1 "swapped proof point is invalid" "$superzk" verify --format snarkjs $b/vk.json $b/proof.json.swap $b/public.json
# A coordinate changed: off the curve, refused as malformed.
node -e 'const f=process.argv[1],p=JSON.parse(require("fs").readFileSync(f));p.pi_a[1]=String(BigInt(p.pi_a[1])+1n);require("fs").writeFileSync(f+".off",JSON.stringify(p))' $b/proof.json
expect 2 "off-curve point is malformed" "$superzk" verify --format snarkjs $b/vk.json $b/proof.json.off $b/public.json
# Another curve: refused, naming it.
expect 2 "bn128 proof is refused" "$superzk" verify --format snarkjs bn128/vk.json bn128/proof.json bn128/public.json
refusal="$("$superzk" verify --format snarkjs bn128/vk.json bn128/proof.json bn128/public.json || true)"
echo "$refusal"
grep -q "curve bn128" <<<"$refusal" \
    && { pass=$((pass + 1)); echo "ok: the refusal names bn128"; } \
    || { fail=$((fail + 1)); echo "FAILED: the refusal does not name bn128"; }
echo "interop: $pass passed, $fail failed"
[ "$fail" = 0 ]
