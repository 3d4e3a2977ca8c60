// The browser side of the wallet that Rust cannot do itself: keeping the
// wallet in IndexedDB, encrypted under a passphrase (WebCrypto), and fetching proving keys once, caching them in the
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

// A saved wallet is encrypted under a key derived from the user's
// passphrase: PBKDF2-HMAC-SHA-256 (600,000 iterations, a random 16-byte
// salt per wallet) to an AES-256-GCM key, which seals the mnemonic and the
// database image separately, each with a fresh 12-byte nonce per save and
// bound (additional data) to the wallet's name and to which of the two it
// is, so records or fields swapped between wallets do not open. The key is
// a non-extractable CryptoKey kept only in memory (a `WalletLock`).
const RECORD_VERSION = 2;
const KDF_ITERATIONS = 600_000;

function lockError(kind, message, fields = {}) {
  return Object.assign(new Error(message), { name: "WalletLockError", kind, fields });
}

async function deriveKey(passphrase, salt, iterations) {
  if (typeof passphrase !== "string" || passphrase.length === 0) {
    throw lockError("EmptyPassphrase", "a wallet is saved under a passphrase: give a non-empty one");
  }
  const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(passphrase), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/**
 * A new lock for a wallet: the key derived from `passphrase` with a fresh
 * salt. Throws a `WalletLockError` (`EmptyPassphrase`) for "".
 */
export async function createLock(passphrase) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return { key: await deriveKey(passphrase, salt, KDF_ITERATIONS), kdf: { name: "PBKDF2-SHA-256", iterations: KDF_ITERATIONS, salt } };
}

const additionalData = (name, field) => new TextEncoder().encode(`superzk-wallet/v${RECORD_VERSION}/${name}/${field}`);

async function seal(lock, name, field, bytes) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: additionalData(name, field) }, lock.key, bytes);
  return { iv, data: new Uint8Array(data) };
}

async function unseal(lock, name, field, sealed) {
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: sealed.iv, additionalData: additionalData(name, field) },
      lock.key,
      sealed.data,
    );
    return new Uint8Array(plain);
  } catch {
    // AES-GCM cannot tell a wrong key from altered bytes: both fail the tag.
    throw lockError("WrongPassphrase", `the passphrase does not open the saved wallet "${name}" (or its record was altered)`, { name });
  }
}

/** The saved record of wallet `name` as stored (encrypted), or undefined. */
export async function loadWallet(name) {
  const { db, store: s } = await store("readonly");
  try {
    return await request(s.get(name));
  } finally {
    db.close();
  }
}

/**
 * Saves `wallet` (a `NodeWallet`) under `name`, encrypted with `lock`
 * (from `createLock`, or the one `unlockWallet` returned): its mnemonic and
 * its database image. Only one writer should save a wallet (the page's
 * worker does): a save replaces the whole record.
 */
export async function saveWallet(name, wallet, lock) {
  if (!lock?.key || !lock?.kdf) throw lockError("NoLock", "saving a wallet needs its lock (createLock or unlockWallet)");
  const record = {
    version: RECORD_VERSION,
    kdf: lock.kdf,
    secret: await seal(lock, name, "mnemonic", new TextEncoder().encode(wallet.mnemonic())),
    image: await seal(lock, name, "image", wallet.toBytes()),
    savedAt: Date.now(),
  };
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

/**
 * Decrypts the saved wallet `name` with `passphrase`: resolves to
 * `{ mnemonic, image, lock }` (the lock to save it with again), or
 * undefined if none is saved. Throws a `WalletLockError`: `WrongPassphrase`
 * (or the record was altered), `EmptyPassphrase`, `UnknownFormat` (a record
 * of another version, e.g. an unencrypted one from before: restore the
 * wallet from its mnemonic).
 */
export async function unlockWallet(name, passphrase) {
  const saved = await loadWallet(name);
  if (!saved) return undefined;
  if (saved.version !== RECORD_VERSION || saved.kdf?.name !== "PBKDF2-SHA-256") {
    throw lockError("UnknownFormat", `the saved wallet "${name}" is not an encrypted record of version ${RECORD_VERSION}: forget it and restore from the mnemonic`, { name });
  }
  const lock = { key: await deriveKey(passphrase, saved.kdf.salt, saved.kdf.iterations), kdf: saved.kdf };
  const mnemonic = new TextDecoder().decode(await unseal(lock, name, "mnemonic", saved.secret));
  const image = await unseal(lock, name, "image", saved.image);
  return { mnemonic, image, lock };
}

/**
 * Opens the saved wallet `name` for the node at `nodeUrl` with
 * `passphrase`: resolves to `{ wallet, lock }`, or undefined if none is
 * saved. Throws as `unlockWallet`, then as `NodeWallet.open`.
 */
export async function openSavedWallet(zk, name, nodeUrl, passphrase) {
  const unlocked = await unlockWallet(name, passphrase);
  if (!unlocked) return undefined;
  return { wallet: await zk.NodeWallet.open(nodeUrl, unlocked.image, unlocked.mnemonic), lock: unlocked.lock };
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
