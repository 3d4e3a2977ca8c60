// The real-browser test: serves bindings/wasm on loopback, opens the page in
// headless Chromium (Debian's, driven by playwright-core), lets it prove and
// verify a transfer, asserts on what the page shows, and saves a screenshot
// to artifacts/browser.png.
import { createServer } from "node:http";
import { readFile, mkdir } from "node:fs/promises";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { wasmDir } from "./common.mjs";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".pk": "application/octet-stream",
};

const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
  const file = join(wasmDir, path);
  if (!file.startsWith(wasmDir)) return res.writeHead(403).end();
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
  } catch {
    res.writeHead(404).end("not found");
  }
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const url = `http://127.0.0.1:${server.address().port}/www/demo.html?auto`;

// A fresh profile each run (playwright passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "superzk-chromium-")), {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  viewport: { width: 900, height: 760 },
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
let failed = false;
try {
  const page = await browser.newPage();
  page.on("console", (m) => console.log(`page: ${m.text()}`));
  page.on("pageerror", (e) => console.log(`page error: ${e.message}`));
  const started = Date.now();
  await page.goto(url);
  await page.waitForSelector('#result[data-state="done"], #result[data-state="error"]', { timeout: 15 * 60_000 });
  const text = async (id) => (await page.textContent(`#${id}`)).trim();
  const shown = Object.fromEntries(
    await Promise.all(["result", "shielded", "txid", "verified", "received", "timing"].map(async (id) => [id, await text(id)])),
  );
  console.log(JSON.stringify({ ...shown, page_s: (Date.now() - started) / 1000 }));
  await mkdir(join(wasmDir, "artifacts"), { recursive: true });
  await page.screenshot({ path: join(wasmDir, "artifacts", "browser.png"), fullPage: true });
  assert.equal(await page.getAttribute("#result", "data-state"), "done", shown.result);
  assert.equal(shown.shielded, "100 SERO");
  assert.match(shown.txid, /^[0-9a-f]{64}$/);
  assert.equal(shown.verified, "valid (batch of 2: valid, valid)");
  assert.equal(shown.received, "60 SERO “hello from the browser”");
  console.log("browser test: ok (screenshot: artifacts/browser.png)");
} catch (e) {
  failed = true;
  console.error(`browser test FAILED: ${e.stack ?? e}`);
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
