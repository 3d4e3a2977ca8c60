// Wallet.redeemTicket: one Spend proof and no output; the ticket leaves the
// wallet, the transaction verifies, and what cannot be redeemed is refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { zk, provingKeys, thrown } from "./common.mjs";

const issuer = new Uint8Array(32).fill(0x1e);
const serial = new Uint8Array(32).fill(0x5e);

test("a held ticket is redeemed with one Spend proof; the transaction verifies", () => {
  const keys = provingKeys("spend", "output");
  const wallet = new zk.Wallet(zk.SpendingKey.fromSeed(new TextEncoder().encode("redeem test"), 0));
  wallet.scan(zk.issueTicket(keys, issuer, "concert", serial, wallet.address(0)));
  const id = zk.ticketId(issuer, "concert", serial);
  const ticket = { category: "concert", id };
  assert.equal(wallet.balance(ticket), 1n);

  const stages = [];
  const tx = wallet.redeemTicket(keys, "concert", id, (stage) => stages.push(stage));
  assert.deepEqual(stages, ["proving", "proved"]);
  assert.match(zk.verifyTransaction(tx), /^[0-9a-f]{64}$/);
  assert.deepEqual(wallet.scan(tx), { received: 0, spent: 1 });
  assert.equal(wallet.balance(ticket), 0n);

  // Redeemed once, it is gone: a second redemption finds nothing to spend.
  const again = thrown(() => wallet.redeemTicket(keys, "concert", id));
  assert.equal(again.kind, "InsufficientFunds");
});

test("redeeming refuses bad ids and missing keys before proving", () => {
  const wallet = new zk.Wallet(zk.SpendingKey.fromSeed(new TextEncoder().encode("redeem test 2"), 0));
  const keys = provingKeys("spend");
  assert.equal(thrown(() => wallet.redeemTicket(keys, "concert", new Uint8Array(31))).name, "ArgumentError");
  assert.equal(thrown(() => wallet.redeemTicket(keys, "", new Uint8Array(32))).name, "AssetInfoError");
  const noSpendKey = thrown(() => wallet.redeemTicket(new zk.ProvingKeys(), "concert", new Uint8Array(32)));
  assert.equal(noSpendKey.kind, "NotLoaded");
});
