// Keys and addresses in Wasm: derivation, text forms, and errors that carry
// the Rust error's type, variant and message.
import test from "node:test";
import assert from "node:assert/strict";
import { zk, thrown, utf8 } from "./common.mjs";

test("keys derive, encode and decode; addresses round-trip", () => {
  const sk = zk.SpendingKey.fromSeed(utf8("SuperZK wasm test seed, 32 bytes+"), 0);
  const text = sk.encode();
  assert.match(text, /^szk-sk1/);
  assert.equal(zk.SpendingKey.decode(text).address(0), sk.address(0));
  const fvk = zk.FullViewingKey.decode(sk.fullViewingKey().encode());
  const ivk = zk.IncomingViewingKey.decode(fvk.incomingViewingKey().encode());
  assert.match(ivk.encode(), /^szk-ivk1/);
  assert.equal(ivk.address(5), sk.address(5));
  assert.notEqual(sk.address(0), sk.address(1));
  // Another account is another key.
  assert.notEqual(zk.SpendingKey.fromSeed(utf8("SuperZK wasm test seed, 32 bytes+"), 1).address(0), sk.address(0));
  const bytes = zk.decodeAddress(sk.address(0));
  assert.equal(bytes.length, 75);
  assert.equal(zk.encodeAddress(bytes), sk.address(0));
  const info = zk.addressInfo(sk.address(0));
  assert.equal(info.diversifier.length, 22);
  assert.equal(info.owner.length, 64);
});

test("bad keys and addresses throw errors named after the Rust error", () => {
  let e = thrown(() => zk.decodeAddress("szk1qqqqqqqq"));
  assert.ok(e instanceof Error);
  assert.equal(e.name, "KeyError");
  assert.equal(e.kind, "Encoding");
  assert.ok(e.message.length > 10, e.message);

  const sk = zk.SpendingKey.fromSeed(new Uint8Array(32).fill(9), 0);
  // A spending key's text is not a viewing key's.
  e = thrown(() => zk.IncomingViewingKey.decode(sk.encode()));
  assert.equal(e.name, "KeyError");

  // 75 bytes that are not a valid address (pk_d not a point).
  const bad = zk.decodeAddress(sk.address(0));
  bad.fill(0xff, 43);
  e = thrown(() => zk.encodeAddress(bad));
  assert.equal(e.name, "KeyError");
  assert.equal(e.kind, "InvalidPoint");

  e = thrown(() => zk.encodeAddress(new Uint8Array(10)));
  assert.equal(e.kind, "WrongLength");

  e = thrown(() => zk.SpendingKey.fromSeed(new Uint8Array(0), 0));
  assert.equal(e.name, "ArgumentError");
});
