// Proving in Wasm: a shielding transaction, a private transfer, a ticket
// issuance and a package sealed and opened, proven in Wasm with proving keys
// passed in as bytes, verified in Wasm and by the native `superzk verify`;
// tampered copies are rejected by both.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zk, provingKeys, thrown, utf8, superzkBin } from "./common.mjs";

const tmp = mkdtempSync(join(tmpdir(), "superzk-wasm-"));
/** The transparent account that pays for shielding and issues tickets. */
const ACCOUNT = new Uint8Array(32).fill(0xa1);

/** Runs the native verifier on `bytes`; returns its exit status and output. */
function nativeVerify(name, bytes) {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  const r = spawnSync(superzkBin, ["verify", path], { encoding: "utf8" });
  assert.equal(r.error, undefined, `running ${superzkBin}: ${r.error}`);
  return { status: r.status, out: r.stdout + r.stderr };
}

test("only the keys a transaction needs must be loaded", () => {
  const keys = new zk.ProvingKeys();
  assert.equal(keys.has("output"), false);
  const alice = zk.SpendingKey.fromSeed(utf8("wasm alice"), 0);
  const e = thrown(() => zk.shield(keys, ACCOUNT, alice.address(0), "SERO", 5n));
  assert.equal(e.name, "KeyError");
  assert.equal(e.kind, "NotLoaded");
  assert.match(e.message, /output proving key is not loaded/);
  assert.equal(thrown(() => keys.add(new Uint8Array(100))).name, "KeyError");
});

test("a transfer proven in Wasm verifies in Wasm and natively; tampering is caught", () => {
  const keys = provingKeys("spend", "output");
  assert.ok(keys.has("spend") && keys.has("output") && !keys.has("package-spend"));
  const aliceKey = zk.SpendingKey.fromSeed(utf8("wasm alice"), 0);
  const bobKey = zk.SpendingKey.fromSeed(utf8("wasm bob"), 0);
  const alice = new zk.Wallet(aliceKey);
  const bob = new zk.Wallet(bobKey);

  // Shield 100 SERO to Alice.
  const stages = [];
  const shield = zk.shield(keys, ACCOUNT, alice.address(0), "SERO", 100n, utf8("from the faucet"), (stage, step, total) =>
    stages.push([stage, step, total]),
  );
  assert.deepEqual(stages, [["proving", 0, 1], ["proved", 1, 1]]);
  assert.match(zk.verifyTransaction(shield), /^[0-9a-f]{64}$/);
  assert.deepEqual(alice.scan(shield), { received: 1, spent: 0 });
  assert.deepEqual(bob.scan(shield), { received: 0, spent: 0 });
  assert.equal(alice.balance("SERO"), 100n);

  // Alice pays Bob 60 SERO with a fee of 2: one Spend, two Outputs.
  const transfer = alice.transfer(keys, bob.address(3), "SERO", 60n, 2n, utf8("for the tickets"));
  const id = zk.verifyTransaction(transfer);
  assert.deepEqual(zk.verifyBatch([shield, transfer]).map((v) => v.status), ["valid", "valid"]);
  assert.deepEqual(alice.scan(transfer), { received: 1, spent: 1 });
  assert.deepEqual(bob.scan(transfer), { received: 1, spent: 0 });
  assert.equal(alice.balance("SERO"), 38n);
  assert.equal(bob.balance("SERO"), 60n);
  const [found] = bobKey.incomingViewingKey().scan(transfer);
  assert.equal(found.type, "note");
  assert.equal(found.asset.name, "SERO");
  assert.equal(found.value, 60n);
  assert.equal(found.memoText, "for the tickets");
  assert.equal(found.diversifier, zk.addressInfo(bob.address(3)).diversifier);

  // The native verifier accepts both.
  for (const [name, bytes] of [["shield.tx", shield], ["transfer.tx", transfer]]) {
    const r = nativeVerify(name, bytes);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /: valid/);
  }

  // Tampered copies: a flipped proof byte, a truncation, a changed fee.
  const flipped = transfer.slice();
  flipped[flipped.length - 100] ^= 1;
  const e = thrown(() => zk.verifyTransaction(flipped));
  assert.ok(["TxError", "DecodeError"].includes(e.name), `${e.name}: ${e.message}`);
  assert.notEqual(nativeVerify("flipped.tx", flipped).status, 0);
  const cut = transfer.slice(0, transfer.length - 1);
  assert.equal(thrown(() => zk.verifyTransaction(cut)).name, "DecodeError");
  assert.equal(nativeVerify("cut.tx", cut).status, 2);
  assert.equal(zk.verifyTransaction(transfer), id);

  // Spending more than the wallet holds is a BuildError, before any proof.
  const poor = thrown(() => bob.transfer(keys, alice.address(0), "SERO", 1000n, 0n));
  assert.equal(poor.name, "BuildError");
  assert.equal(poor.kind, "InsufficientFunds");
  assert.equal(thrown(() => bob.transfer(keys, "szk1nope", "SERO", 1n, 0n)).name, "KeyError");
  assert.equal(thrown(() => bob.transfer(keys, alice.address(0), "SERO", 1n, 0n, new Uint8Array(513))).name, "ArgumentError");
});

