// The wallet engine in Wasm (Node build) against a real devnet node over
// gRPC-web (Node's fetch, straight to the node's port): create, fund with
// the CLI faucet, sync with progress reports, save as bytes and open again;
// send with proof progress (the callback, and the BroadcastChannel a page
// listens on); and the node- and wallet-side errors, structured.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { zk, provingKeys } from "./common.mjs";
import { startNode, faucet } from "./devnet.mjs";

let node;
before(async () => {
  // One-second blocks: a payment proven on a loaded machine must be mined
  // before it expires (100 blocks after the last sync).
  node = await startNode({ blockIntervalMs: 1000 });
});
after(() => node?.stop());

const PHRASE =
  "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title";

test("a wallet syncs from the node, finds the faucet's note, and reopens from its bytes", async () => {
  const w = await zk.NodeWallet.create(node.url, PHRASE, 0);
  assert.equal(w.network(), "devnet");
  assert.equal(w.scannedHeight(), 0);
  await faucet(node.url, w.address(), 5, node.dir);
  const reports = [];
  const last = await w.sync((r) => reports.push(r));
  assert.ok(reports.length >= 1, "progress reported");
  assert.ok(last.scannedHeight >= 1 && last.scannedHeight <= last.tipHeight, JSON.stringify(last));
  assert.equal(last.notesFound, 1);
  const [sero] = w.balances();
  assert.deepEqual(sero, { asset: "SERO", spendable: 5_000_000n, pending: 0n });

  const again = await zk.NodeWallet.open(node.url, w.toBytes(), PHRASE);
  assert.equal(again.address(), w.address());
  assert.equal(again.scannedHeight(), w.scannedHeight());
  assert.deepEqual(again.balances(), w.balances());
  // Syncing again goes on from where it stopped.
  const next = await again.sync();
  assert.ok(next.scannedHeight >= last.scannedHeight);
});

test("a payment reports each proof to its callback and on its BroadcastChannel, and lands", async () => {
  const w = await zk.NodeWallet.create(node.url, PHRASE, 0);
  await faucet(node.url, w.address(), 3, node.dir);
  await w.sync();
  const to = (await zk.NodeWallet.create(node.url, undefined, undefined)).address();
  const name = `superzk-test-progress-${process.pid}`;
  const heard = [];
  const listener = new BroadcastChannel(name);
  const allHeard = new Promise((ok) => {
    listener.onmessage = ({ data }) => {
      heard.push(data);
      if (data.done === data.total) ok();
    };
  });
  const called = [];
  const keys = provingKeys("spend", "output");
  const txid = await w.send(to, 1_000_000n, undefined, "progress", keys, (stage, done, total) => called.push([stage, done, total]), name);
  assert.match(txid, /^[0-9a-f]{64}$/);
  // One call before the first proof, one per proof, in order (one thread).
  const total = called[0][2];
  assert.ok(total >= 2, JSON.stringify(called));
  assert.deepEqual(called, Array.from({ length: total + 1 }, (_, i) => ["proving", i, total]));
  await allHeard;
  listener.close();
  assert.deepEqual(
    heard.map((m) => [m.stage, m.done, m.total]).sort((a, b) => a[1] - b[1]),
    called,
    "the channel heard what the callback did",
  );
  // The node took it, and mines it.
  let state;
  for (let i = 0; i < 600 && state?.state !== "mined"; i++) {
    state = await w.status(txid);
    await new Promise((ok) => setTimeout(ok, 100));
  }
  assert.equal(state.state, "mined");
});

test("another mnemonic does not open a saved wallet", async () => {
  const w = await zk.NodeWallet.create(node.url, PHRASE, 0);
  const other = "abandon ".repeat(11) + "about";
  await assert.rejects(zk.NodeWallet.open(node.url, w.toBytes(), other), (e) => {
    assert.equal(e.kind, "WrongMnemonic");
    return true;
  });
});

test("bad input is refused with structured errors", async () => {
  await assert.rejects(zk.NodeWallet.create(node.url, "legal winner thank", 0), (e) => {
    assert.deepEqual([e.name, e.kind, e.fields.got], ["MnemonicError", "WrongWordCount", 3]);
    return true;
  });
  await assert.rejects(zk.NodeWallet.open(node.url, new Uint8Array(100), PHRASE), (e) => {
    assert.deepEqual([e.name, e.kind], ["WalletOpenError", "Damaged"]);
    return true;
  });
  const w = await zk.NodeWallet.create(node.url, PHRASE, 0);
  const mainnet = zk.SpendingKey.fromSeed(new Uint8Array(32).fill(9), 0).address(0);
  await assert.rejects(w.send(mainnet, 1n, undefined, undefined, new zk.ProvingKeys()), (e) => {
    assert.equal(e.kind, "WrongNetwork");
    assert.deepEqual(e.fields, { what: "an address", expected: "devnet", found: "mainnet" });
    return true;
  });
  // Nothing spendable yet (not synced): refused before any proving.
  const keys = new zk.ProvingKeys();
  await assert.rejects(w.send(w.address(), 1n, undefined, undefined, keys), (e) => {
    assert.equal(e.name, "KeyError");
    assert.equal(e.kind, "NotLoaded");
    return true;
  });
  await assert.rejects(w.status("zz"), (e) => e.name === "ArgumentError");
});

test("an unreachable node and a non-gRPC endpoint are NodeErrors", async () => {
  await assert.rejects(zk.NodeWallet.create("http://127.0.0.1:9", PHRASE, 0), (e) => {
    assert.deepEqual([e.name, e.kind], ["NodeError", "Unavailable"]);
    assert.match(e.fields.reason, /GetStatus/);
    return true;
  });
});
