// The wallet page in headless Chromium against a real node: two wallets
// (two names in the same browser profile) are created in the page, the
// first funded by the CLI faucet, synced with the progress bar, pays the
// second; the second syncs and sees the payment; a reload finds the wallet
// in IndexedDB, encrypted (no mnemonic, no SQLite image in the clear),
// locked until its passphrase is given (a wrong one and an empty one are
// refused with their errors). Then bad input, each refused with its structured error:
// a garbled address, another network's address, a mistyped mnemonic word, a
// proving key that does not match its pinned fingerprint (and a damaged
// cached key, dropped and fetched again). Screenshot: artifacts/wallet.png.
//
// The wallet runs in the page's worker: while alice's payment is proven the
// page's own thread must keep running (a timer keeps ticking, the proof
// progress "k of n" is painted proof by proof) and the payment must land.
//
//   node tests/wallet-browser.mjs [single|threads]
// picks the build the page's worker loads (default single; threads needs
// pkg-web-threads, from threads/build.sh).
import { mkdtempSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { wasmDir, keysDir, zk as zkNode } from "./common.mjs";
import { startNode, faucet } from "./devnet.mjs";
import { serve } from "../www/server.mjs";

const LONG = 15 * 60_000;
const BUILD = process.argv[2] ?? "single";
assert.ok(["single", "threads"].includes(BUILD), `unknown build ${BUILD}: single or threads`);

// The pinned fingerprints the page checks keys against (test.sh writes
// them beside the keys and into the package): they must be the keys' own.
const pinned = JSON.parse(readFileSync(join(keysDir, "keys.sha256.json"), "utf8"));
for (const c of ["spend", "output", "package-spend", "package-output"]) {
  assert.equal(pinned[c], createHash("sha256").update(readFileSync(join(keysDir, `${c}.pk`))).digest("hex"), c);
}

// One-second blocks: a payment proven in the page on a loaded machine must
// be mined before it expires (100 blocks after the last sync).
const node = await startNode({ blockIntervalMs: 1000 });
const server = await serve({ root: wasmDir, node: node.url });
const base = `http://127.0.0.1:${server.address().port}/www/index.html`;
const keysUrl = `http://127.0.0.1:${server.address().port}/artifacts/keys/`;
const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "superzk-chromium-")), {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  viewport: { width: 900, height: 1100 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

async function openPage(name) {
  const page = await browser.newPage();
  page.on("console", (m) => console.log(`${name}: ${m.text()}`));
  page.on("pageerror", (e) => console.log(`${name} page error: ${e.message}`));
  await page.goto(`${base}?wallet=${name}&build=${BUILD}`);
  await waitState(page, ["none", "locked"]);
  assert.equal(await page.getAttribute("#build", "data-build"), BUILD, "the worker loaded the build asked for");
  if (BUILD === "threads") assert.ok(Number(await page.getAttribute("#build", "data-threads")) >= 1);
  return page;
}

async function waitState(page, states, timeout = LONG) {
  const selector = states.map((s) => `#state[data-state="${s}"]`).join(", ");
  await page.waitForSelector(`${selector}, #state[data-state="error"]`, { timeout });
  const state = await page.getAttribute("#state", "data-state");
  if (!states.includes(state)) {
    throw new Error(`page state ${state}: ${await page.textContent("#error")}`);
  }
  return state;
}

const spendable = async (page) =>
  BigInt((await page.getAttribute('#balances li[data-asset="SERO"]', "data-spendable")) ?? "0");

async function sync(page) {
  await page.click("#sync");
  await waitState(page, ["synced"]);
  return Number(await page.textContent("#scanned"));
}

/** Runs `f` in the page with the Wasm module; resolves to what it threw, as plain data. */
const thrownIn = (page, f, arg) =>
  page.evaluate(
    async ([src, arg]) => {
      const zk = await import("/pkg-web/superzk_wasm.js");
      await zk.default(); // the page's own instance (the wallet's is in its worker)
      const helpers = await import("/js/browser.js");
      try {
        await new Function("zk", "helpers", "arg", `return (${src})(zk, helpers, arg);`)(zk, helpers, arg);
        return null;
      } catch (e) {
        const fields = Object.fromEntries(Object.entries(e.fields ?? {}).map(([k, v]) => [k, String(v)]));
        return { name: e.name, kind: e.kind, message: e.message, fields };
      }
    },
    [f.toString(), arg],
  );

let failed = false;
try {
  const alice = await openPage("alice");
  const started = Date.now();
  await alice.fill("#new-passphrase", "alice's passphrase");
  await alice.click("#create");
  await waitState(alice, ["ready"]);
  const aliceAddress = (await alice.textContent("#address")).trim();
  assert.match(aliceAddress, /^szk/);

  console.log(await faucet(node.url, aliceAddress, 100, node.dir));
  const height = await sync(alice);
  assert.ok(height > 0, "synced to a height");
  assert.equal(await spendable(alice), 100_000_000n, "alice received the faucet's 100 SERO");
  assert.equal(await alice.getAttribute("#sync-progress", "value"), String(height));

  const bob = await openPage("bob");
  // No passphrase: refused, nothing created.
  await bob.click("#create");
  await waitState(bob, ["error"]);
  assert.deepEqual(
    [await bob.getAttribute("#error", "data-name"), await bob.getAttribute("#error", "data-kind")],
    ["WalletLockError", "EmptyPassphrase"],
  );
  assert.equal(await bob.isVisible("#wallet"), false);
  await bob.fill("#new-passphrase", "bob's passphrase");
  await bob.click("#create");
  await waitState(bob, ["ready"]);
  const bobAddress = (await bob.textContent("#address")).trim();
  assert.notEqual(bobAddress, aliceAddress);

  await alice.fill("#send-to", bobAddress);
  await alice.fill("#send-amount", "30000000");
  await alice.fill("#send-memo", "from the browser");
  // The page's thread, watched while the payment is proven: a timer that
  // counts its ticks, and each proof-progress text painted, with the tick
  // count at that moment.
  await alice.bringToFront(); // a background tab's timers are throttled
  await alice.evaluate(() => {
    window.ticks = 0;
    setInterval(() => window.ticks++, 20);
    window.proofSeen = [];
    new MutationObserver(() =>
      window.proofSeen.push({ text: document.getElementById("proof-text").textContent, ticks: window.ticks }),
    ).observe(document.getElementById("proof-text"), { childList: true, characterData: true, subtree: true });
  });
  await alice.click("#send");
  await waitState(alice, ["sent"]);
  const seen = await alice.evaluate(() => window.proofSeen);
  const reports = seen
    .map((s) => [s.text.match(/^(\d+) of (\d+)$/), s.ticks])
    .filter(([m]) => m)
    .map(([m, ticks]) => [Number(m[1]), Number(m[2]), ticks]);
  console.log(`proof progress seen on the page (done, total, timer ticks): ${JSON.stringify(reports)}`);
  assert.ok(reports.length >= 2, `the page showed proof progress: ${JSON.stringify(seen)}`);
  const total = reports[0][1];
  assert.ok(total >= 2, "a payment with change proves at least a spend and an output");
  assert.deepEqual(reports[0].slice(0, 2), [0, total], "progress starts at 0 of n");
  assert.deepEqual(reports.at(-1).slice(0, 2), [total, total], "progress ends at n of n");
  for (let i = 1; i < reports.length; i++) {
    assert.ok(reports[i][0] > reports[i - 1][0], `progress only moves forward: ${JSON.stringify(reports)}`);
  }
  // The timer ran while the proofs were made: a page whose thread proves
  // would paint 0 of n and n of n in one frame, with no tick between.
  const ticksWhileProving = reports.at(-1)[2] - reports[0][2];
  assert.ok(ticksWhileProving >= 5, `the page's timer kept running while proving (${ticksWhileProving} ticks)`);
  await alice.waitForSelector('#tx-state[data-state="mined"]', { timeout: LONG });
  const txid = (await alice.textContent("#txid")).trim();
  assert.match(txid, /^[0-9a-f]{64}$/);

  await sync(bob);
  assert.equal(await spendable(bob), 30_000_000n, "bob sees alice's payment");
  await sync(alice);
  const aliceLeft = await spendable(alice);
  assert.ok(aliceLeft < 70_000_000n && aliceLeft > 60_000_000n, `alice keeps 70 SERO less the fee: ${aliceLeft}`);
  console.log(JSON.stringify({ create_fund_sync_send_s: (Date.now() - started) / 1000, txid, aliceLeft: String(aliceLeft) }));

  // The saved record: sealed, no mnemonic or database in the clear.
  const phrase = (await alice.textContent("#mnemonic")).trim();
  assert.equal(phrase.split(" ").length, 24);
  const record = await alice.evaluate(async (phrase) => {
    const { loadWallet } = await import("/js/browser.js");
    const r = await loadWallet("alice");
    const has = (bytes, needle) => {
      const n = new TextEncoder().encode(needle);
      outer: for (let i = 0; i + n.length <= bytes.length; i++) {
        for (let j = 0; j < n.length; j++) if (bytes[i + j] !== n[j]) continue outer;
        return true;
      }
      return false;
    };
    return {
      keys: Object.keys(r).sort(),
      version: r.version,
      kdf: r.kdf.name,
      iterations: r.kdf.iterations,
      phraseInClear: has(r.secret.data, phrase) || has(r.image.data, phrase) || has(r.secret.data, phrase.split(" ")[0]),
      sqliteInClear: has(r.image.data, "SQLite format 3"),
      imageBytes: r.image.data.length,
    };
  }, phrase);
  assert.deepEqual(record.keys, ["image", "kdf", "savedAt", "secret", "version"], JSON.stringify(record));
  assert.deepEqual([record.version, record.kdf, record.iterations], [2, "PBKDF2-SHA-256", 600000]);
  assert.equal(record.phraseInClear, false, "the mnemonic is not stored in the clear");
  assert.equal(record.sqliteInClear, false, "the wallet database is not stored in the clear");
  assert.ok(record.imageBytes > 4096, "the sealed image holds the database");

  // A reload finds the wallet where it was (IndexedDB), locked: a wrong
  // passphrase is refused, the right one opens it, before any sync.
  const scanned = await alice.textContent("#scanned");
  await alice.reload();
  await waitState(alice, ["locked"]);
  assert.equal(await alice.isVisible("#wallet"), false);
  await alice.fill("#unlock-passphrase", "bob's passphrase");
  await alice.click("#unlock");
  await alice.waitForSelector('#state[data-state="error"]', { timeout: LONG });
  assert.deepEqual(
    [await alice.getAttribute("#error", "data-name"), await alice.getAttribute("#error", "data-kind")],
    ["WalletLockError", "WrongPassphrase"],
  );
  assert.equal(await alice.isVisible("#wallet"), false, "a wrong passphrase shows nothing of the wallet");
  await alice.fill("#unlock-passphrase", "alice's passphrase");
  await alice.click("#unlock");
  await waitState(alice, ["ready"]);
  assert.equal((await alice.textContent("#address")).trim(), aliceAddress);
  assert.equal(await alice.textContent("#scanned"), scanned);
  assert.equal(await spendable(alice), aliceLeft);

  // Bad input: structured errors, and the page keeps working.
  let e = await thrownIn(alice, async (zk) => {
    const keys = new zk.ProvingKeys();
    const w = await zk.NodeWallet.create("/grpc", undefined, undefined);
    await w.send("szk1qqqqqqqqqqqqqqqqqqqq", 1n, undefined, undefined, keys);
  });
  assert.equal(e?.name, "KeyError", JSON.stringify(e));
  assert.equal(e.kind, "Encoding");

  e = await thrownIn(alice, async (zk, _, to) => {
    const w = await zk.NodeWallet.create("/grpc", undefined, undefined);
    await w.send(to, 1n, undefined, undefined, new zk.ProvingKeys());
  }, zk_mainnet_address());
  assert.equal(e?.kind, "WrongNetwork", JSON.stringify(e));
  assert.deepEqual(e.fields, { what: "an address", expected: "devnet", found: "mainnet" });

  e = await thrownIn(alice, async (zk) => {
    await zk.NodeWallet.create("/grpc", "legal winner thank year wave sausage worth useful legal winner thank yeer", 0);
  });
  assert.deepEqual([e?.name, e?.kind, e?.fields?.position], ["MnemonicError", "UnknownWord", "12"], JSON.stringify(e));

  e = await thrownIn(alice, async (zk) => {
    await zk.NodeWallet.open("/grpc", new Uint8Array(4096).fill(7), "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title");
  });
  assert.deepEqual([e?.name, e?.kind], ["WalletOpenError", "Damaged"], JSON.stringify(e));

  e = await thrownIn(alice, async (zk, helpers, keys) => {
    const pinned = { spend: "00".repeat(32), output: "00".repeat(32) };
    await helpers.loadProvingKeys(zk, { baseUrl: keys, pinned });
  }, keysUrl);
  assert.deepEqual([e?.name, e?.kind, e?.fields?.circuit, e?.fields?.expected], ["ProvingKeyError", "FingerprintMismatch", "spend", "00".repeat(32)], JSON.stringify(e));
  assert.equal(e.fields.found, pinned.spend);

  // Garbage in the key cache: dropped, fetched again, checked, used.
  e = await thrownIn(alice, async (zk, helpers, [keys, pinned]) => {
    const cache = await caches.open("superzk-proving-keys-v1");
    await cache.put(new URL("spend.pk", keys).href, new Response(new Uint8Array(1000).fill(1)));
    const loaded = await helpers.loadProvingKeys(zk, { baseUrl: keys, pinned });
    if (!loaded.has("spend") || !loaded.has("output")) throw new Error("keys not loaded");
    const again = new Uint8Array(await (await cache.match(new URL("spend.pk", keys).href)).arrayBuffer());
    new zk.ProvingKeys().addPinned("spend", again, pinned.spend);
  }, [keysUrl, pinned]);
  assert.equal(e, null, JSON.stringify(e));

  e = await thrownIn(alice, async (zk, _, pinned) => {
    new zk.ProvingKeys().addPinned("spend", new Uint8Array(64).fill(3), pinned.spend);
  }, pinned);
  assert.equal(e?.kind, "FingerprintMismatch");

  await mkdir(join(wasmDir, "artifacts"), { recursive: true });
  await alice.screenshot({ path: join(wasmDir, "artifacts", "wallet.png"), fullPage: true });
  console.log("wallet browser test: ok (screenshot: artifacts/wallet.png)");
} catch (err) {
  failed = true;
  console.error(`wallet browser test FAILED: ${err.stack ?? err}`);
  try {
    console.error(readFileSync(node.log, "utf8").split("\n").slice(-30).join("\n"));
  } catch {}
} finally {
  await browser.close();
  server.close();
  node.stop();
}
process.exit(failed ? 1 : 0);

/** A mainnet address (the keys binding's `address` is mainnet's text form). */
function zk_mainnet_address() {
  return zkNode.SpendingKey.fromSeed(new Uint8Array(32).fill(9), 0).address(0);
}
