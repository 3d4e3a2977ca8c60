// Measures (for benches/RESULTS.md; not a test, no assertion on time): a
// cold page (fresh Chromium profile, empty caches) to a synced wallet on a
// devnet of BLOCKS blocks (default 1000). The devnet is made by a node that
// mines with a 20 ms block interval until the height is reached, with a few
// faucet payments to the wallet on the way; then a second node process on
// the same data, not mining, serves it. The page restores the wallet from
// its mnemonic at birthday 0 and syncs; the time is from navigation to the
// page's "synced" state.
//
//   node tests/measure-sync.mjs [BLOCKS]
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { wasmDir, zk } from "./common.mjs";
import { startNode, faucet } from "./devnet.mjs";
import { serve } from "../www/server.mjs";

const BLOCKS = Number(process.argv[2] ?? 1000);
const PHRASE =
  "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title";
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

// `measure-sync.mjs BLOCKS DIR`: DIR is a previous run's node directory
// (its devnet already made): only the measurement runs.
const reuse = process.argv[3];
let node = reuse ? undefined : await startNode({ blockIntervalMs: 20 });
let payments = 0;
for (;;) {
  if (reuse) break;
  const address = (await zk.NodeWallet.create(node.url, PHRASE, 0)).address();
  const { tipHeight } = await (await zk.NodeWallet.create(node.url, undefined, undefined)).sync();
  if (tipHeight >= BLOCKS) break;
  if (payments < 3 && tipHeight >= (payments + 1) * (BLOCKS / 4)) {
    await faucet(node.url, address, 1 + payments, node.dir);
    payments++;
  }
  await sleep(500);
}
await node?.stop();
const dataDir = reuse ?? node.dir;
node = await startNode({ blockIntervalMs: 1000, extra: [], dataDir, mine: false });
const server = await serve({ root: wasmDir, node: node.url });
const url = `http://127.0.0.1:${server.address().port}/www/index.html?wallet=measure`;
const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "superzk-chromium-")), {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
});
try {
  const page = await browser.newPage();
  const started = Date.now();
  await page.goto(url);
  await page.waitForSelector('#state[data-state="none"]');
  const loaded = Date.now();
  await page.fill("#restore-phrase", PHRASE);
  await page.click("#restore");
  await page.waitForSelector('#state[data-state="ready"]');
  await page.click("#sync");
  await page.waitForSelector('#state[data-state="synced"], #state[data-state="error"]', { timeout: 30 * 60_000 });
  const done = Date.now();
  console.log(JSON.stringify({
    blocks: Number(await page.textContent("#scanned")),
    faucet_payments: payments,
    balance: await page.textContent("#balances"),
    page_load_s: (loaded - started) / 1000,
    cold_page_to_synced_s: (done - started) / 1000,
    state: await page.getAttribute("#state", "data-state"),
    error: await page.textContent("#error"),
  }));
} finally {
  await browser.close();
  server.close();
  node.stop();
}
