// The wallet page's worker: it owns the wallet. The Wasm module, the
// `NodeWallet` (its SQLite image), syncing, proving and every IndexedDB
// write of the wallet happen here, off the page's thread, one request at a
// time: the page only shows what this worker answers, so the saved image
// has a single writer and the page never freezes while a proof is made.
//
// The wallet is saved encrypted under a passphrase (js/browser.js): a
// saved wallet starts locked, and `unlock` opens it.
//
// The build: on a cross-origin isolated page the threaded build
// (pkg-web-threads) with a rayon pool of navigator.hardwareConcurrency
// workers, else the single-threaded pkg-web (`build`: "auto", "threads"
// or "single").
//
// Requests: { id, op, args } -> { id, ok: true, result } or
// { id, ok: false, error: { name, kind, message, fields } }. Events while a
// request runs: { type: "status", text }, { type: "sync", report },
// { type: "proof", done, total }. Proof progress is also posted on the
// BroadcastChannel the page names (`progressChannel`): while this worker
// proves its own event loop is blocked, and in the threaded build the
// proofs finish on the pool's workers, which can only reach the page that
// way.
import { createLock, deleteWallet, loadProvingKeys, loadWallet, openSavedWallet, saveWallet } from "../js/browser.js";

let zk;
let wallet;
// The key the wallet is saved under (from its passphrase), in memory only.
let lock;
let config;
let build;

const post = (message) => self.postMessage(message);
const status = (text) => post({ type: "status", text });

/** A plain-data copy of what the page shows. */
function view() {
  if (!wallet) return null;
  return {
    address: wallet.address(),
    mnemonic: wallet.mnemonic(),
    network: wallet.network(),
    scannedHeight: wallet.scannedHeight(),
    balances: wallet.balances(),
  };
}

async function exists(url) {
  try {
    return (await fetch(url, { method: "HEAD", cache: "no-store" })).ok;
  } catch {
    return false;
  }
}

function workerError(kind, message) {
  return Object.assign(new Error(message), { name: "WalletPageError", kind, fields: {} });
}

/** Loads the build `wanted` asks for; resolves to `{ zk, build, threads }`. */
async function loadBuild(wanted) {
  const threadsUrl = new URL("../pkg-web-threads/superzk_wasm.js", import.meta.url);
  let threads = false;
  if (wanted === "threads") {
    if (!self.crossOriginIsolated) {
      throw workerError("NotIsolated", "the threaded build needs a cross-origin isolated page (COOP/COEP headers)");
    }
    threads = true;
  } else if (wanted === "auto") {
    threads = self.crossOriginIsolated && (await exists(threadsUrl));
  } else if (wanted !== "single") {
    throw workerError("BadBuild", `unknown build ${wanted}: auto, threads or single`);
  }
  const module = await import(threads ? threadsUrl.href : new URL("../pkg-web/superzk_wasm.js", import.meta.url).href);
  await module.default();
  if (threads) {
    status(`starting ${navigator.hardwareConcurrency} proving threads`);
    await module.initThreadPool(navigator.hardwareConcurrency);
  }
  return { zk: module, build: threads ? "threads" : "single", threads: module.threadCount() };
}

let pinned;
async function provingKeys() {
  pinned ??= await (await fetch(new URL("keys.sha256.json", config.keys), { cache: "no-store" })).json();
  return loadProvingKeys(zk, { baseUrl: config.keys, pinned, onStatus: status });
}

async function syncWallet() {
  const started = performance.now();
  const report = await wallet.sync((r) => post({ type: "sync", report: r }));
  await saveWallet(config.name, wallet, lock);
  return { report, seconds: (performance.now() - started) / 1000, view: view() };
}

const ops = {
  async init({ node, name, keys, build: wanted = "auto", progressChannel }) {
    config = { node, name, keys, progressChannel };
    const loaded = await loadBuild(wanted);
    zk = loaded.zk;
    build = { build: loaded.build, threads: loaded.threads };
    return { ...build, locked: (await loadWallet(name)) !== undefined };
  },
  async unlock({ passphrase }) {
    const opened = await openSavedWallet(zk, config.name, config.node, passphrase);
    if (!opened) throw workerError("NoWallet", `no wallet is saved under the name ${config.name}`);
    wallet?.free();
    ({ wallet, lock } = opened);
    return view();
  },
  async create({ passphrase }) {
    const newLock = await createLock(passphrase);
    const created = await zk.NodeWallet.create(config.node, undefined, undefined);
    await saveWallet(config.name, created, newLock);
    wallet?.free();
    [wallet, lock] = [created, newLock];
    return view();
  },
  async restore({ phrase, birthday, passphrase }) {
    const newLock = await createLock(passphrase);
    const restored = await zk.NodeWallet.create(config.node, phrase, birthday);
    await saveWallet(config.name, restored, newLock);
    wallet?.free();
    [wallet, lock] = [restored, newLock];
    return view();
  },
  sync: syncWallet,
  async send({ to, amount, memo }) {
    const keys = await provingKeys();
    try {
      // The payment expires a number of blocks after the last synced one.
      await wallet.sync();
      status("proving");
      const started = performance.now();
      const txid = await wallet.send(to, amount, undefined, memo || undefined, keys,
        (_stage, done, total) => post({ type: "proof", done, total }), config.progressChannel);
      const seconds = (performance.now() - started) / 1000;
      await saveWallet(config.name, wallet, lock);
      return { txid, seconds, view: view() };
    } finally {
      keys.free();
    }
  },
  async status({ txid }) {
    return wallet.status(txid);
  },
  async forget() {
    await deleteWallet(config.name);
    wallet?.free();
    wallet = undefined;
    lock = undefined;
    return null;
  },
};

// One request at a time, in order: no save can interleave with another.
let queue = Promise.resolve();
self.onmessage = ({ data: { id, op, args } }) => {
  queue = queue.then(async () => {
    try {
      if (!ops[op]) throw workerError("UnknownRequest", `no request ${op}`);
      if (op !== "init" && !zk) throw workerError("NotReady", "the worker has not loaded the wallet module yet");
      if (!["init", "unlock", "create", "restore", "forget"].includes(op) && !wallet) {
        throw workerError("NoWallet", "no wallet is open: create or restore one");
      }
      post({ id, ok: true, result: await ops[op](args ?? {}) });
    } catch (e) {
      post({
        id,
        ok: false,
        error: {
          name: e?.name ?? "Error",
          kind: e?.kind ?? "",
          message: e?.message ?? String(e),
          // Plain data only (strings, numbers, bigints), so it can be posted.
          fields: Object.fromEntries(Object.entries(e?.fields ?? {}).map(([k, v]) => [k, typeof v === "object" ? String(v) : v])),
        },
      });
    }
  });
};