test("a ticket issued in Wasm verifies natively and scans as a ticket", () => {
  const keys = provingKeys("output");
  const holder = zk.SpendingKey.fromSeed(utf8("wasm ticket holder"), 0);
  const serial = new Uint8Array(32).fill(7);
  const tx = zk.issueTicket(keys, ACCOUNT, "wasm-concert", serial, holder.address(0));
  const id = zk.ticketId(ACCOUNT, "wasm-concert", serial);
  assert.notDeepEqual(id, zk.ticketId(new Uint8Array(32).fill(0xb2), "wasm-concert", serial));
  zk.verifyTransaction(tx);
  const r = nativeVerify("ticket.tx", tx);
  assert.equal(r.status, 0, r.out);
  const [found] = holder.incomingViewingKey().scan(tx);
  assert.equal(found.asset.kind, "ticket");
  assert.equal(found.asset.category, "wasm-concert");
  assert.equal(found.asset.id, Buffer.from(id).toString("hex"));
  assert.equal(found.value, 1n);
  const wallet = new zk.Wallet(holder);
  wallet.scan(tx);
  assert.equal(wallet.balance({ category: "wasm-concert", id }), 1n);
});

test("a package sealed and opened in Wasm verifies natively; its contents arrive", () => {
  const keys = provingKeys("spend", "output", "package-spend", "package-output");
  const alice = new zk.Wallet(zk.SpendingKey.fromSeed(utf8("wasm package sender"), 0));
  const bob = new zk.Wallet(zk.SpendingKey.fromSeed(utf8("wasm package receiver"), 0));
  const scanBoth = (tx) => [alice.scan(tx), bob.scan(tx)];

  const shield = zk.shield(keys, ACCOUNT, alice.address(0), "SERO", 90n);
  scanBoth(shield);
  const sealed = alice.sealPackage(keys, bob.address(1), [["SERO", 70n]], utf8("sealed in wasm"));
  zk.verifyTransaction(sealed);
  assert.equal(nativeVerify("seal.tx", sealed).status, 0);
  assert.deepEqual(scanBoth(sealed), [{ received: 1, spent: 1 }, { received: 1, spent: 0 }]);
  assert.equal(alice.balance("SERO"), 20n);
  const [held] = bob.packages();
  assert.equal(held.index, 0);
  assert.equal(held.memoText, "sealed in wasm");
  assert.deepEqual(held.contents.map((c) => [c.asset.name, c.value]), [["SERO", 70n]]);
  assert.equal(thrown(() => bob.openPackage(keys, 1)).name, "ArgumentError");

  const opened = bob.openPackage(keys, 0);
  zk.verifyTransaction(opened);
  assert.equal(nativeVerify("open.tx", opened).status, 0);
  scanBoth(opened);
  assert.deepEqual(bob.packages(), []);
  assert.equal(bob.balance("SERO"), 70n);
});
