// Times the exports of the field microbenchmark (run.sh builds it): ns per
// operation, best of a few runs of `n` dependent operations each.
import { readFileSync } from "node:fs";

const [file, nArg] = process.argv.slice(2);
const n = Number(nArg ?? 1_000_000);
const { instance } = await WebAssembly.instantiate(readFileSync(file), {});
const ex = instance.exports;
const time = (name) => {
  ex[name](1000); // warm up (tier-up)
  let best = Infinity;
  for (let run = 0; run < 5; run++) {
    const t = process.hrtime.bigint();
    ex[name](n);
    best = Math.min(best, Number(process.hrtime.bigint() - t) / n);
  }
  return best;
};
const rows = {};
for (const name of ["blst_mul", "ours_mul", "blst_sqr", "ours_sqr", "ours_add"]) {
  rows[name] = time(name);
  console.log(`${name.padEnd(9)} ${rows[name].toFixed(1)} ns`);
}
console.log(`mul: blst / ours = ${(rows.blst_mul / rows.ours_mul).toFixed(2)}x`);
console.log(`sqr: blst / ours = ${(rows.blst_sqr / rows.ours_sqr).toFixed(2)}x`);
