// One proving run, in a module Worker with its own instance of a build:
// loads `pkg` (pkg-web or pkg-web-threads), starts `threads` workers for
// rayon's pool (threaded build only), fetches the Spend and Output proving
// keys, then `runs` times: issues a ticket to a fresh wallet (one Output
// proof, untimed), redeems it (one Spend proof alone, timed) and verifies
// the redeeming transaction. Posts { ok, ... } or { ok: false, error }.
const fetchBytes = async (url) => {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`fetching ${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
};

self.onmessage = async ({ data: { pkg, threads, runs, keys: keysUrl } }) => {
  let stage = "loading the module";
  try {
    const zk = await import(new URL(`../${pkg}/superzk_wasm.js`, self.location.href));
    await zk.default();
    if (threads > 0) {
      if (!zk.threadsBuild()) throw new Error(`${pkg} is not the threaded build`);
      stage = "starting the thread pool";
      await zk.initThreadPool(threads);
    }
    stage = "adding the proving keys";
    const keys = new zk.ProvingKeys();
    for (const c of ["spend", "output"]) keys.add(await fetchBytes(new URL(`${c}.pk`, keysUrl)));
    const issuer = new Uint8Array(32).fill(0x1e);
    const spendS = [];
    const txids = [];
    for (let i = 0; i < runs; i++) {
      stage = `proving, run ${i + 1}`;
      const wallet = new zk.Wallet(zk.SpendingKey.fromSeed(crypto.getRandomValues(new Uint8Array(32)), 0));
      const serial = crypto.getRandomValues(new Uint8Array(32));
      wallet.scan(zk.issueTicket(keys, issuer, "bench", serial, wallet.address(0)));
      const id = zk.ticketId(issuer, "bench", serial);
      const t = performance.now();
      const redeem = wallet.redeemTicket(keys, "bench", id);
      spendS.push((performance.now() - t) / 1000);
      txids.push(zk.verifyTransaction(redeem)); // throws unless the proof verifies
      // A copy with one byte of the Spend proof flipped must fail: the
      // verdict above is the verifier's, not a formality.
      const bad = redeem.slice();
      bad[bad.length >> 1] ^= 1;
      let refused = false;
      try {
        zk.verifyTransaction(bad);
      } catch {
        refused = true;
      }
      if (!refused) throw new Error("a transaction with a flipped byte verified");
    }
    self.postMessage({
      ok: true,
      pkg,
      threads,
      poolSize: zk.threadCount(),
      spendS,
      txids,
    });
  } catch (e) {
    self.postMessage({ ok: false, pkg, threads, error: `${stage}: ${e.name ?? "Error"}: ${e.message ?? e}`, stack: String(e.stack) });
  }
};
