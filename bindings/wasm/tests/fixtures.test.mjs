// The committed fixtures, verified in Wasm exactly as fixtures/manifest.json
// says: valid files verify, invalid ones are rejected (a TxError or
// Groth16Error), malformed ones throw a DecodeError. Natively made
// transactions also scan in Wasm.
import test from "node:test";
import assert from "node:assert/strict";
import { zk, manifest, fixture, thrown, utf8 } from "./common.mjs";

const REJECTED = new Set(["TxError", "Groth16Error", "ChainError"]);

test("the built-in verifying keys are the fixtures' keys", () => {
  for (const [circuit, fingerprint] of Object.entries(manifest.vk_fingerprints)) {
    const bytes = zk.builtinVerifyingKey(circuit);
    assert.deepEqual(bytes, fixture(`${circuit}.vk`));
    assert.deepEqual(zk.verifyingKeyInfo(bytes), { circuit, fingerprint });
    assert.equal(new zk.VerifyingKeys().fingerprint(circuit), fingerprint);
  }
  assert.equal(thrown(() => zk.builtinVerifyingKey("nope")).name, "ArgumentError");
});

test("every fixture verifies as the manifest says", () => {
  assert.ok(manifest.files.length >= 27);
  const seen = { valid: 0, invalid: 0, malformed: 0 };
  for (const entry of manifest.files) {
    const bytes = fixture(entry.file);
    seen[entry.expect] += 1;
    if (entry.expect === "valid") {
      const summary = zk.verifyFile(bytes);
      assert.ok(summary.type, `${entry.file}: ${JSON.stringify(summary)}`);
      if (entry.kind === "transaction") assert.equal(summary.id.length, 64);
      if (entry.kind === "block") {
        assert.equal(summary.type, "block");
        assert.ok(summary.height > 0 && summary.hash.length === 64, JSON.stringify(summary));
        assert.ok(summary.shielded >= 1 && summary.transactions > summary.shielded, JSON.stringify(summary));
      }
    } else {
      const e = thrown(() => zk.verifyFile(bytes));
      assert.ok(e instanceof Error, entry.file);
      if (entry.expect === "invalid") {
        assert.ok(REJECTED.has(e.name), `${entry.file}: ${e.name} ${e.kind}: ${e.message}`);
      } else {
        assert.equal(e.name, "DecodeError", `${entry.file}: ${e.name}: ${e.message}`);
      }
      assert.ok(e.kind && e.message, entry.file);
    }
  }
  assert.ok(seen.valid > 0 && seen.invalid > 0 && seen.malformed > 0, JSON.stringify(seen));
});

test("a batch of every transaction fixture gives each its own verdict", () => {
  const entries = manifest.files.filter((f) => f.file.endsWith(".tx"));
  const verdicts = zk.verifyBatch(entries.map((f) => fixture(f.file)));
  assert.equal(verdicts.length, entries.length);
  entries.forEach((f, i) => {
    assert.equal(verdicts[i].status, f.expect, `${f.file}: ${JSON.stringify(verdicts[i])}`);
    if (f.expect !== "valid") assert.ok(verdicts[i].message, f.file);
  });
  assert.equal(thrown(() => zk.verifyBatch([1, 2])).name, "ArgumentError");
});

test("specific failures carry the Rust variant", () => {
  assert.equal(thrown(() => zk.verifyTransaction(fixture("truncated.tx"))).kind, "Truncated");
  assert.equal(thrown(() => zk.verifyTransaction(fixture("garbage.bin"))).kind, "BadMagic");
  assert.equal(thrown(() => zk.verifyTransaction(fixture("unbalanced.tx"))).kind, "Binding");
  assert.equal(thrown(() => zk.verifyTransaction(fixture("double_spend.tx"))).kind, "DuplicateNullifier");
  assert.equal(thrown(() => zk.verifyProof(fixture("spend_wrong_nullifier.proof"))).name, "Groth16Error");
  assert.equal(zk.verifyProof(fixture("spend.proof")), "spend");
});

test("keys from files replace the built-in ones", () => {
  const vks = new zk.VerifyingKeys();
  // Loading the spend key as-is keeps everything valid.
  assert.equal(vks.load(fixture("spend.vk")).circuit, "spend");
  vks.verifyTransaction(fixture("transfer.tx"));
  // A file that is not a key throws.
  assert.equal(thrown(() => vks.load(fixture("transfer.tx"))).name, "KeyError");
});

test("natively made transactions scan in Wasm", () => {
  const bob = zk.SpendingKey.fromSeed(utf8("SuperZK fixture wallet bob"), 0).incomingViewingKey();
  const found = bob.scan(fixture("transfer.tx"));
  const byAsset = Object.fromEntries(found.map((n) => [n.asset.name, n]));
  assert.equal(byAsset.SERO.value, 300n);
  assert.equal(byAsset.USD.value, 200n);
  assert.equal(byAsset.SERO.memoText, "fixture transfer");
  assert.equal(byAsset.SERO.memo.length, 512);
  const alice = zk.SpendingKey.fromSeed(utf8("SuperZK fixture wallet alice"), 0).incomingViewingKey();
  const change = alice.scan(fixture("transfer.tx"));
  assert.deepEqual(
    change.map((n) => [n.asset.name, n.value]).sort(),
    [["SERO", 695n], ["USD", 300n]],
  );
  // Someone else finds nothing.
  const eve = zk.SpendingKey.fromSeed(utf8("eve"), 0).incomingViewingKey();
  assert.deepEqual(eve.scan(fixture("transfer.tx")), []);
  assert.equal(thrown(() => eve.scan(fixture("truncated.tx"))).name, "DecodeError");
});
