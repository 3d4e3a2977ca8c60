// Measures (for benches/RESULTS.md, "Browser wallet: cold page to synced";
// not a test, no assertion on time): a cold page (fresh Chromium profile,
// empty caches) to a synced wallet on a devnet of BLOCKS blocks (default
// 1000) with three payments to the wallet on the way.
//
//   node tests/measure-sync.mjs [BLOCKS] [--build single|threads]
//   node tests/measure-sync.mjs --reuse DIR     (again, on the devnet of a
//                                                 previous run: devnet_dir)
//
// The devnet: the `devnet_premine` example mines empty blocks straight into
// the node's store (ten seconds of block time apart, so the difficulty
// stays at its floor: seconds for a thousand blocks); between its runs a
// node process mines a few blocks holding a faucet payment to the wallet
// (the CLI faucet), so the wallet finds notes at about 50 %, 75 % and
// the end of the chain. Then a node process on the same data, not mining,
// serves it; the page restores the wallet from its mnemonic at birthday 0
// (saving it under a passphrase: PBKDF2, 600,000 iterations) and syncs.
// Times: navigation to the page's "no wallet" state (the page
// and its worker loaded the Wasm), then to its "synced" state.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir, cpus } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { root, wasmDir, zk } from "./common.mjs";
import { startNode, faucet } from "./devnet.mjs";
import { serve } from "../www/server.mjs";

const run = promisify(execFile);
const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const BUILD = option("--build") ?? "single";
const reuse = option("--reuse");
const BLOCKS = Number(args[0] ?? 1000);
if (!Number.isInteger(BLOCKS) || BLOCKS < 20) throw new Error(`BLOCKS must be a whole number of at least 20, not ${args[0]}`);
const PREMINE = process.env.SUPERZK_PREMINE ?? join(root, "target", "release", "examples", "devnet_premine");
const PHRASE =
  "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title";
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

async function tipOf(url) {
  return (await (await zk.NodeWallet.create(url, undefined, undefined)).sync()).tipHeight;
}

/** Mines `blocks` empty blocks into the store of `dir` (no node running on it). */
async function premine(dir, blocks) {
  if (blocks <= 0) return;
  const { stdout } = await run(PREMINE, [join(dir, "data"), String(blocks)], { timeout: 600_000 });
  process.stderr.write(stdout);
}

/** Starts a mining node on `dir`, pays the wallet `amount` SERO, mines until `height` at least, stops. */
async function payAndMine(dir, amount, height) {
  const node = await startNode({ blockIntervalMs: 200, dataDir: dir });
  try {
    const address = (await zk.NodeWallet.create(node.url, PHRASE, 0)).address();
    if (amount) await faucet(node.url, address, amount, dir);
    while ((await tipOf(node.url)) < height) await sleep(200);
  } finally {
    await node.stop();
  }
}

const started = Date.now();
let dir = reuse;
if (!dir) {
  // The blocks after the first payment carry times after the node's clock
  // (now), up to ten seconds apart: at most 600 of them keeps the tip
  // within the devnet's two hours of allowed drift.
  const later = Math.min(300, Math.floor(BLOCKS / 4));
  dir = mkdtempSync(join(tmpdir(), "superzk-measure-sync-"));
  await premine(dir, BLOCKS - 2 * later - 10);
  await payAndMine(dir, 1, 0);
  await premine(dir, later);
  await payAndMine(dir, 2, 0);
  const node = await startNode({ mine: false, dataDir: dir });
  const tip = await tipOf(node.url);
  await node.stop();
  await premine(dir, BLOCKS - 5 - tip);
  await payAndMine(dir, 3, BLOCKS);
}
const made_s = (Date.now() - started) / 1000;

const node = await startNode({ mine: false, dataDir: dir });
const server = await serve({ root: wasmDir, node: node.url });
const url = `http://127.0.0.1:${server.address().port}/www/index.html?wallet=measure&build=${BUILD}`;
const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "superzk-chromium-")), {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
});
try {
  const tip = await tipOf(node.url);
  const page = await browser.newPage();
  const load = loadavg();
  const t0 = Date.now();
  await page.goto(url);
  await page.waitForSelector('#state[data-state="none"], #state[data-state="error"]');
  const loaded = Date.now();
  await page.fill("#new-passphrase", "measure");
  await page.fill("#restore-phrase", PHRASE);
  await page.click("#restore");
  await page.waitForSelector('#state[data-state="ready"], #state[data-state="error"]');
  await page.click("#sync");
  await page.waitForSelector('#state[data-state="synced"], #state[data-state="error"]', { timeout: 30 * 60_000 });
  const done = Date.now();
  console.log(JSON.stringify({
    blocks: Number(await page.textContent("#scanned")),
    node_tip: tip,
    balance: (await page.textContent("#balances")).trim(),
    build: await page.getAttribute("#build", "data-build"),
    page_load_s: (loaded - t0) / 1000,
    restore_and_sync_s: (done - loaded) / 1000,
    cold_page_to_synced_s: (done - t0) / 1000,
    state: await page.getAttribute("#state", "data-state"),
    error: await page.textContent("#error"),
    devnet_made_s: reuse ? null : made_s,
    devnet_dir: dir,
    load_average_before: load.map((l) => l.toFixed(2)),
    cores: cpus().length,
    browser: await page.evaluate(() => navigator.userAgent.match(/Chrom\S+/)?.[0] ?? navigator.userAgent),
  }));
} finally {
  await browser.close();
  server.close();
  await node.stop();
}
