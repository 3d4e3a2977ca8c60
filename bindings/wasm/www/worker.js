// The work, off the page's thread: load the Wasm module, fetch the two
// proving keys a transfer needs, shield a note to Alice, have her pay Bob,
// verify, and let Bob find his note.
import init, * as zk from "../pkg-web/superzk_wasm.js";

const post = (msg) => self.postMessage(msg);
const step = (n, text) => post({ type: "step", step: n, text });
const field = (id, text) => post({ type: "field", id, text });
const utf8 = (s) => new TextEncoder().encode(s);

async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw Object.assign(new Error(`fetching ${url}: HTTP ${r.status}`), { name: "FetchError", kind: "Http" });
  return new Uint8Array(await r.arrayBuffer());
}

self.onmessage = async ({ data }) => {
  try {
    step(1, "loading the Wasm module");
    await init();
    step(2, "fetching proving keys");
    const keys = new zk.ProvingKeys();
    for (const circuit of ["spend", "output"]) {
      keys.add(await fetchBytes(new URL(`${circuit}.pk`, new URL(data.keys, self.location.href))));
    }
    const aliceKey = zk.SpendingKey.fromSeed(crypto.getRandomValues(new Uint8Array(32)), 0);
    const bobKey = zk.SpendingKey.fromSeed(crypto.getRandomValues(new Uint8Array(32)), 0);
    const alice = new zk.Wallet(aliceKey);
    const onProgress = (stage, done, total) => field("status-detail", `${stage} ${done}/${total}`);

    step(3, "proving: shielding 100 SERO to Alice");
    let t = performance.now();
    const shield = zk.shield(keys, new Uint8Array(32).fill(0xa1), alice.address(0), "SERO", 100n, utf8("faucet"), onProgress);
    const shieldS = (performance.now() - t) / 1000;
    alice.scan(shield);
    field("shielded", `${alice.balance("SERO")} SERO`);

    step(4, "proving: Alice pays Bob 60 SERO (fee 2)");
    t = performance.now();
    const transfer = alice.transfer(keys, bobKey.address(0), "SERO", 60n, 2n, utf8("hello from the browser"), onProgress);
    const transferS = (performance.now() - t) / 1000;
    field("timing", `${shieldS.toFixed(1)} s, ${transferS.toFixed(1)} s`);

    step(5, "verifying");
    const id = zk.verifyTransaction(transfer);
    field("txid", id);
    const verdicts = zk.verifyBatch([shield, transfer]).map((v) => v.status);
    field("verified", `valid (batch of 2: ${verdicts.join(", ")})`);

    step(6, "Bob scans");
    const found = bobKey.incomingViewingKey().scan(transfer);
    field("received", found.map((n) => `${n.value} ${n.asset.name} “${n.memoText}”`).join("; ") || "nothing");
    post({ type: "done" });
  } catch (e) {
    post({ type: "error", name: e.name, kind: e.kind, message: e.message });
  }
};
