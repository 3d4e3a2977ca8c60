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

/**
 * Runs `body` with `globalThis.fetch` (what the wallet's gRPC-web client
 * calls) wrapped: the n-th `SendTransaction` request (from 0) goes to
 * `onSend(n, forward)`, where `forward()` hands it to the node. `body` gets
 * the list of send requests seen, each with whether it was forwarded and
 * the gRPC status the node answered ("0" for success; null if none came).
 */
async function withSendFetch(onSend, body) {
  const real = globalThis.fetch;
  const sends = [];
  globalThis.fetch = async (url, init) => {
    if (!String(url).endsWith(".LightClient/SendTransaction")) return real(url, init);
    // Proving took seconds, long enough for the node to close the pooled
    // connection, and the first request on it then fails before reaching
    // the node: the very failure the wallet's retry is for, but here it
    // would come on top of the one the test sets up. A throwaway request
    // (GetStatus, an empty message) takes the closed connection out first.
    const status = String(url).replace(/LightClient\/SendTransaction$/, "Chain/GetStatus");
    await real(status, { method: "POST", headers: init.headers, body: new Uint8Array(5) })
      .then((r) => r.arrayBuffer())
      .catch(() => {});
    const seen = { forwarded: false, grpcStatus: null };
    sends.push(seen);
    return onSend(sends.length - 1, async () => {
      seen.forwarded = true;
      const answer = await real(url, init);
      // The status comes in the headers when the call failed at once,
      // else in the trailer frame at the end of the body.
      const body = new TextDecoder().decode(await answer.clone().arrayBuffer());
      seen.grpcStatus = answer.headers.get("grpc-status") ?? /grpc-status:\s*(\d+)/.exec(body)?.[1] ?? null;
      return answer;
    });
  };
  try {
    return await body(sends);
  } finally {
    globalThis.fetch = real;
  }
}

/** The first send reaches the node, but its answer is lost (a network error instead). */
const firstAnswerLost = async (n, forward) => {
  const answer = await forward();
  if (n > 0) return answer;
  await answer.arrayBuffer();
  throw new TypeError("fetch failed (test: the answer was lost on the way back)");
};

/** The first send never leaves (a network error before anything reaches the node). */
const firstNeverSent = (n, forward) =>
  n > 0 ? forward() : Promise.reject(new TypeError("fetch failed (test: nothing was sent)"));

/** A wallet of `phrase` (a fresh one if undefined) holding one faucet note of 3 SERO. */
async function fundedWallet(phrase) {
  const w = await zk.NodeWallet.create(node.url, phrase, phrase ? 0 : undefined);
  await faucet(node.url, w.address(), 3, node.dir);
  await w.sync();
  assert.equal(w.balances()[0].spendable, 3_000_000n);
  return w;
}

/** Waits until the node has mined `txid` (asserting it pending or mined meanwhile). */
async function untilMined(w, txid) {
  let state;
  for (let i = 0; i < 600 && state?.state !== "mined"; i++) {
    state = await w.status(txid);
    assert.ok(["pending", "mined"].includes(state.state), JSON.stringify(state));
    await new Promise((ok) => setTimeout(ok, 100));
  }
  assert.equal(state.state, "mined");
}

test("a send whose answer was lost is sent: the node's refusal of the copy is not an error", async () => {
  const w = await fundedWallet();
  const to = (await zk.NodeWallet.create(node.url, undefined, undefined)).address();
  const keys = provingKeys("spend", "output");
  const txid = await withSendFetch(firstAnswerLost, async (sends) => {
    const txid = await w.send(to, 1_000_000n, undefined, "answer lost", keys);
    assert.equal(sends.length, 2, "one more try after the lost answer");
    assert.ok(sends.every((s) => s.forwarded));
    // The node refused the copy: already pending (ALREADY_EXISTS), or, had a
    // block taken the first in between, its note spent (FAILED_PRECONDITION).
    assert.ok(["6", "9"].includes(sends[1].grpcStatus), JSON.stringify(sends));
    return txid;
  });
  assert.match(txid, /^[0-9a-f]{64}$/);
  // The wallet recorded it as sent: its one note is no longer spendable.
  assert.equal(w.balances()[0].spendable, 0n);
  await untilMined(w, txid);
});

test("a send that never reached the node is sent on the second try; a copy the node refuses for itself rejects", async () => {
  const phrase = "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong";
  const w = await fundedWallet(phrase);
  const before = w.toBytes();
  const to = (await zk.NodeWallet.create(node.url, undefined, undefined)).address();
  const keys = provingKeys("spend", "output");
  const txid = await withSendFetch(firstNeverSent, async (sends) => {
    const txid = await w.send(to, 1_000_000n, undefined, undefined, keys);
    assert.deepEqual(
      sends.map((s) => [s.forwarded, s.grpcStatus]),
      [[false, null], [true, "0"]],
      "the first try never left; the second went through",
    );
    return txid;
  });
  assert.match(txid, /^[0-9a-f]{64}$/);
  assert.ok(["pending", "mined"].includes((await w.status(txid)).state));

  // A copy of the wallet from before that payment spends the same note in
  // another transaction: the node really refuses it (the note is taken).
  // Its first answer lost too, the refused second try must not pass for
  // sent: the node holds no transaction of that id.
  const stale = await zk.NodeWallet.open(node.url, before, phrase);
  await withSendFetch(firstAnswerLost, async (sends) => {
    await assert.rejects(stale.send(to, 1_000_000n, undefined, undefined, keys), (e) => {
      assert.equal(e.name, "NodeError");
      assert.equal(e.kind, "Refused");
      assert.match(e.fields.reason, /SendTransaction/);
      return true;
    });
    assert.equal(sends.length, 2);
    assert.ok(sends.every((s) => s.forwarded && s.grpcStatus === "9"), JSON.stringify(sends));
  });
  await untilMined(w, txid);
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
