#!/usr/bin/env node
// Wasm proving on threads in headless Chromium (Debian's, driven by
// playwright-core), against native proving on one thread.
//
//   node threads/bench.mjs [--runs N] [--threads N] [--native] [--json]
//
// Serves bindings/wasm cross-origin isolated (server.mjs) and opens
// threads/bench.html: one Spend proof (redeeming a ticket) with the
// single-threaded build, with the threaded build on a pool of 1, and on a
// pool of N (default: navigator.hardwareConcurrency), best of --runs, every
// proof verified; then opens it again from a server without the isolation
// headers, where the threaded build must fail to start. Asserts what must
// hold (isolation, pool sizes, proofs that verify, the refusal), never a
// time. --native also times target/release/one_spend (RAYON_NUM_THREADS=1,
// best of --runs) for the ratio. With --json the last stdout line is the
// figures as JSON.
//
// Needs pkg-web, pkg-web-threads and artifacts/keys (test.sh makes them).
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { serve } from "./server.mjs";
import { wasmDir, root } from "../tests/common.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Number(opt("--runs", 3));
const threadsArg = opt("--threads", undefined);
const json = args.includes("--json");
if (!(runs >= 1)) throw new Error("--runs takes a positive number");

/** Opens threads/bench.html served with or without isolation; returns the page's report. */
async function benchPage(browser, isolated) {
  const server = await serve(wasmDir, { isolated });
  try {
    const page = await browser.newPage();
    page.on("console", (m) => console.log(`page: ${m.text()}`));
    page.on("pageerror", (e) => console.log(`page error: ${e.message}`));
    const query = new URLSearchParams({ runs: String(runs), ...(threadsArg ? { threads: threadsArg } : {}) });
    await page.goto(`${server.url}threads/bench.html?${query}`);
    await page.waitForSelector('#result[data-state="done"], #result[data-state="error"]', { timeout: 20 * 60_000 });
    assert.equal(await page.getAttribute("#result", "data-state"), "done", await page.textContent("#result"));
    const report = JSON.parse(await page.textContent("#json"));
    if (isolated) {
      await page.screenshot({ path: join(wasmDir, "artifacts", "threads.png"), fullPage: true });
    }
    await page.close();
    return report;
  } finally {
    await server.close();
  }
}

function nativeSpend() {
  const bin = join(root, "target", "release", "one_spend");
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(bin, { env: { ...process.env, RAYON_NUM_THREADS: "1" }, encoding: "utf8" });
    const m = /one Spend proof in ([0-9.]+)(ms|s|µs)/.exec(out);
    assert.ok(m, `one_spend printed: ${out}`);
    best = Math.min(best, Number(m[1]) / { s: 1, ms: 1e3, "µs": 1e6 }[m[2]]);
  }
  return best;
}

const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "superzk-chromium-")), {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
let figures;
try {
  const iso = await benchPage(browser, true);
  assert.equal(iso.crossOriginIsolated, true, "the page must be cross-origin isolated");
  const [single, one, all] = iso.reports;
  for (const r of iso.reports) {
    assert.ok(r.ok, `${r.pkg} on ${r.threads} threads: ${r.error}`);
    assert.equal(r.spendS.length, runs);
    for (const id of r.txids) assert.match(id, /^[0-9a-f]{64}$/);
  }
  assert.equal(single.poolSize, 1, "the single-threaded build proves on the calling thread");
  assert.equal(one.poolSize, 1);
  assert.equal(all.poolSize, iso.threads, "initThreadPool(n) gives a pool of n");

  const plain = await benchPage(browser, false);
  assert.equal(plain.crossOriginIsolated, false);
  assert.equal(plain.reports.length, 1);
  assert.equal(plain.reports[0].ok, false, "the threaded build must not start on a page that is not isolated");
  console.log(`without isolation the threaded build refuses to start: ${plain.reports[0].error}`);

  const best = (r) => Math.min(...r.spendS);
  figures = {
    cores: iso.cores,
    threads: iso.threads,
    runs,
    wasm_spend_s: best(single),
    wasm_threads_build_1_thread_spend_s: best(one),
    wasm_threads_build_all_threads_spend_s: best(all),
    all_threads_speedup: best(one) / best(all),
  };
  if (args.includes("--native")) {
    figures.native_1_thread_spend_s = nativeSpend();
    figures.wasm_vs_native = figures.wasm_spend_s / figures.native_1_thread_spend_s;
    figures.wasm_threads_build_1_thread_vs_native =
      figures.wasm_threads_build_1_thread_spend_s / figures.native_1_thread_spend_s;
  }
} finally {
  await browser.close();
}
console.log(`Chromium (headless), ${figures.cores} cores; one Spend proof, best of ${runs}, wall seconds:`);
console.log(`  pkg-web (single-threaded build)      ${figures.wasm_spend_s.toFixed(3)} s`);
console.log(`  pkg-web-threads, pool of 1           ${figures.wasm_threads_build_1_thread_spend_s.toFixed(3)} s`);
console.log(`  pkg-web-threads, pool of ${String(figures.threads).padEnd(11)} ${figures.wasm_threads_build_all_threads_spend_s.toFixed(3)} s  (${figures.all_threads_speedup.toFixed(2)}x the pool of 1)`);
if (figures.native_1_thread_spend_s) {
  console.log(`  native, RAYON_NUM_THREADS=1          ${figures.native_1_thread_spend_s.toFixed(3)} s  (wasm ${figures.wasm_vs_native.toFixed(2)}x, threads build on 1: ${figures.wasm_threads_build_1_thread_vs_native.toFixed(2)}x)`);
}
console.log("threads test: ok");
if (json) console.log(JSON.stringify(figures));
