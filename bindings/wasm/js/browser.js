// The browser side of the wallet that Rust cannot do itself: keeping the
// wallet in IndexedDB, and fetching proving keys once, caching them in the
// Cache API and checking them against the pinned fingerprints (in Rust,
// `ProvingKeys.addPinned`) before every use.
//
// Works with the `web` build of the package: pass its module as `zk`.

const DB_NAME = "superzk-wallets";
const STORE = "wallets";
const KEY_CACHE = "superzk-proving-keys-v1";

function request(r) {
  return new Promise((ok, fail) => {
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
}

async function store(mode) {
  const open = indexedDB.open(DB_NAME, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE);
  const db = await request(open);
  return { db, store: db.transaction(STORE, mode).objectStore(STORE) };
}

/** The saved wallet `name` (`{ image, mnemonic, savedAt }`), or undefined. */
export async function loadWallet(name) {
  const { db, store: s } = await store("readonly");
  try {
    return await request(s.get(name));
  } finally {
    db.close();
  }
}

/**
 * Saves `wallet` (a `NodeWallet`) under `name`: its database image and its
 * mnemonic. The mnemonic is the wallet's secret and IndexedDB is not
 * encrypted: see SECURITY.md ("Browser wallet").
 */
export async function saveWallet(name, wallet) {
  const record = { image: wallet.toBytes(), mnemonic: wallet.mnemonic(), savedAt: Date.now() };
  const { db, store: s } = await store("readwrite");
  try {
    await request(s.put(record, name));
  } finally {
    db.close();
  }
}

/** Forgets the saved wallet `name`. */
export async function deleteWallet(name) {
  const { db, store: s } = await store("readwrite");
  try {
    await request(s.delete(name));
  } finally {
    db.close();
  }
}

/** Opens the saved wallet `name` for the node at `nodeUrl`, or undefined if none is saved. */
export async function openSavedWallet(zk, name, nodeUrl) {
  const saved = await loadWallet(name);
  if (!saved) return undefined;
  return zk.NodeWallet.open(nodeUrl, saved.image, saved.mnemonic);
}

async function fetchBytes(url) {
  const r = await fetch(url, { cache: "no-store" });
  if (!r.ok) {
    throw Object.assign(new Error(`fetching ${url}: HTTP ${r.status}`), {
      name: "FetchError", kind: "Http", fields: { url: String(url), status: r.status },
    });
  }
  return new Uint8Array(await r.arrayBuffer());
}

/**
 * Proving keys for `circuits` (default the two a payment needs), each from
 * the Cache API if there, else fetched from `baseUrl` (`CIRCUIT.pk`) and
 * cached. Each file is checked against `pinned[circuit]` (its SHA-256, from
 * the `keys.sha256.json` shipped with the package) before use; a cached copy
 * that fails is dropped and fetched again, a fetched copy that fails throws
 * the `ProvingKeyError` (`FingerprintMismatch`, fields `circuit`,
 * `expected`, `found`) and is not cached. `onStatus(text)` hears progress.
 */
export async function loadProvingKeys(zk, { baseUrl, pinned, circuits = ["spend", "output"], onStatus = () => {} }) {
  const keys = new zk.ProvingKeys();
  const cache = globalThis.caches ? await caches.open(KEY_CACHE) : undefined;
  for (const circuit of circuits) {
    const expected = pinned?.[circuit];
    if (typeof expected !== "string") {
      throw Object.assign(new Error(`no pinned fingerprint for the ${circuit} proving key`), {
        name: "ProvingKeyError", kind: "NotPinned", fields: { circuit },
      });
    }
    const url = new URL(`${circuit}.pk`, baseUrl).href;
    const hit = cache && (await cache.match(url));
    if (hit) {
      try {
        keys.addPinned(circuit, new Uint8Array(await hit.arrayBuffer()), expected);
        onStatus(`${circuit} key: from the cache`);
        continue;
      } catch (e) {
        // A damaged or outdated copy: drop it and fetch the pinned one.
        onStatus(`${circuit} key: cached copy refused (${e.kind}), fetching again`);
        await cache.delete(url);
      }
    }
    onStatus(`${circuit} key: fetching`);
    const bytes = await fetchBytes(url);
    keys.addPinned(circuit, bytes, expected);
    if (cache) await cache.put(url, new Response(bytes, { headers: { "content-type": "application/octet-stream" } }));
    onStatus(`${circuit} key: fetched and cached`);
  }
  return keys;
}
