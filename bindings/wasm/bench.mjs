#!/usr/bin/env node
// Wasm proving time under Node (one thread, as in a browser), for the
// comparison harness (benches/src/bin/compare.rs).
//
//   node bindings/wasm/bench.mjs [--json] [--runs N]
//
// Times a shielding transaction (one Output proof) and an exact transfer
// (one Spend and one Output proof, no change), best of N each; the Spend
// proof's time is their difference (both also encrypt one note and sign).
// Times are CPU seconds of this process (user + system): the Wasm runs on
// one thread, and on a busy machine wall time would also count other
// processes' turns. Wall times are printed alongside.
// With --json the LAST stdout line is
//   {"wasm_spend_prove_s": <seconds>, "wasm_size_bytes": <bytes of pkg-node's .wasm>}
// Needs the pkg-node build and the demo proving keys (bindings/wasm/test.sh
// makes both; SUPERZK_WASM_KEYS overrides the keys directory).
import { statSync } from "node:fs";
import { join } from "node:path";
import { zk, wasmDir, provingKeys, utf8 } from "./tests/common.mjs";

const args = process.argv.slice(2);
const json = args.includes("--json");
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
if (!(runs >= 1)) throw new Error("--runs takes a positive number");

const keys = provingKeys("spend", "output");
const alice = new zk.Wallet(zk.SpendingKey.fromSeed(utf8("bench alice"), 0));
const bob = zk.SpendingKey.fromSeed(utf8("bench bob"), 0).address(0);
/** Runs `f`; returns [CPU seconds, wall seconds, its result]. */
const seconds = (f) => {
  const cpu = process.cpuUsage();
  const t = process.hrtime.bigint();
  const out = f();
  const used = process.cpuUsage(cpu);
  return [(used.user + used.system) / 1e6, Number(process.hrtime.bigint() - t) / 1e9, out];
};

let [shieldS, transferS, shieldWall, transferWall] = [Infinity, Infinity, Infinity, Infinity];
for (let i = 0; i < runs; i++) {
  const [s, sw, shield] = seconds(() => zk.shield(keys, new Uint8Array(32).fill(0xa1), alice.address(0), "SERO", 100n));
  alice.scan(shield);
  const [t, tw, transfer] = seconds(() => alice.transfer(keys, bob, "SERO", 100n, 0n));
  alice.scan(transfer);
  zk.verifyTransaction(transfer);
  [shieldS, transferS] = [Math.min(shieldS, s), Math.min(transferS, t)];
  [shieldWall, transferWall] = [Math.min(shieldWall, sw), Math.min(transferWall, tw)];
}
const wasmSize = statSync(join(wasmDir, "pkg-node", "superzk_wasm_bg.wasm")).size;
const spendS = transferS - shieldS;
if (json) {
  console.log(
    JSON.stringify({
      runs,
      wasm_shield_s: shieldS,
      wasm_transfer_s: transferS,
      wasm_shield_wall_s: shieldWall,
      wasm_transfer_wall_s: transferWall,
    }),
  );
  console.log(JSON.stringify({ wasm_spend_prove_s: spendS, wasm_size_bytes: wasmSize }));
} else {
  console.log(`Wasm under Node ${process.version}, one thread, best of ${runs}, CPU seconds (wall):`);
  console.log(`  shield (1 Output proof)            ${shieldS.toFixed(2)} s (${shieldWall.toFixed(2)} s)`);
  console.log(`  transfer (1 Spend + 1 Output)      ${transferS.toFixed(2)} s (${transferWall.toFixed(2)} s)`);
  console.log(`  one Spend proof (the difference)   ${spendS.toFixed(2)} s`);
  console.log(`  .wasm size (pkg-node)              ${wasmSize} bytes`);
}
